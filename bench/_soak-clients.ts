/**
 * The two client processes of bench/soak.ts (not a benchmark itself: run.ts skips `_` files), each in
 * its own process so that neither's event loop adds to the other's figures nor to the balancer's:
 *   node bench/_soak-clients.ts load <url> <rate> <seconds> <MixSpec json>          fixed arrival rate
 *   node bench/_soak-clients.ts sse <url> <clients> <headers json> <topic sets json>  held-open SSE streams
 * Both talk to the parent over IPC.
 */
import { Agent, request } from 'node:http';
import { runEvent } from '../server/modules/lineage/test/events.ts';

/** One request of the mix: method, path, headers and body (POST). */
export interface MixEntry {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A fresh body per request (e.g. a new OpenLineage run). */
  body?: () => string;
}

/** What the load process sends back at the end: per request, its mix label, status (0 = no answer) and latency. */
export interface LoadResult {
  labels: string[];
  /** Per request: [second it was due (from the start), label index, status, latency ms]. */
  samples: [number, number, number, number][];
  /** Why requests got no answer (error code -> count): ECONNRESET, timeout... */
  errors: Record<string, number>;
  /** GETs sent again because the kept-alive connection they were sent on was closed under them. */
  retried: number;
  /** CPU seconds the load generator used. */
  cpuSeconds: number;
}

export interface SseReport {
  open: number;
  opened: number;
  closed: number;
  failed: number;
  messages: number;
  /** Status codes other than 200 seen when opening, with counts. */
  refused: Record<string, number>;
}

/**
 * Requests at a constant arrival rate (an open model: the next one is due at its time whatever is still
 * in flight); a request's latency counts from when it was due, so a stall is not hidden by waiting.
 */
export async function constantRate(url: string, rate: number, seconds: number, mix: MixEntry[]) {
  // Idle connections are closed before the balancer's 65 s keep-alive would close them under a request.
  const agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: 60_000 });
  let retried = 0;
  const labels = [...new Set(mix.map((m) => m.label))];
  const samples: LoadResult['samples'] = [];
  const errors: Record<string, number> = {};
  const failed = (error: NodeJS.ErrnoException) => {
    const code = error.code ?? error.message;
    errors[code] = (errors[code] ?? 0) + 1;
  };
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  let pending = 0;
  await new Promise<void>((resolve) => {
    const send = (index: number) => {
      const entry = mix[index % mix.length]!;
      const due = start + (index * 1000) / rate;
      const body = entry.body?.();
      const headers = { ...entry.headers, ...(body ? { 'content-type': 'application/json' } : {}) };
      const record = (status: number) => {
        samples.push([
          Math.floor((due - start) / 1000),
          labels.indexOf(entry.label),
          status,
          performance.now() - due,
        ]);
        if (--pending === 0 && sent === total) resolve();
      };
      pending++;
      const attempt = (again: boolean) => {
        const req = request(new URL(entry.path, url), {
          method: entry.method,
          headers,
          agent,
          timeout: 30_000,
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => record(res.statusCode ?? 0));
          res.on('error', (error) => {
            failed(error);
            record(0);
          });
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (error: NodeJS.ErrnoException) => {
          // What browsers do (RFC 9112 9.3.1): an idempotent request on a kept-alive connection the
          // server closed at that moment is sent once more on a new one.
          if (!again && entry.method === 'GET' && req.reusedSocket && error.code === 'ECONNRESET') {
            retried++;
            attempt(true);
            return;
          }
          failed(error);
          record(0);
        });
        req.end(body);
      };
      attempt(false);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 2);
      else if (pending === 0) resolve();
    };
    tick();
  });
  agent.destroy();
  const cpu = process.cpuUsage();
  return { labels, samples, errors, retried, cpuSeconds: (cpu.user + cpu.system) / 1e6 } satisfies LoadResult;
}

/** `count` SSE streams opened in steps of 50, each on the next topic set; counts what stays open. */
function holdSse(url: string, count: number, headers: Record<string, string>, topicSets: string[]) {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const report: SseReport = { open: 0, opened: 0, closed: 0, failed: 0, messages: 0, refused: {} };
  const streams = new Set<{ destroy(): void }>();
  const open = (i: number) => {
    const topics = topicSets[i % topicSets.length]!;
    const req = request(new URL(`/api/events${topics ? `?topics=${topics}` : ''}`, url), {
      headers: { ...headers, accept: 'text/event-stream' },
      agent,
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        report.refused[res.statusCode ?? 0] = (report.refused[res.statusCode ?? 0] ?? 0) + 1;
        res.resume();
        return;
      }
      report.open++;
      report.opened++;
      streams.add(req);
      res.on('data', (chunk: Buffer) => {
        // Each message ends with a blank line.
        for (let at = chunk.indexOf('\n\n'); at >= 0; at = chunk.indexOf('\n\n', at + 2)) report.messages++;
      });
      res.on('close', () => {
        report.open--;
        report.closed++;
        streams.delete(req);
      });
    });
    req.on('error', () => report.failed++);
    req.end();
  };
  let next = 0;
  const ramp = setInterval(() => {
    for (const stop = Math.min(count, next + 50); next < stop; ) open(next++);
    if (next >= count) clearInterval(ramp);
  }, 100);
  setInterval(() => process.send?.(report), 1_000);
  process.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(ramp);
    for (const stream of streams) stream.destroy();
    process.send?.(report, () => process.exit(0));
  });
}

/** What the mix is made of: who signs in, the ingest key, and lineage nodes that exist. */
export interface MixSpec {
  /** Forward-auth headers of the signed-in user (auth.mode proxy, trusted from loopback). */
  identity: Record<string, string>;
  ingestKey: string;
  nodeIds: string[];
  /** Jobs the POSTed runs belong to (a fixed set, so runs pile up but the graph does not grow). */
  jobs: number;
}

/**
 * 40 requests in turn: the home page's list, lineage graph/search/recent, the jobs list and board,
 * GET /healthz (the in-run baseline) and, at 1 in 40, an OpenLineage run event POSTed by a producer.
 */
export function soakMix(spec: MixSpec): MixEntry[] {
  const get = (label: string, path: string, count: number, headers = spec.identity) =>
    Array.from({ length: count }, (_, i) => ({
      label,
      method: 'GET' as const,
      path: path.replace('{i}', String(i)),
      headers,
    }));
  let run = 0;
  const graph = spec.nodeIds.map((nodeId) => `/api/lineage?${new URLSearchParams({ nodeId, depth: '2' })}`);
  return [
    ...get('GET /api/services', '/api/services', 10),
    ...Array.from({ length: 6 }, (_, i) => ({
      label: 'GET /api/lineage',
      method: 'GET' as const,
      path: graph[i % graph.length]!,
      headers: spec.identity,
    })),
    ...get('GET /api/lineage/search', '/api/lineage/search?q=soak_{i}', 6),
    ...get('GET /api/lineage/recent', '/api/lineage/recent', 2),
    ...get('GET /api/jobs', '/api/jobs', 6),
    ...get('GET /api/jobs/board', '/api/jobs/board', 2),
    ...get('GET /healthz', '/healthz', 7, {}),
    {
      label: 'POST /api/v1/lineage',
      method: 'POST' as const,
      path: '/api/v1/lineage',
      headers: { authorization: `Bearer ${spec.ingestKey}` },
      body: () => JSON.stringify(soakRunEvent(run++ % spec.jobs)),
    },
  ];
}

/** A COMPLETE run of job `soak_job_<n>`, reading soak_ds_<n> and writing soak_ds_<n+1>: a chain. */
export function soakRunEvent(n: number) {
  return runEvent({
    job: `soak_job_${n}`,
    inputs: [{ name: `soak_ds_${n}`, fields: ['id', 'value'] }],
    outputs: [{ name: `soak_ds_${n + 1}`, fields: ['id', 'value'] }],
  });
}

if (import.meta.main) {
  const [role, url, a, b, c] = process.argv.slice(2) as [string, string, string, string, string];
  if (role === 'sse') holdSse(url, Number(a), JSON.parse(b), JSON.parse(c));
  if (role === 'load') {
    const result = await constantRate(url, Number(a), Number(b), soakMix(JSON.parse(c)));
    process.send?.(result, () => process.exit(0));
  }
}
