/**
 * What the SQL benchmarks share (not a benchmark itself: run.ts skips `_` files): a real BFF on an
 * embedded PostgreSQL with the benchmark's `sql:` config, a client that streams a run through it and
 * counts the rows, and the figures' formatting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execForm, parseDockerfile } from '../scripts/image/dockerfile.ts';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';
import { freePort } from '../server/platform/net.ts';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const root = path.resolve(import.meta.dirname, '..');

/** Node's flags in the image's command (Dockerfile CMD), so the replicas benchmarked run as deployed. */
const imageNodeFlags = (() => {
  const runtime = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).at(-1)!;
  const cmd = execForm(runtime.steps.findLast((s) => s.op === 'CMD')!.args);
  return cmd.slice(1, cmd.indexOf('server/main.ts'));
})();

/** A BFF started for one benchmark: its URL, a CSRF token for runs, and its process (for /proc figures). */
export interface BenchBff {
  url: string;
  csrf: string;
  process: ChildProcess;
  /** Labdeck's own PostgreSQL (its URL serves as a query target too). */
  pg: EmbeddedPostgres;
}

/**
 * Starts the BFF with `labdeck.yaml` = `config(pg)` (after `before`, e.g. a lab server, started beside
 * PostgreSQL), runs `measure`, stops everything, and sets the exit code: 1 when `measure` says the goal
 * was missed (returns false) or throws.
 */
export async function benchWithBff<Extra>(options: {
  name: string;
  before?: () => Promise<Extra>;
  after?: (extra: Extra | undefined) => Promise<void> | void;
  config: (extra: Extra, pg: EmbeddedPostgres) => string;
  measure: (bff: BenchBff, extra: Extra) => Promise<boolean>;
}): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), `labdeck-bench-${options.name}-`));
  const pg = new EmbeddedPostgres({ dir: path.join(work, 'pg') });
  let extra: Extra | undefined;
  let bff: ChildProcess | undefined;
  let met = false;
  try {
    [extra] = await Promise.all([options.before?.() as Promise<Extra>, pg.start()]);
    let url: string;
    ({ url, process: bff } = await spawnBff(work, options.config(extra as Extra, pg), pg.url));
    const session = await fetch(`${url}/api/session`);
    const csrf = /labdeck_csrf=([^;]+)/.exec(session.headers.getSetCookie().join(';'))![1]!;
    met = await options.measure({ url, csrf, process: bff, pg }, extra as Extra);
  } finally {
    bff?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.allSettled([options.after?.(extra), pg.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
  process.exitCode = met ? 0 : 1;
}

/**
 * Starts `node <the image's flags> [nodeArgs] server/main.ts` in `work` with `config` as labdeck.yaml on `databaseUrl`;
 * resolves once ready.
 */
export async function spawnBff(
  work: string,
  config: string,
  databaseUrl: string,
  nodeArgs: string[] = [],
): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(path.join(work, 'labdeck.yaml'), config);
  const child = spawn(process.execPath, [...imageNodeFlags, ...nodeArgs, path.join(root, 'server/main.ts')], {
    cwd: work,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitReady(url);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return { url, process: child };
}

/** POST /api/sql/run and read the NDJSON stream to its end; the number of rows it delivered. */
export async function runThroughBff(bff: BenchBff, connectionId: string, sql: string): Promise<number> {
  const res = await fetch(`${bff.url}/api/sql/run`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: `labdeck_csrf=${bff.csrf}`,
      'x-csrf-token': bff.csrf,
    },
    body: JSON.stringify({ connectionId, sql, tabId: 'bench' }),
  });
  if (!res.ok) throw new Error(`run failed: HTTP ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let rows = 0;
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    let from = 0;
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      const line = JSON.parse(buffer.slice(from, at));
      if (line.t === 'rows') rows += line.rows.length;
      if (line.t === 'end' && line.state !== 'finished')
        throw new Error(`run ended ${line.state}: ${line.error?.message}`);
      from = at + 1;
      at = buffer.indexOf('\n', from);
    }
    buffer = buffer.slice(from);
  }
  return rows;
}

async function waitReady(url: string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the BFF did not become ready');
}
