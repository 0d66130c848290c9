import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Which upstream answered each request, in order (an index into `upstreams`). */
  answeredBy: number[];
  close(): Promise<void>;
}

/**
 * A small round-robin HTTP load balancer (what a Kubernetes Service or nginx does in front of replicas):
 * each request goes to the next upstream that accepts the connection, bodies stream both ways (SSE,
 * NDJSON), the Host header is kept. An upstream that refuses (killed) is skipped.
 */
export async function startBalancer(upstreams: string[], port = 0): Promise<Balancer> {
  let next = 0;
  const answeredBy: number[] = [];
  const server: Server = createServer((req, res) => {
    const attempt = (tries: number) => {
      const index = next++ % upstreams.length;
      const target = new URL(req.url ?? '/', upstreams[index]);
      const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
        answeredBy.push(index);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        // Only a bodiless request can be sent again: a POST's body is already spent.
        const retry = error.code === 'ECONNREFUSED' && (req.method === 'GET' || req.method === 'HEAD');
        if (retry && tries < upstreams.length && !res.headersSent) attempt(tries + 1);
        else if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    };
    attempt(1);
  });
  // Idle client connections stay open as long as at a replica (runtime.ts) and nginx (75 s): with Node's
  // 5 s a client reusing a connection the balancer is closing at that moment gets ECONNRESET.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answeredBy,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
