import { type Document, MongoClient } from 'mongodb';
import { z } from 'zod';
import { defineProbe, describeError, type ProbeOutcome, probeTiming } from '../probes/types.ts';
import { definePreset, figure } from './types.ts';

const schema = z.strictObject({
  type: z.literal('mongodb'),
  /** mongodb:// or mongodb+srv:// URL (user and password via ${ENV}); default: the service url's host and port (27017). */
  url: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'expected a mongodb:// or mongodb+srv:// URL')
    .optional(),
  ...probeTiming,
});

/**
 * `hello` (the handshake every driver sends), then `serverStatus` for connections and version: down
 * when it does not answer, degraded when a replica set member has no primary or is neither primary
 * nor secondary (recovering, syncing).
 */
export const mongodbProbe = defineProbe({
  type: 'mongodb',
  schema,
  async run(config, { timeoutMs, signal, serviceUrl }) {
    const client = new MongoClient(config.url ?? mongodbUrlOf(serviceUrl), {
      // Before the probe's own time box, so the driver's reason (ECONNREFUSED...) is what the tile says.
      serverSelectionTimeoutMS: Math.max(100, Math.floor(timeoutMs * 0.8)),
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: timeoutMs,
      maxPoolSize: 1,
      monitorCommands: false,
      appName: 'labdeck-probe',
    });
    const abort = () => void client.close(true).catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    try {
      const admin = client.db('admin');
      const hello = await admin.command({ hello: 1 });
      const status = await admin.command({ serverStatus: 1 }).catch(() => undefined);
      return judgeHello(hello, status);
    } catch (error) {
      if (signal.aborted) return { status: 'down', error: `no answer within ${timeoutMs} ms` };
      return { status: 'down', error: describeError(error) };
    } finally {
      signal.removeEventListener('abort', abort);
      await client.close(true).catch(() => {});
    }
  },
});

/** The service url's host and port as a mongodb:// URL to that one server; no port means 27017. */
function mongodbUrlOf(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  return `mongodb://${url.hostname}:${url.port || 27017}/?directConnection=true`;
}

/** What `hello` and `serverStatus` (absent when the user may not run it) say about the server. */
export function judgeHello(hello: Document, status: Document | undefined): ProbeOutcome {
  const inSet = typeof hello.setName === 'string';
  const role = hello.isWritablePrimary
    ? inSet
      ? 'primary'
      : 'standalone'
    : hello.secondary
      ? 'secondary'
      : hello.arbiterOnly
        ? 'arbiter'
        : 'other';
  const figures = [
    ...figure('connections', status?.connections?.current),
    ...figure('version', status?.version),
    ...figure('role', role),
    ...figure('replica set', hello.setName),
  ];
  if (role === 'other')
    return { status: 'degraded', error: 'neither primary nor secondary (recovering or syncing)', figures };
  if (inSet && role !== 'primary' && !hello.primary)
    return { status: 'degraded', error: `replica set ${hello.setName} has no primary`, figures };
  return { status: 'up', figures };
}

export const mongodbPreset = definePreset({
  kind: 'mongodb',
  icon: 'mongodb',
  probe: () => ({ type: 'mongodb' }),
  images: ['mongo', 'mongodb/mongodb-community-server', 'bitnami/mongodb', 'percona/percona-server-mongodb'],
  adapter: mongodbProbe,
});
