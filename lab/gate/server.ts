// The lab's gate for tests and `npm run lab`: Debian's nginx (it has auth_request) run by this user with
// everything in its instance directory, in front of the lab's web UIs, asking Labdeck before each request.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { answersHttp, freePort, logTail, restartable, spawnLogged } from '../process.ts';
import { type GatedSite, gateNginxConfig } from './nginx.ts';

export const NGINX_INSTALL_HINT = "apt-get install nginx to put the lab's UIs behind Labdeck";

export interface GateOptions {
  /** Instance directory (nginx.conf, pid, temp files, logs). Default: a fresh temporary directory. */
  dir?: string;
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Labdeck's own address, e.g. 127.0.0.1:8080. */
  labdeck: string;
  sites: GatedSite[];
  startTimeoutMs?: number;
}

export interface Gate {
  port: number;
  /** nginx's output (errors). */
  logFile: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Where nginx is: on PATH, or in /usr/sbin (Debian's place, not on an unprivileged user's PATH). */
export function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => join(dir, 'nginx')).find((file) => existsSync(file));
}

export async function startGate(options: GateOptions): Promise<Gate> {
  const nginx = findNginx();
  if (!nginx) throw new Error(`nginx is not installed: ${NGINX_INSTALL_HINT}`);
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-gate-')));
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const port = options.port ?? (await freePort());
  const configFile = join(dir, 'nginx.conf');
  // nginx run by root hands requests to workers of another user; run by anyone else it stays that user.
  const workerUser = process.getuid?.() === 0 ? 'nobody nogroup' : undefined;
  writeFileSync(
    configFile,
    gateNginxConfig({ dir, port, labdeck: options.labdeck, sites: options.sites, workerUser }),
  );
  const logFile = join(dir, 'nginx.log');
  const url = `http://127.0.0.1:${port}/`;
  const { start, stop } = restartable(5_000, async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start the gate: 127.0.0.1:${port} is in use`);
    const child = spawnLogged(
      nginx,
      ['-p', dir, '-c', configFile, '-e', 'stderr', '-g', 'daemon off;'],
      logFile,
      {
        cwd: dir,
      },
    );
    return {
      child,
      ready: {
        name: 'The gate (nginx)',
        goal: `answer on 127.0.0.1:${port}`,
        timeoutMs: options.startTimeoutMs ?? 20_000,
        probe: async () => ((await answersHttp(url)) ? true : ''),
        tail: logTail(logFile),
      },
    };
  });
  await start();
  return { port, logFile, start, stop };
}
