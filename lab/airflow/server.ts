// A real Airflow for tests and `npm run lab`: `airflow standalone` (scheduler, DAG processor, API server,
// triggerer) on SQLite, Airflow 3 from .lab/airflow3/venv or Airflow 2 from .lab/airflow2/venv. Install
// them first with `bash lab/airflow/install.sh`. See lab/airflow/README.md for what the APIs answer.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

export const AIRFLOW_INSTALL_HINT = 'bash lab/airflow/install.sh';

export interface AirflowOptions {
  /** AIRFLOW_HOME (config, SQLite database, logs, airflow.log). Default: a fresh temporary directory. */
  dir?: string;
  /** HTTP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Default: lab/airflow/dags (lab_succeeds, lab_fails, lab_slow). */
  dagsFolder?: string;
  /** Base URL of an OpenLineage HTTP receiver (the events go to <url>/api/v1/lineage); off when omitted. */
  openLineageUrl?: string;
  /** Sent as `Authorization: Bearer <key>` with the OpenLineage events. */
  openLineageApiKey?: string;
  /** OpenLineage job namespace; default `airflow`. */
  openLineageNamespace?: string;
  /** More environment for Airflow and its tasks (the lab's DAGs read LAB_SHOP). */
  env?: Record<string, string>;
  /** How many task instances run at once (AIRFLOW__CORE__PARALLELISM; Airflow 3 starts one ~130 MB worker each); default 2. */
  parallelism?: number;
  startTimeoutMs?: number;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface AirflowServer {
  /** http://127.0.0.1:<port> (no trailing slash): Airflow 3's /api/v2 and /auth/token, Airflow 2's /api/v1. */
  url: string;
  port: number;
  major: 2 | 3;
  home: string;
  logFile: string;
  /** The admin user (Airflow 3: `admin` of the simple auth manager; Airflow 2: standalone's FAB admin). */
  admin: Credentials;
  /** Airflow 3 only: a read-only user (`viewer`). */
  viewer?: Credentials;
  /** Starts it again after stop() or kill(), on the same port and AIRFLOW_HOME (the SQLite database is kept). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILLs every process of standalone's session at once, as a crash of the host would. */
  kill(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const host = '127.0.0.1';
const stopGraceMs = 20_000;

export const airflowVenv = (major: 2 | 3): string => labVenv(`airflow${major}`);

/** Throws a message naming the install script when that Airflow's venv is not installed. */
export const assertAirflowInstalled = (major: 2 | 3): string =>
  installedVenv(`Airflow ${major}`, `airflow${major}`, 'airflow', AIRFLOW_INSTALL_HINT);

/** Airflow 3.3 with the simple auth manager: users `admin` (admin) and `viewer` (viewer). */
export function startAirflow(options: AirflowOptions = {}): Promise<AirflowServer> {
  return startStandalone(3, options);
}

/** Airflow 2.11 with FAB: `/api/v1` behind HTTP basic auth as standalone's `admin`. */
export function startAirflow2(options: AirflowOptions = {}): Promise<AirflowServer> {
  return startStandalone(2, options);
}

async function startStandalone(major: 2 | 3, options: AirflowOptions): Promise<AirflowServer> {
  const venv = assertAirflowInstalled(major);
  const home = resolve(options.dir ?? mkdtempSync(join(tmpdir(), `labdeck-airflow${major}-`)));
  mkdirSync(home, { recursive: true });
  const port = options.port ?? (await freePort());
  const url = `http://${host}:${port}`;
  const logFile = join(home, 'airflow.log');
  const env = {
    ...baseEnv(venv, home, options),
    ...(major === 3 ? v3Env(home, port) : v2Env(home, port)),
    // The scheduler's and the triggerer's log servers default to fixed ports (8793, 8794).
    AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT: String(await freePort()),
    AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT: String(await freePort()),
  };
  const health = major === 3 ? `${url}/api/v2/monitor/health` : `${url}/api/v1/health`;
  const { start, stop, kill } = restartable(stopGraceMs, async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start Airflow ${major}: ${host}:${port} is in use`);
    const tail = logTail(logFile);
    const child = spawnLogged(join(venv, 'bin', 'airflow'), ['standalone'], logFile, {
      cwd: home,
      env,
      group: true,
    });
    return {
      child,
      ready: {
        name: `Airflow ${major}`,
        goal: `report every component healthy on ${health}`,
        timeoutMs: options.startTimeoutMs ?? 240_000,
        probe: async () => {
          const componentsHealthy = await healthy(health);
          return componentsHealthy === true ? credentialsReady(major, home) : componentsHealthy;
        },
        tail,
      },
    };
  });
  await start();
  const users = readCredentials(major, home);
  return { url, port, major, home, logFile, ...users, start, stop, kill };
}

/** Settings both majors share; inherited AIRFLOW_*, AIRFLOW__* and OPENLINEAGE* variables are dropped. */
function baseEnv(venv: string, home: string, options: AirflowOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AIRFLOW|OPENLINEAGE)/.test(key) && key !== 'VIRTUAL_ENV' && key !== 'PYTHONPATH')
      env[key] = value;
  }
  return {
    ...env,
    // standalone starts its parts as `airflow <part>`: the venv's bin must come first.
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venv,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__DAGS_FOLDER: resolve(options.dagsFolder ?? join(here, 'dags')),
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    // dags/.airflowignore is glob (Airflow 3's default; Airflow 2 would read it as a regexp).
    AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX: 'glob',
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False',
    AIRFLOW__CORE__PARALLELISM: String(options.parallelism ?? 2),
    AIRFLOW__CORE__UNIT_TEST_MODE: 'False',
    ...openLineageEnv(options),
    ...options.env,
  };
}

function openLineageEnv(options: AirflowOptions): Record<string, string> {
  if (!options.openLineageUrl) return { AIRFLOW__OPENLINEAGE__DISABLED: 'True' };
  const transport = {
    type: 'http',
    url: options.openLineageUrl,
    endpoint: 'api/v1/lineage',
    ...(options.openLineageApiKey ? { auth: { type: 'api_key', apiKey: options.openLineageApiKey } } : {}),
  };
  return {
    AIRFLOW__OPENLINEAGE__TRANSPORT: JSON.stringify(transport),
    AIRFLOW__OPENLINEAGE__NAMESPACE: options.openLineageNamespace ?? 'airflow',
  };
}

function v3Env(home: string, port: number): Record<string, string> {
  return {
    AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
    // Tasks report to the Execution API here; its default (localhost:8080) fails every task on another port.
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://${host}:${port}/execution/`,
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: 'admin:admin,viewer:viewer',
    AIRFLOW__API__HOST: host,
    AIRFLOW__API__PORT: String(port),
    AIRFLOW__API__BASE_URL: `http://${host}:${port}`,
    AIRFLOW__API__WORKERS: '1',
    // One secret for the API server and the scheduler (which signs the tasks' Execution API tokens).
    AIRFLOW__API_AUTH__JWT_SECRET: keptSecret(home, 'jwt-secret'),
    AIRFLOW__API__SECRET_KEY: keptSecret(home, 'secret-key'),
    AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES: '1',
    AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: '30',
  };
}

function v2Env(home: string, port: number): Record<string, string> {
  return {
    // standalone picks the SequentialExecutor on SQLite (Airflow 2 refuses the LocalExecutor there).
    AIRFLOW__WEBSERVER__WEB_SERVER_HOST: host,
    AIRFLOW__WEBSERVER__WEB_SERVER_PORT: String(port),
    AIRFLOW__WEBSERVER__BASE_URL: `http://${host}:${port}`,
    AIRFLOW__WEBSERVER__WORKERS: '1',
    AIRFLOW__WEBSERVER__SECRET_KEY: keptSecret(home, 'secret-key'),
    AIRFLOW__API__AUTH_BACKENDS:
      'airflow.providers.fab.auth_manager.api.auth.backend.basic_auth,airflow.api.auth.backend.session',
    AIRFLOW__SCHEDULER__PARSING_PROCESSES: '1',
    AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL: '30',
  };
}

/** A random secret stored in AIRFLOW_HOME, so that a restart keeps sessions and tokens valid. */
function keptSecret(home: string, name: string): string {
  const file = join(home, `.labdeck-${name}`);
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8');
}

/** Ready: the health endpoint reports every component it lists healthy (null: a part this setup does not run). */
async function healthy(health: string): Promise<true | string> {
  try {
    const res = await fetch(health, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return `HTTP ${res.status}`;
    const parts = (await res.json()) as Record<string, { status?: string | null }>;
    const unhealthy = Object.entries(parts).filter(
      ([, part]) => part.status != null && part.status !== 'healthy',
    );
    return unhealthy.length === 0 ? true : `not healthy yet: ${unhealthy.map(([name]) => name).join(', ')}`;
  } catch (error) {
    return (error as Error).message;
  }
}

function passwordsFile(major: 2 | 3, home: string): string {
  return join(
    home,
    major === 3 ? 'simple_auth_manager_passwords.json.generated' : 'standalone_admin_password.txt',
  );
}

async function credentialsReady(major: 2 | 3, home: string): Promise<true | string> {
  try {
    readCredentials(major, home);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

function readCredentials(major: 2 | 3, home: string): Pick<AirflowServer, 'admin' | 'viewer'> {
  const file = passwordsFile(major, home);
  if (!existsSync(file)) throw new Error(`no ${file} yet`);
  const text = readFileSync(file, 'utf8');
  if (major === 2) return { admin: { username: 'admin', password: text.trim() } };
  const passwords = JSON.parse(text) as Record<string, string>;
  if (!passwords.admin || !passwords.viewer) throw new Error(`${file} lacks admin or viewer`);
  return {
    admin: { username: 'admin', password: passwords.admin },
    viewer: { username: 'viewer', password: passwords.viewer },
  };
}

/** A JWT from Airflow 3's `POST /auth/token` for `user`. */
export async function airflowToken(url: string, user: Credentials): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  if (res.status !== 201) throw new Error(`Airflow POST /auth/token: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Airflow 3's REST API (`/api/v2<path>`) with `token`: a JSON body in, JSON out; a failure names the call. */
export async function airflowApi<T>(
  url: string,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const res = await fetch(`${url}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Airflow ${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
