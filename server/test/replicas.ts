import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the replica proofs share (server/platform/replicas.test.ts and bench/failover.ts): a probe target
 * that records when each service's probe arrived, an SSE listener that records when each event arrived,
 * and the percentile of their figures.
 */

export interface ProbeTarget {
  url: string;
  /** Per service id (the request path without its slash): when each probe arrived, in order. */
  probes: Map<string, number[]>;
  close(): void;
}

/** A local HTTP target answering the probes of `services` (service `id` probes `${url}/${id}`). */
export async function startProbeTarget(services: string[]): Promise<ProbeTarget> {
  const probes = new Map<string, number[]>(services.map((id) => [id, []]));
  const server: Server = createServer((req, res) => {
    probes.get(req.url!.slice(1))?.push(Date.now());
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    probes,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/**
 * Reads the lineage SSE stream of the BFF at `url` (sent `headers`) and records in `arrivals` when each
 * job matching `job` (its first group is the key) first arrived. Resolves once connected, to a stop function.
 */
export async function listenLineage(
  url: string,
  headers: Record<string, string>,
  job: RegExp,
  arrivals: Map<string, number>,
): Promise<() => Promise<void>> {
  const res = await fetch(`${url}/api/events?topics=lineage`, { headers });
  if (res.status !== 200) throw new Error(`SSE at ${url}: HTTP ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const matcher = new RegExp(job.source, 'g');
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      const now = Date.now();
      for (const match of decoder.decode(value, { stream: true }).matchAll(matcher))
        if (!arrivals.has(match[1]!)) arrivals.set(match[1]!, now);
    }
  })();
  return () => reader.cancel().catch(() => {});
}
