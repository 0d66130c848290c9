// A real Jupyter Server with the JupyterLab UI for tests and `npm run lab`: `jupyter lab` on 127.0.0.1 with a
// token, no browser, its config, data and runtime folders in one directory (nothing read from ~/.jupyter).
// Install it first with `bash lab/jupyter/install.sh`. See lab/jupyter/README.md.
import { randomBytes } from 'node:crypto';
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

export const JUPYTER_INSTALL_HINT = 'bash lab/jupyter/install.sh';

export interface JupyterOptions {
  /** Notebooks root and the server's own folders. Default: a fresh temporary directory. */
  dir?: string;
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** The API and login token; default a random one. */
  token?: string;
  startTimeoutMs?: number;
}

export interface JupyterServer {
  /** http://127.0.0.1:<port> (no trailing slash); REST API under /api, the UI at /lab. */
  url: string;
  port: number;
  /** Sent as `Authorization: token <token>`, or typed into the login form. */
  token: string;
  dir: string;
  logFile: string;
  /** Starts it again after stop(), on the same port, token and folder. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const host = '127.0.0.1';

export const jupyterVenv = (): string => labVenv('jupyter');

/** Throws a message naming the install script when Jupyter's venv is not installed. */
export const assertJupyterInstalled = (): string =>
  installedVenv('JupyterLab', 'jupyter', 'jupyter-lab', JUPYTER_INSTALL_HINT);

export async function startJupyter(options: JupyterOptions = {}): Promise<JupyterServer> {
  const venv = assertJupyterInstalled();
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-jupyter-')));
  const notebooks = join(dir, 'notebooks');
  mkdirSync(notebooks, { recursive: true });
  const port = options.port ?? (await freePort());
  const token = options.token ?? randomBytes(24).toString('hex');
  const url = `http://${host}:${port}`;
  const logFile = join(dir, 'jupyter.log');
  const args = [
    '--no-browser',
    // CI and these machines run as root; Jupyter refuses to without it.
    '--allow-root',
    `--ServerApp.ip=${host}`,
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${notebooks}`,
    `--IdentityProvider.token=${token}`,
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
  ];
  const { start, stop } = restartable(10_000, async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start Jupyter: ${host}:${port} is in use`);
    const tail = logTail(logFile);
    // Kernels are children of the server: signal the whole group.
    const child = spawnLogged(join(venv, 'bin', 'jupyter-lab'), args, logFile, {
      cwd: notebooks,
      env: jupyterEnv(venv, dir),
      group: true,
    });
    return {
      child,
      ready: {
        name: 'Jupyter',
        goal: `answer ${url}/api/status`,
        timeoutMs: options.startTimeoutMs ?? 90_000,
        probe: () => statusAnswers(url, token),
        tail,
      },
    };
  });
  await start();
  return { url, port, token, dir, logFile, start, stop };
}

/** Inherited JUPYTER* variables are dropped; its config, data and runtime folders live in `dir`. */
function jupyterEnv(venv: string, dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('JUPYTER') && key !== 'VIRTUAL_ENV' && key !== 'PYTHONPATH') env[key] = value;
  }
  return {
    ...env,
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`,
    VIRTUAL_ENV: venv,
    JUPYTER_CONFIG_DIR: join(dir, 'config'),
    JUPYTER_DATA_DIR: join(dir, 'data'),
    JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
    IPYTHONDIR: join(dir, 'ipython'),
  };
}

async function statusAnswers(url: string, token: string): Promise<true | string> {
  try {
    const res = await fetch(`${url}/api/status`, {
      headers: { authorization: `token ${token}` },
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok ? true : `/api/status: HTTP ${res.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Starts a kernel (the venv's python3) through the REST API; returns its id. */
export async function startKernel(jupyter: Pick<JupyterServer, 'url' | 'token'>): Promise<string> {
  const res = await fetch(`${jupyter.url}/api/kernels`, {
    method: 'POST',
    headers: { authorization: `token ${jupyter.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'python3' }),
  });
  const body = (await res.json()) as { id?: string };
  if (!res.ok || !body.id)
    throw new Error(`Jupyter POST /api/kernels: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}
