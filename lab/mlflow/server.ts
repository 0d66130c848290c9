// A real MLflow tracking server for tests and `npm run lab`: `mlflow server` (mlflow-skinny, no web UI) with a
// SQLite backend store and a local artifact folder in one data directory. Install it first with
// `bash lab/mlflow/install.sh`. See lab/mlflow/README.md.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  answersHttp,
  freePort,
  installedVenv,
  labVenv,
  logTail,
  restartable,
  spawnLogged,
} from '../process.ts';

export const MLFLOW_INSTALL_HINT = 'bash lab/mlflow/install.sh';

export interface MlflowOptions {
  /** Holds mlflow.db and artifacts/. Default: a fresh temporary directory. */
  dir?: string;
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  startTimeoutMs?: number;
}

export interface MlflowServer {
  /** http://127.0.0.1:<port> (no trailing slash); REST API under /api/2.0/mlflow. */
  url: string;
  port: number;
  dir: string;
  logFile: string;
  /** Starts it again after stop(), on the same port and store (experiments are kept). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const host = '127.0.0.1';

export const mlflowVenv = (): string => labVenv('mlflow');

/** Throws a message naming the install script when MLflow's venv is not installed. */
export const assertMlflowInstalled = (): string =>
  installedVenv('MLflow', 'mlflow', 'mlflow', MLFLOW_INSTALL_HINT);

export async function startMlflow(options: MlflowOptions = {}): Promise<MlflowServer> {
  const venv = assertMlflowInstalled();
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-mlflow-')));
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const port = options.port ?? (await freePort());
  const url = `http://${host}:${port}`;
  const logFile = join(dir, 'mlflow.log');
  const args = [
    'server',
    '--backend-store-uri',
    `sqlite:///${join(dir, 'mlflow.db')}`,
    '--default-artifact-root',
    join(dir, 'artifacts'),
    '--host',
    host,
    '--port',
    String(port),
    // One uvicorn worker: the default four take ~0.5 GB and a minute to start on two shared cores.
    '--workers',
    '1',
  ];
  const { start, stop } = restartable(10_000, async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start MLflow: ${host}:${port} is in use`);
    const tail = logTail(logFile);
    // `mlflow server` runs uvicorn as a child: signal the whole group.
    const child = spawnLogged(join(venv, 'bin', 'mlflow'), args, logFile, {
      cwd: dir,
      env: mlflowEnv(venv),
      group: true,
    });
    return {
      child,
      ready: {
        name: 'MLflow',
        goal: `answer OK at ${url}/health`,
        timeoutMs: options.startTimeoutMs ?? 120_000,
        probe: () => healthy(url),
        tail,
      },
    };
  });
  await start();
  return { url, port, dir, logFile, start, stop };
}

/** Inherited MLFLOW_* variables are dropped; no job runner (GenAI jobs need pandas, which is not installed). */
function mlflowEnv(venv: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MLFLOW') && key !== 'VIRTUAL_ENV' && key !== 'PYTHONPATH') env[key] = value;
  }
  return {
    ...env,
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venv,
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
  };
}

async function healthy(url: string): Promise<true | string> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    return res.ok && body.trim() === 'OK' ? true : `/health: HTTP ${res.status} ${body.slice(0, 100)}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Creates an experiment through the REST API; returns its id. */
export async function createExperiment(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { experiment_id?: string };
  if (!res.ok || !body.experiment_id)
    throw new Error(`MLflow experiments/create: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.experiment_id;
}
