// A real single-node Trino (coordinator that also schedules work on itself) for
// tests and `npm run lab`. Install it first with `bash lab/trino/install.sh`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  logTail,
  notInstalled,
  restartable,
  serversOutliveThisProcess,
  spawnLogged,
} from '../process.ts';

export type TrinoServer = {
  url: string;
  port: number;
  /** The JVM's output. */
  logFile: string;
  stop(): Promise<void>;
  /** Starts it again after kill() or stop(), on the same port and instance dir. */
  start(): Promise<void>;
  /** SIGKILLs the JVM, as a crash would. */
  kill(): Promise<void>;
  /** Resolves when the current JVM exits (after stop(), kill() or a crash). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export type StartTrinoOptions = {
  /** Instance dir for etc/ and data/ (recreated on start). Default: .lab/trino/run/<port>. */
  dir?: string;
  /** HTTP port; a free one is picked when omitted. */
  port?: number;
  /** Where install.sh put server/ and jdk/. Default: $TRINO_LAB_DIR or <repo>/.lab/trino. */
  installDir?: string;
  /** Readiness timeout in ms (default 180 000). */
  timeoutMs?: number;
  /**
   * Enable the spooling client protocol (Trino 466+). Trino 476's spooling
   * manager needs S3/GCS/Azure (no local filesystem); any S3-compatible server
   * works, e.g. `pip install 'moto[server]'; moto_server -p 19000` plus
   * `curl -X PUT http://127.0.0.1:19000/spool`. Off by default.
   */
  spooling?: { s3Endpoint: string; bucket: string; region?: string; accessKey?: string; secretKey?: string };
};

export const TRINO_INSTALL_HINT = 'bash lab/trino/install.sh';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const HEAP = '2G';

export function trinoInstallDir(): string {
  return process.env.TRINO_LAB_DIR ?? path.join(repoRoot, '.lab', 'trino');
}

/** Throws a message naming the install script when the server is not installed. */
export function assertTrinoInstalled(installDir = trinoInstallDir()): void {
  const stamp = path.join(installDir, '.installed');
  const java = path.join(installDir, 'jdk', 'bin', 'java');
  const lib = path.join(installDir, 'server', 'lib');
  if (!existsSync(stamp) || !existsSync(java) || !existsSync(lib)) {
    throw notInstalled('Trino', installDir, TRINO_INSTALL_HINT);
  }
}

export function installedTrinoVersion(installDir = trinoInstallDir()): string | undefined {
  try {
    return /trino=(\S+)/.exec(readFileSync(path.join(installDir, '.installed'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Trino cannot use port ${port} on 127.0.0.1: ${err.code}; is another server running there?`,
        ),
      ),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

function props(entries: Record<string, string | number | boolean>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

async function writeConfig(
  dir: string,
  port: number,
  spooling?: StartTrinoOptions['spooling'],
): Promise<{ etc: string; data: string }> {
  const etc = path.join(dir, 'etc');
  const data = path.join(dir, 'data');
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(etc, 'catalog'), { recursive: true });
  await mkdir(path.join(data, 'var', 'log'), { recursive: true });
  await writeFile(
    path.join(etc, 'node.properties'),
    props({
      'node.environment': 'lab',
      'node.id': `lab-trino-${port}`,
      'node.data-dir': data,
      'node.bind-ip': '127.0.0.1',
      'node.internal-address': '127.0.0.1',
    }),
  );
  // 2 GiB heap: 1 GiB for queries on this (only) node + 512 MiB headroom for
  // untracked allocations; the rest is for the engine itself.
  await writeFile(
    path.join(etc, 'jvm.config'),
    `${[
      '-server',
      `-Xmx${HEAP}`,
      '-XX:+UseG1GC',
      '-XX:G1HeapRegionSize=32M',
      '-XX:+ExplicitGCInvokesConcurrent',
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:-OmitStackTraceInFastThrow',
      '-XX:ReservedCodeCacheSize=256M',
      '-XX:PerMethodRecompilationCutoff=10000',
      '-XX:PerBytecodeRecompilationCutoff=10000',
      '-XX:+EnableDynamicAgentLoading',
      '-Djdk.attach.allowAttachSelf=true',
      '-Djdk.nio.maxCachedBufferSize=2000000',
      '-Djol.skipHotspotSAAttach=true',
      '-Dfile.encoding=UTF-8',
      '--sun-misc-unsafe-memory-access=allow',
      '--enable-native-access=ALL-UNNAMED',
    ].join('\n')}\n`,
  );
  await writeFile(
    path.join(etc, 'config.properties'),
    props({
      coordinator: true,
      'node-scheduler.include-coordinator': true,
      'http-server.http.port': port,
      'discovery.uri': `http://127.0.0.1:${port}`,
      'http-server.log.enabled': false,
      'query.max-memory': '1GB',
      'query.max-memory-per-node': '1GB',
      'memory.heap-headroom-per-node': '512MB',
      // Keep finished queries visible in system.runtime.queries for a while.
      'query.min-expire-age': '15m',
      'catalog.management': 'static',
      // The web UI opens without Trino's own login (behind the lab's gate, Labdeck signs people in) and
      // takes requests through a proxy: without this Trino refuses any request carrying X-Forwarded-For.
      'web-ui.authentication.type': 'fixed',
      'web-ui.user': 'lab',
      'http-server.process-forwarded': true,
      ...(spooling
        ? {
            'protocol.spooling.enabled': true,
            'protocol.spooling.shared-secret-key': randomBytes(32).toString('base64'),
          }
        : {}),
    }),
  );
  if (spooling) {
    await writeFile(
      path.join(etc, 'spooling-manager.properties'),
      props({
        'spooling-manager.name': 'filesystem',
        'fs.s3.enabled': true,
        'fs.location': `s3://${spooling.bucket}/`,
        's3.endpoint': spooling.s3Endpoint,
        's3.region': spooling.region ?? 'us-east-1',
        's3.path-style-access': true,
        's3.aws-access-key': spooling.accessKey ?? 'test',
        's3.aws-secret-key': spooling.secretKey ?? 'test',
      }),
    );
  }
  await writeFile(path.join(etc, 'catalog', 'tpch.properties'), props({ 'connector.name': 'tpch' }));
  await writeFile(
    path.join(etc, 'catalog', 'memory.properties'),
    props({ 'connector.name': 'memory', 'memory.max-data-per-node': '256MB' }),
  );
  await writeFile(
    path.join(etc, 'log.properties'),
    props({
      io: 'WARN',
      'io.trino': 'WARN',
      'io.trino.server.Server': 'INFO',
      'io.trino.server.PluginManager': 'WARN',
      'org.eclipse.jetty': 'WARN',
      'com.google.inject': 'WARN',
      Bootstrap: 'WARN',
      'org.hibernate': 'WARN',
    }),
  );
  return { etc, data };
}

function jvmArgs(etc: string): string[] {
  return readFileSync(path.join(etc, 'jvm.config'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/**
 * A tiny watchdog tied to this process by a pipe: when this process dies in
 * any way (even SIGKILL) the pipe closes and the watchdog kills the JVM.
 */
function spawnWatchdog(pid: number): ChildProcess {
  const dog = spawn('sh', ['-c', 'while read -r _; do :; done; kill -KILL "$0" 2>/dev/null', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void }).unref?.();
  return dog;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type StatementResponse = {
  id: string;
  infoUri?: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  stats?: { state: string };
  error?: { message: string; errorCode: number; errorName: string; errorType: string };
};

/** Minimal client: POST /v1/statement and follow nextUri to the end. */
export async function queryTrino(
  url: string,
  sql: string,
  opts: { user?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ columns: { name: string; type: string }[]; rows: unknown[][]; id: string }> {
  const headers = { 'X-Trino-User': opts.user ?? 'lab', ...opts.headers };
  let res = await fetch(`${url}/v1/statement`, { method: 'POST', body: sql, headers, signal: opts.signal });
  if (!res.ok) throw new Error(`Trino POST /v1/statement: HTTP ${res.status} ${await res.text()}`);
  let body = (await res.json()) as StatementResponse;
  let columns = body.columns ?? [];
  const rows: unknown[][] = [...(body.data ?? [])];
  while (body.nextUri) {
    res = await fetch(body.nextUri, { headers, signal: opts.signal });
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      await sleep(50);
      continue;
    }
    if (!res.ok) throw new Error(`Trino GET nextUri: HTTP ${res.status} ${await res.text()}`);
    body = (await res.json()) as StatementResponse;
    if (body.columns) columns = body.columns;
    if (body.data) rows.push(...body.data);
  }
  if (body.error) {
    const e = new Error(`Trino query failed: ${body.error.errorName}: ${body.error.message}`) as Error & {
      trino?: unknown;
    };
    e.trino = body.error;
    throw e;
  }
  return { columns, rows, id: body.id };
}

export async function startTrino(options: StartTrinoOptions = {}): Promise<TrinoServer> {
  const installDir = options.installDir ?? trinoInstallDir();
  assertTrinoInstalled(installDir);
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? path.join(installDir, 'run', String(port));
  const timeoutMs = options.timeoutMs ?? 180_000;
  const etc = path.join(dir, 'etc');
  const logFile = path.join(dir, 'data', 'var', 'log', 'server.log');
  const url = `http://127.0.0.1:${port}`;
  let exited: Promise<ExitInfo> | undefined;
  let written = false;

  const server = restartable(20_000, async () => {
    // Otherwise another server on that port could answer our readiness checks.
    await assertPortFree(port);
    // Written afresh by the first start (and after a stop() removed a throwaway dir); a restart keeps it.
    if (!written || !existsSync(path.join(etc, 'config.properties'))) {
      await writeConfig(dir, port, options.spooling);
      written = true;
    }
    mkdirSync(path.dirname(logFile), { recursive: true });
    const tail = logTail(logFile, 60);
    const child = spawnLogged(java(installDir), trinoArgs(installDir, etc), logFile, {
      cwd: dir,
      env: trinoEnv(installDir),
    });
    exited = watchExit(child);
    let passed = 0;
    const steps = readinessSteps(url);
    return {
      child,
      ready: {
        name: `Trino on port ${port}`,
        goal: 'start',
        timeoutMs,
        // Each step once, in order; a failed one is tried again at the next poll.
        probe: async () => {
          for (const check of steps.slice(passed)) {
            const result = await check();
            if (result !== true) return result;
            passed++;
          }
          return true;
        },
        tail: () => `--- server log tail (${logFile}) ---\n${tail()}`,
      },
    };
  });
  // A failed start keeps the dir (and its log) for a look.
  await server.start();
  return {
    url,
    port,
    logFile,
    start: server.start,
    kill: server.kill,
    async stop() {
      await server.stop();
      // An instance dir we made ourselves is throwaway after a clean stop.
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
    get exited() {
      return exited!;
    },
  };
}

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

const java = (installDir: string) => path.join(installDir, 'jdk', 'bin', 'java');

function trinoArgs(installDir: string, etc: string): string[] {
  const server = path.join(installDir, 'server');
  return [
    '-cp',
    `${path.join(server, 'lib')}/*`,
    ...jvmArgs(etc),
    ...readFileSync(path.join(etc, 'node.properties'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => `-D${l}`),
    `-Dconfig=${path.join(etc, 'config.properties')}`,
    `-Dlog.levels-file=${path.join(etc, 'log.properties')}`,
    `-Dplugin.dir=${path.join(server, 'plugin')}`,
    `-Dcatalog.config-dir=${path.join(etc, 'catalog')}`,
    'io.trino.server.TrinoServer',
  ];
}

function trinoEnv(installDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JAVA_HOME: path.join(installDir, 'jdk') };
  delete env.JAVA_TOOL_OPTIONS;
  delete env._JAVA_OPTIONS;
  return env;
}

/** Resolves when the JVM exits; a watchdog kills it if this process dies first, even by SIGKILL. */
function watchExit(child: ChildProcess): Promise<ExitInfo> {
  // killOnExit does not see a SIGKILL of this process; the watchdog does (unless the JVM is to outlive it).
  const dog = child.pid && !serversOutliveThisProcess() ? spawnWatchdog(child.pid) : undefined;
  return new Promise<ExitInfo>((resolve) => {
    child.on('exit', (code, signal) => {
      if (dog?.pid) {
        try {
          process.kill(dog.pid, 'SIGKILL');
        } catch {}
      }
      resolve({ code, signal });
    });
  });
}

/**
 * Ready after three steps, in order: /v1/info says the server has finished starting; SELECT 1 answers
 * (coordinator only); a query that needs the node registered as a worker (NO_NODES_AVAILABLE until then).
 */
function readinessSteps(url: string): Array<() => Promise<true | string>> {
  return [
    async () => {
      try {
        const res = await fetch(`${url}/v1/info`, { signal: AbortSignal.timeout(2000) });
        const info = (await res.json()) as { starting?: boolean };
        return res.ok && info.starting === false ? true : `/v1/info: ${JSON.stringify(info)}`;
      } catch (err) {
        return `/v1/info: ${(err as Error).message}`;
      }
    },
    ...(
      [
        ['SELECT 1', 1],
        ['SELECT count(*) FROM tpch.tiny.region', 5],
      ] as const
    ).map(([sql, want]) => async (): Promise<true | string> => {
      try {
        const { rows } = await queryTrino(url, sql, { signal: AbortSignal.timeout(30_000) });
        return rows[0]?.[0] === want ? true : `${sql} returned ${JSON.stringify(rows)}`;
      } catch (err) {
        return `${sql}: ${(err as Error).message}`;
      }
    }),
  ];
}
