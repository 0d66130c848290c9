// A real Dagster for tests and `npm run lab`: `dagster dev` (webserver, daemon and a code server for
// lab/dagster/project) on SQLite in DAGSTER_HOME. Install it first with `bash lab/dagster/install.sh`.
// See lab/dagster/README.md for what its GraphQL API answers.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answersHttp,
  freePort,
  installedVenv,
  labVenv,
  logTail,
  restartable,
  spawnLogged,
} from '../process.ts';

export const DAGSTER_INSTALL_HINT = 'bash lab/dagster/install.sh';

export interface DagsterOptions {
  /** DAGSTER_HOME (SQLite storage, dagster.log). Default: a fresh temporary directory. */
  dir?: string;
  /** Webserver port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** More environment for Dagster and its runs (LAB_SCHEDULES=all turns the lab's failing schedule on). */
  env?: Record<string, string>;
  /** The code location's Python file; default lab/dagster/project/definitions.py. */
  definitions?: string;
  startTimeoutMs?: number;
}

export interface DagsterServer {
  /** http://127.0.0.1:<port> (no trailing slash); GraphQL at /graphql. */
  url: string;
  port: number;
  home: string;
  logFile: string;
  /** The code location and repository names a GraphQL job selector needs. */
  location: string;
  repository: string;
  /** Starts it again after stop(), on the same port and DAGSTER_HOME (runs are kept). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const host = '127.0.0.1';
const stopGraceMs = 20_000;

export const dagsterVenv = (): string => labVenv('dagster');

/** Throws a message naming the install script when Dagster's venv is not installed. */
export const assertDagsterInstalled = (): string =>
  installedVenv('Dagster', 'dagster', 'dagster', DAGSTER_INSTALL_HINT);

export async function startDagster(options: DagsterOptions = {}): Promise<DagsterServer> {
  const venv = assertDagsterInstalled();
  const home = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-dagster-')));
  mkdirSync(home, { recursive: true });
  if (!existsSync(join(home, 'dagster.yaml')))
    copyFileSync(join(here, 'dagster.yaml'), join(home, 'dagster.yaml'));
  const definitions = resolve(options.definitions ?? join(here, 'project', 'definitions.py'));
  const port = options.port ?? (await freePort());
  const url = `http://${host}:${port}`;
  const logFile = join(home, 'dagster.log');
  const args = ['dev', '-f', definitions, '-h', host, '-p', String(port), '--log-format', 'rich'];
  let names: { location: string; repository: string } | undefined;
  const { start, stop } = restartable(stopGraceMs, async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start Dagster: ${host}:${port} is in use`);
    const tail = logTail(logFile);
    const child = spawnLogged(join(venv, 'bin', 'dagster'), args, logFile, {
      cwd: home,
      env: { ...dagsterEnv(venv, home), ...options.env },
      group: true,
    });
    return {
      child,
      ready: {
        name: 'Dagster',
        goal: `serve ${url}/server_info and load the code location`,
        timeoutMs: options.startTimeoutMs ?? 180_000,
        probe: async () => {
          const loaded = await codeLocation(url);
          if (typeof loaded === 'string') return loaded;
          names = loaded;
          return true;
        },
        tail,
      },
    };
  });
  await start();
  if (!names) throw new Error('Dagster started without a code location');
  return { url, port, home, logFile, ...names, start, stop };
}

/** Inherited DAGSTER_* variables are dropped; the venv's bin comes first (dagster dev starts its parts by name). */
function dagsterEnv(venv: string, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DAGSTER') && key !== 'VIRTUAL_ENV' && key !== 'PYTHONPATH') env[key] = value;
  }
  return {
    ...env,
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venv,
    DAGSTER_HOME: home,
  };
}

const repositoriesQuery = `{ repositoriesOrError {
  __typename
  ... on RepositoryConnection { nodes { name location { name } } }
  ... on PythonError { message }
} }`;

/** Ready: /server_info answers and GraphQL lists the code location's repository. */
async function codeLocation(url: string): Promise<{ location: string; repository: string } | string> {
  try {
    const info = await fetch(`${url}/server_info`, { signal: AbortSignal.timeout(2_000) });
    if (!info.ok) return `/server_info: HTTP ${info.status}`;
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: repositoriesQuery }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as {
      data?: {
        repositoriesOrError: { nodes?: { name: string; location: { name: string } }[]; message?: string };
      };
    };
    const repos = body.data?.repositoriesOrError;
    const first = repos?.nodes?.[0];
    if (first) return { location: first.location.name, repository: first.name };
    return `no code location loaded yet${repos?.message ? `: ${repos.message}` : ''}`;
  } catch (error) {
    return (error as Error).message;
  }
}
