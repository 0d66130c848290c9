import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pooledAgents, sendRequest } from './http-agents.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server counting the TCP connections it accepted. */
async function serve(handler: RequestListener) {
  const server = createServer(handler);
  servers.push(server);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, url: new URL(`http://127.0.0.1:${port}/`), connections: () => connections };
}

async function text(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of res) body += chunk;
  return body;
}

const get = async (url: URL, method = 'GET') =>
  text(await sendRequest(url, { method, signal: AbortSignal.timeout(2_000) }));

const openSockets = (url: URL) =>
  Object.entries({ ...pooledAgents.http.sockets, ...pooledAgents.http.freeSockets })
    .filter(([name]) => name.startsWith(`${url.hostname}:${url.port}:`))
    .flatMap(([, sockets]) => sockets ?? []).length;

describe('sendRequest', () => {
  it('reuses a kept-alive connection for requests one after the other', async () => {
    const { url, connections } = await serve((_req, res) => res.end('ok'));
    for (let i = 0; i < 5; i++) expect(await get(url)).toBe('ok');
    expect(connections()).toBe(1);
  });

  it('retries on a fresh connection when the server closes a reused one as the request arrives', async () => {
    const served = new WeakMap<Socket, number>();
    const { url, connections } = await serve((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      // The server's idle timeout fires just as the second request comes in: no answer, connection reset.
      if (count === 2) return req.socket.destroy();
      res.end(`answer ${count}`);
    });
    expect(await get(url)).toBe('answer 1');
    expect(await get(url)).toBe('answer 1');
    expect(connections()).toBe(2);
  });

  it('retries when the server closed its idle connections the moment the request reused one', async () => {
    const { server, url, connections } = await serve((_req, res) => res.end('ok'));
    for (let round = 0; round < 5; round++) {
      expect(await get(url)).toBe('ok');
      // Same tick: the pooled socket has not yet seen the close when the request is written on it.
      server.closeIdleConnections();
      expect(await get(url)).toBe('ok');
    }
    expect(connections()).toBeGreaterThanOrEqual(6);
  });

  it('destroys the socket of a request cut by its signal (no socket left open)', async () => {
    const { server, url } = await serve(() => {}); // never answers
    const aborted = sendRequest(url, { signal: AbortSignal.timeout(100) });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openSockets(url)).toBe(0);
    const open = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
    expect(open).toBe(0);
  });

  it('sends a POST on a connection of its own (it is not retried, so never on a reused one)', async () => {
    const { url, connections } = await serve((req, res) => res.end(req.headers.connection));
    expect(await get(url, 'POST')).toBe('close');
    expect(await get(url, 'POST')).toBe('close');
    expect(connections()).toBe(2);
    expect(openSockets(url)).toBe(0);
  });
});
