import { connect } from 'node:net';
import { z } from 'zod';
import { defineProbe, probeTiming } from './types.ts';

const schema = z.strictObject({
  type: z.literal('tcp'),
  host: z.string().min(1).max(253).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  ...probeTiming,
});

/** Opens a TCP connection and closes it again. Host and port default to the service URL's. */
export const tcpProbe = defineProbe({
  type: 'tcp',
  schema,
  run(config, { signal, serviceUrl }) {
    const url = new URL(serviceUrl);
    const host = config.host ?? url.hostname.replace(/^\[|\]$/g, '');
    const port = config.port ?? (Number(url.port) || (url.protocol === 'https:' ? 443 : 80));
    return new Promise((resolve) => {
      const socket = connect({ host, port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ status: 'up' });
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.destroy();
        resolve({
          status: 'down',
          error: error.name === 'AbortError' ? 'timed out' : `${error.code ?? 'error'} ${host}:${port}`,
        });
      });
    });
  },
});
