// Runs the lab's real OpenLineage producer: `dbt-ol run` (openlineage-dbt wrapping dbt-core
// with dbt-postgres) on the project in lab/dbt/project, from the venv that lab/dbt/install.sh
// builds in <repo>/.lab/venv. dbt-ol runs dbt, then reads target/manifest.json and
// run_results.json and POSTs one OpenLineage RunEvent per request to
// <OPENLINEAGE_URL>/api/v1/lineage.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { notInstalled } from '../process.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const venvDir = path.join(repoRoot, '.lab', 'venv');
export const dbtOlBin = path.join(venvDir, 'bin', 'dbt-ol');
export const projectDir = path.join(here, 'project');
export const seedFile = path.join(here, 'seed.sql');
export const INSTALL_HINT = 'bash lab/dbt/install.sh';

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface RunDbtOlOptions {
  pg: PgConnection;
  /** Base URL of the OpenLineage HTTP receiver, e.g. http://127.0.0.1:3000 (the client appends `endpoint`). */
  openLineageUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** OpenLineage job namespace (OPENLINEAGE_NAMESPACE); dbt-ol's own default is "dbt". */
  namespace?: string;
  /** Path joined to openLineageUrl (OPENLINEAGE_ENDPOINT); default api/v1/lineage. */
  endpoint?: string;
  /**
   * 'gzip' makes the client send `Content-Encoding: gzip` bodies. The plain OPENLINEAGE_URL
   * setup cannot express that, so the transport is then configured through the client's
   * OPENLINEAGE__TRANSPORT__* variables instead (same URL, endpoint and API key).
   */
  compression?: 'gzip';
  /** dbt command that dbt-ol wraps; default 'run' ('build' and 'test' also emit test events). */
  command?: string;
  /** Extra arguments after the command, e.g. ['--select', 'stg_customers']. */
  args?: string[];
  /** dbt target dir (manifest.json, run_results.json); default <repo>/.lab/dbt/target. */
  targetPath?: string;
  /**
   * Run plain `dbt docs generate` first, so that dbt-ol finds target/catalog.json and adds column
   * types to the schema facets (without it, fields carry name and description only). The catalog
   * holds the tables as they were before this run: on a fresh database only the sources get types.
   */
  catalog?: boolean;
  /** Extra environment for dbt-ol (wins over everything else). */
  env?: Record<string, string>;
  /** Kill dbt-ol after this many milliseconds; default 5 minutes. */
  timeoutMs?: number;
}

export interface RunDbtOlResult {
  code: number;
  output: string;
}

export function assertDbtOlInstalled(): void {
  if (!existsSync(dbtOlBin)) {
    throw notInstalled('dbt-ol', path.dirname(dbtOlBin), INSTALL_HINT);
  }
}

/** Creates raw.customers and raw.orders from seed.sql unless both exist. Returns whether it ran. */
export async function applySeed(conn: PgConnection): Promise<boolean> {
  const client = new pg.Client({ ...conn, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      "select to_regclass('raw.customers') is not null and to_regclass('raw.orders') is not null as ok",
    );
    if (rows[0]?.ok) return false;
    await client.query(await readFile(seedFile, 'utf8'));
    return true;
  } finally {
    await client.end();
  }
}

function dbtEnv(options: RunDbtOlOptions, targetPath: string, logPath: string): NodeJS.ProcessEnv {
  // Drop inherited OpenLineage/dbt settings so that only ours apply (an inherited
  // OPENLINEAGE__TRANSPORT__* or OPENLINEAGE_DISABLED would silently redirect events).
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OPENLINEAGE|DBT_|LAB_PG_)/.test(k) && k !== 'VIRTUAL_ENV' && k !== 'PYTHONPATH') env[k] = v;
  }
  return {
    ...env,
    // dbt-ol starts `dbt` by name: the venv's bin must come first on PATH.
    PATH: `${path.join(venvDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venvDir,
    PYTHONUNBUFFERED: '1',
    LAB_PG_HOST: options.pg.host,
    LAB_PG_PORT: String(options.pg.port),
    LAB_PG_USER: options.pg.user,
    LAB_PG_PASSWORD: options.pg.password,
    LAB_PG_DB: options.pg.database,
    DBT_PROFILES_DIR: projectDir,
    DBT_TARGET_PATH: targetPath,
    DBT_LOG_PATH: logPath,
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    DBT_USE_COLORS: 'false',
    DBT_VERSION_CHECK: 'false',
    OPENLINEAGE_NAMESPACE: options.namespace ?? 'dbt',
    // No openlineage.yml from cwd or ~/.openlineage may override the transport.
    OPENLINEAGE_CONFIG: path.join(projectDir, 'no-openlineage.yml'),
    ...transportEnv(options),
    ...options.env,
  };
}

function transportEnv(options: RunDbtOlOptions): Record<string, string> {
  if (options.compression === 'gzip') {
    return {
      OPENLINEAGE__TRANSPORT__TYPE: 'http',
      OPENLINEAGE__TRANSPORT__URL: options.openLineageUrl,
      OPENLINEAGE__TRANSPORT__ENDPOINT: options.endpoint ?? 'api/v1/lineage',
      OPENLINEAGE__TRANSPORT__COMPRESSION: 'gzip',
      ...(options.apiKey
        ? { OPENLINEAGE__TRANSPORT__AUTH: JSON.stringify({ type: 'api_key', apiKey: options.apiKey }) }
        : {}),
    };
  }
  return {
    OPENLINEAGE_URL: options.openLineageUrl,
    ...(options.endpoint ? { OPENLINEAGE_ENDPOINT: options.endpoint } : {}),
    ...(options.apiKey ? { OPENLINEAGE_API_KEY: options.apiKey } : {}),
  };
}

function spawnLogged(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RunDbtOlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run.ts] ${path.basename(bin)} killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/**
 * Applies the seed if needed, then runs `dbt-ol <command>` (default `run`) against options.pg,
 * sending events to options.openLineageUrl. Resolves with dbt's exit code and the combined
 * stdout/stderr of dbt and dbt-ol; a failed POST is only logged by dbt-ol, not an error.
 */
export async function runDbtOl(options: RunDbtOlOptions): Promise<RunDbtOlResult> {
  assertDbtOlInstalled();
  await applySeed(options.pg);
  const targetPath = options.targetPath ?? path.join(repoRoot, '.lab', 'dbt', 'target');
  const logPath = path.join(path.dirname(targetPath), 'logs');
  await mkdir(targetPath, { recursive: true });
  await mkdir(logPath, { recursive: true });
  const env = dbtEnv(options, targetPath, logPath);
  const timeoutMs = options.timeoutMs ?? 300_000;

  // dbt-ol reads <target>/catalog.json whenever it exists: a stale one would change the facets.
  await rm(path.join(targetPath, 'catalog.json'), { force: true });
  let output = '';
  if (options.catalog) {
    const docs = await spawnLogged(path.join(venvDir, 'bin', 'dbt'), ['docs', 'generate'], env, timeoutMs);
    output += docs.output;
    if (docs.code !== 0) return { code: docs.code, output };
  }
  const result = await spawnLogged(
    dbtOlBin,
    [options.command ?? 'run', ...(options.args ?? [])],
    env,
    timeoutMs,
  );
  return { code: result.code, output: output + result.output };
}

export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, gunzipped when Content-Encoding is gzip. */
  body: unknown;
}

/** An OpenLineage facet: its own fields vary by facet, the two below are always there. */
export interface OlFacet {
  _producer: string;
  _schemaURL: string;
  [field: string]: unknown;
}

export interface OlDataset {
  namespace: string;
  name: string;
  facets?: Record<string, OlFacet>;
  inputFacets?: Record<string, OlFacet>;
  outputFacets?: Record<string, OlFacet>;
}

/** The OpenLineage RunEvent shape as dbt-ol sends it. */
export interface OlRunEvent {
  eventType: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, OlFacet> };
  job: { namespace: string; name: string; facets?: Record<string, OlFacet> };
  inputs?: OlDataset[];
  outputs?: OlDataset[];
}

export interface CaptureResult extends RunDbtOlResult {
  /** The OpenLineage events in the order they arrived. */
  events: OlRunEvent[];
  requests: CapturedRequest[];
}

/**
 * Runs `dbt-ol run` against a local HTTP receiver started here (127.0.0.1, random port)
 * that answers every POST with `status` (default 201, like Marquez) and records it.
 */
export async function captureDbtOlEvents(
  options: Omit<RunDbtOlOptions, 'openLineageUrl'> & { status?: number },
): Promise<CaptureResult> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      try {
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        const body: unknown = raw.length ? JSON.parse(raw.toString('utf8')) : null;
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(options.status ?? 201).end();
      } catch (err) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: String(err) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  try {
    const result = await runDbtOl({
      ...options,
      openLineageUrl: `http://127.0.0.1:${port}`,
      targetPath: options.targetPath ?? path.join(repoRoot, '.lab', 'dbt', 'capture', 'target'),
    });
    const events = requests
      .filter((r) => r.method === 'POST')
      .map((r) => r.body)
      .filter((b): b is OlRunEvent => typeof b === 'object' && b !== null && 'eventType' in b);
    return { ...result, events, requests };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
