import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../server/platform/net.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Folders of processes started here (config and embedded database); removed when this process exits. */
const folders = new Set<string>();
process.once('exit', () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

export interface LabdeckProcess {
  url: string;
  /** The folder it runs in (its labdeck.yaml and .labdeck/ data). */
  cwd: string;
  stop(): Promise<void>;
  /** Stops and starts again on the same port and data, like an operator's restart. */
  restart(): Promise<void>;
  output(): string;
}

export interface LabdeckProcessOptions {
  /** labdeck.yaml text; omitted means built-in defaults. */
  config?: string;
  env?: NodeJS.ProcessEnv;
  port?: number;
  /** A built SPA other than dist/ (e2e/support/serve-build.ts serves it). */
  staticDir?: string;
}

/** Runs the production BFF (`node server/main.ts`, serving the built SPA) with its own embedded database. */
export async function startLabdeckProcess(options: LabdeckProcessOptions = {}): Promise<LabdeckProcess> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-e2e-'));
  folders.add(cwd);
  if (options.config !== undefined) writeFileSync(path.join(cwd, 'labdeck.yaml'), options.config);
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';

  async function start() {
    const entry = options.staticDir ? 'e2e/support/serve-build.ts' : 'server/main.ts';
    child = spawn(process.execPath, [path.join(root, entry)], {
      cwd,
      env: {
        ...process.env,
        ...(options.staticDir ? { LABDECK_E2E_STATIC_DIR: options.staticDir } : {}),
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk) => (log += chunk));
    child.stderr?.on('data', (chunk) => (log += chunk));
    await waitForReady(url, child, () => log);
  }

  async function stop() {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    url,
    cwd,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    output: () => log,
  };
}

async function waitForReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Labdeck exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Labdeck did not become ready at ${url}:\n${log()}`);
}
