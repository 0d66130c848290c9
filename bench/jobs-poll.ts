/**
 * The BFF's CPU while polling 3 Airflow 3 sources of 1,000 DAGs each, with 100 live clients (SSE, topic
 * `jobs`) connected, against the same BFF with no sources and the same clients as baseline; and the
 * requests each source received per poll interval. The sources are local HTTP servers answering like
 * Airflow 3's API (what adapters/airflow-api.ts and airflow3.ts call: POST /auth/token, GET /api/v2/dags
 * paged by 100, GET /api/v2/dags/~/dagRuns?updated_at_gte=...), each changing a few runs per interval.
 *   node bench/jobs-poll.ts [--interval 2000] [--seconds 20] [--clients 100]
 * The interval is shortened to make a short window meaningful; the cost is also scaled to the default
 * 15 s interval (linear in the poll rate, as bench/home-probes.ts does).
 * Goals: <= 5% of one core at 15 s; exactly one run-list request per source per interval.
 */
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { cpuSeconds, flag, sleep } from './home-probes.ts';

const SOURCES = 3;
const DAGS = 1_000;
const PAGE = 100;
/** Runs changed per source and interval: 60 s of them (the adapter's overlap) stay within one page. */
const CHANGES = 3;
const DEFAULT_INTERVAL_MS = 15_000;
const intervalMs = flag('interval', 2000);
const seconds = flag('seconds', 16);
const clients = flag('clients', 100);

interface FakeRun {
  dag_id: string;
  dag_run_id: string;
  state: string;
  queued_at: string;
  start_date: string | null;
  end_date: string | null;
  run_type: string;
  updated: number;
}

/** One Airflow 3 API: 1,000 DAGs, one run each to start with, CHANGES runs started or finished per interval. */
async function startFakeAirflow(index: number) {
  const counts = { token: 0, dags: 0, runs: 0, other: 0 };
  const dags = Array.from({ length: DAGS }, (_, i) => ({
    dag_id: `s${index}_dag_${i}`,
    dag_display_name: `Source ${index} DAG ${i}`,
    is_paused: false,
    owners: [`team-${i % 20}`],
    tags: [{ name: `domain-${i % 10}` }],
    timetable_summary: '0 * * * *',
    next_dagrun_run_after: new Date(Date.now() + 3600_000).toISOString(),
  }));
  const runs: FakeRun[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const startRun = (dag: number, at: number) =>
    runs.push({
      dag_id: `s${index}_dag_${dag}`,
      dag_run_id: `scheduled__${iso(at)}`,
      state: 'running',
      queued_at: iso(at),
      start_date: iso(at),
      end_date: null,
      run_type: 'scheduled',
      updated: at,
    });
  const started = Date.now() - 3600_000;
  for (let dag = 0; dag < DAGS; dag++) {
    startRun(dag, started + dag);
    Object.assign(runs[dag]!, { state: dag % 10 ? 'success' : 'failed', end_date: iso(started + 60_000) });
  }
  let next = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    for (let i = 0; i < CHANGES; i++) {
      const running = runs.find((run) => run.state === 'running');
      if (running && i % 2) Object.assign(running, { state: 'success', end_date: iso(now), updated: now });
      else startRun(next++ % DAGS, now);
    }
  }, intervalMs);

  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    req.resume();
    if (req.method === 'POST' && url.pathname === '/auth/token') {
      counts.token++;
      const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 86_400 })).toString(
        'base64url',
      );
      return send(res, 201, { access_token: `e30.${payload}.sig` });
    }
    if (!req.headers.authorization?.startsWith('Bearer e30.'))
      return send(res, 401, { detail: 'Not authenticated' });
    const limit = Math.min(PAGE, Number(url.searchParams.get('limit') ?? PAGE));
    if (url.pathname === '/api/v2/dags') {
      counts.dags++;
      const offset = Number(url.searchParams.get('offset') ?? 0);
      return send(res, 200, { dags: dags.slice(offset, offset + limit), total_entries: DAGS });
    }
    if (url.pathname === '/api/v2/dags/~/dagRuns') {
      counts.runs++;
      const since = Date.parse(url.searchParams.get('updated_at_gte') ?? '');
      const offset = Number(url.searchParams.get('cursor') || 0);
      const changed = runs.filter((run) => run.updated >= since).sort((a, b) => a.updated - b.updated);
      const page = changed.slice(offset, offset + limit).map(({ updated: _, ...run }) => run);
      const more = offset + limit < changed.length;
      return send(res, 200, {
        dag_runs: page,
        total_entries: changed.length,
        next_cursor: more ? String(offset + limit) : null,
      });
    }
    counts.other++;
    send(res, 404, { detail: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `count` live clients on /api/events?topics=jobs; counts the `runs` and `sources` messages they get. */
function connectClients(url: string, count: number) {
  let messages = 0;
  const requests = Array.from({ length: count }, () =>
    get(`${url}/api/events?topics=jobs`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        messages += chunk.split('event: message').length - 1;
      });
    }),
  );
  return {
    messages: () => messages,
    close: () => {
      for (const request of requests) request.destroy();
    },
  };
}

async function measure(label: string, config: string, warmupMs: number, windowStarts = () => {}) {
  const labdeck = await startLabdeckProcess({ config });
  const live = connectClients(labdeck.url, clients);
  try {
    await sleep(warmupMs);
    windowStarts();
    const before = await cpuSeconds(labdeck.url);
    const messages = live.messages();
    await sleep(seconds * 1000);
    const cpu = (((await cpuSeconds(labdeck.url)) - before) / seconds) * 100;
    const delivered = live.messages() - messages;
    console.log(
      `  ${label.padEnd(44)} CPU ${cpu.toFixed(2)}% of one core, ${delivered} live messages delivered to ${clients} clients`,
    );
    return cpu;
  } finally {
    live.close();
    await labdeck.stop();
  }
}

const sources = await Promise.all(Array.from({ length: SOURCES }, (_, i) => startFakeAirflow(i)));
const config = [
  'log: { level: warn }',
  'jobs:',
  '  sources:',
  ...sources.map(
    (source, i) =>
      `    - { id: airflow-${i}, kind: airflow3, url: "${source.url}", username: admin, password: bench, intervalMs: ${intervalMs} }`,
  ),
].join('\n');
try {
  console.log(
    `jobs-poll: ${SOURCES} Airflow 3 sources x ${DAGS} DAGs, ${CHANGES} runs changed per source per ${intervalMs} ms interval, ${clients} live clients, ${seconds} s window; Node ${process.version}`,
  );
  const baseline = await measure('baseline: no job sources, same clients', 'log: { level: warn }\n', 3_000);
  // The warm-up covers the first poll (all DAGs, the first week of runs) and the jobs' first snapshot.
  const warmup = 3 * intervalMs + 2_000;
  let before = sources.map((source) => ({ ...source.counts }));
  const polling = await measure(`${SOURCES} sources @ ${intervalMs / 1000} s`, config, warmup, () => {
    before = sources.map((source) => ({ ...source.counts }));
  });
  const intervals = (seconds * 1000) / intervalMs;
  let exact = true;
  for (const [i, source] of sources.entries()) {
    const during = (key: keyof typeof source.counts) => source.counts[key] - before[i]![key];
    const runLists = during('runs');
    console.log(
      `  airflow-${i}: in the window ${runLists} run-list requests in ${intervals.toFixed(0)} intervals (${(runLists / intervals).toFixed(2)} per interval), ${during('dags')} DAG-list pages (all DAGs every 10th poll), ${during('token')} token requests, ${during('other')} other; in all ${source.counts.token} token requests`,
    );
    // A window of n intervals holds n or n +- 1 polls, depending on where it falls.
    if (Math.abs(runLists - intervals) > 1) exact = false;
  }
  const cost = polling - baseline;
  const scaled = (cost * intervalMs) / DEFAULT_INTERVAL_MS;
  console.log(
    `jobs-poll: polling cost ${cost.toFixed(2)}% of one core over baseline at ${intervalMs / 1000} s, ~${scaled.toFixed(2)}% scaled to the default 15 s interval (goal <= 5%); ${intervals.toFixed(0)} intervals in the window; one run-list request per source per interval: ${exact ? 'yes' : 'NO'}`,
  );
  if (scaled > 5 || !exact) process.exitCode = 1;
} finally {
  await Promise.all(sources.map((source) => source.close()));
}
