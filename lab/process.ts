// The process plumbing the lab servers (lab/kafka, lab/schema-registry, lab/trino, lab/airflow, lab/dagster)
// share: the "not installed" error, a child killed when this process exits, output appended to a log file, a
// readiness poll that notices a crash, a stop with a grace period before SIGKILL, and start()/stop() around
// them. A child spawned with `group: true` leads its own session and is signalled with everything in it:
// Airflow standalone and `dagster dev` start their parts as children that a signal to the parent alone
// would orphan.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export { freePort } from '../server/platform/net.ts';

/** The error for a lab server that is not installed, naming the command that installs it. */
export function notInstalled(what: string, where: string, installHint: string): Error {
  return new Error(`${what} is not installed in ${where}: run \`${installHint}\` first`);
}

/** Where lab/<part>/install.sh puts the virtualenv it installs from the part's lock. */
export const labVenv = (part: string): string =>
  fileURLToPath(new URL(`../.lab/${part}/venv`, import.meta.url));

/**
 * The part's virtualenv, once its lock was installed completely (the marker is written last) and it holds
 * `bin/<command>`; otherwise throws `notInstalled` naming the install command.
 */
export function installedVenv(what: string, part: string, command: string, installHint: string): string {
  const venv = labVenv(part);
  if (!existsSync(join(venv, '.labdeck-lock.sha256')) || !existsSync(join(venv, 'bin', command)))
    throw notInstalled(what, venv, installHint);
  return venv;
}

const live = new Set<ChildProcess>();
const groupLeaders = new WeakSet<ChildProcess>();
let exitHookInstalled = false;
let outlive = false;
const kept: KeptProcess[] = [];

/** A server started to outlive this process: the leader of its own session, and where it logs. */
export interface KeptProcess {
  pid: number;
  logFile: string;
  /** The `keptFor` label it was started under. */
  owner: string | undefined;
}

const owners = new AsyncLocalStorage<string>();

/** Runs `start`, labelling every server it spawns with `owner` (servers started in parallel stay apart). */
export const keptFor = <T>(owner: string, start: () => Promise<T>): Promise<T> => owners.run(owner, start);

/**
 * From now on, servers outlive this process (`npm run lab`): each leads a session of its own, is not killed
 * on exit and is recorded for `takeKeptProcesses`, so that `lab:down` can stop it later by PID.
 */
export function outliveThisProcess(): void {
  outlive = true;
}

export const serversOutliveThisProcess = (): boolean => outlive;

/** The servers spawned under `owner` to outlive this process since the previous call. */
export function takeKeptProcesses(owner: string): KeptProcess[] {
  const mine = kept.filter((process) => process.owner === owner);
  kept.splice(0, kept.length, ...kept.filter((process) => process.owner !== owner));
  return mine;
}

/** SIGKILLs `child` (its whole group if it leads one) if this process exits while the child still runs. */
export function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const running of live) signal(running, 'SIGKILL');
    });
  }
  live.add(child);
  // A group outlives its leader: forget it only once the whole group is gone.
  if (!groupLeaders.has(child)) child.once('exit', () => live.delete(child));
}

/**
 * Sends `sig` to the child, or, when it was spawned with `group: true`, to every process of its session:
 * the child's group and the groups its descendants made for themselves (Airflow runs each task in a
 * process group of its own, which a signal to the child's group alone would leave running).
 */
function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (!groupLeaders.has(child) || child.pid === undefined) {
    child.kill(sig);
    return;
  }
  for (const pid of [-child.pid, ...(sessionMembers(child.pid) ?? [])]) {
    try {
      process.kill(pid, sig);
    } catch {
      // ESRCH: gone already.
    }
  }
}

/** The live (not zombie) processes of session `sid`; undefined without Linux's /proc. */
export function sessionMembers(sid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const pid of entries) {
    try {
      // Fields after "(comm)": state ppid pgrp session ...
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid && fields[0] !== 'Z') members.push(Number(pid));
    } catch {
      // Exited meanwhile.
    }
  }
  return members;
}

/** Whether any process of the session that `child` leads (of its group, without /proc) is still there. */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  const members = sessionMembers(child.pid);
  if (members) return members.length > 0;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Spawns `command` with stdout, stderr (and a spawn error) appended to `logFile`; killed when this process
 * exits, unless servers outlive it (see outliveThisProcess).
 */
export function spawnLogged(
  command: string,
  args: string[],
  logFile: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; group?: boolean } = {},
): ChildProcess {
  const group = options.group || outlive;
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: group,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  if (group) groupLeaders.add(child);
  child.once('error', (error) => appendFileSync(logFile, `${error.message}\n`));
  if (outlive && child.pid !== undefined) {
    child.unref();
    kept.push({ pid: child.pid, logFile, owner: owners.getStore() });
  } else {
    killOnExit(child);
  }
  return child;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * SIGTERM, then SIGKILL when the child is still there after `graceMs`; resolves once it has exited (with a
 * process group: once every process of the group has).
 */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (groupLeaders.has(child)) return stopGroup(child, graceMs);
  if (!isRunning(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * SIGKILL at once, as a crash or the OOM killer would (its whole group when it leads one); resolves once it
 * has exited (with a group: once every process of the group has, or zombies alone are left).
 */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (groupLeaders.has(child)) return stopGroup(child, 0, 'SIGKILL');
  if (!isRunning(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function stopGroup(
  child: ChildProcess,
  graceMs: number,
  first: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  const killAt = Date.now() + graceMs;
  // Zombies (orphans a PID 1 that does not reap leaves behind) stay in the group after SIGKILL: stop waiting.
  const giveUpAt = killAt + 5_000;
  signal(child, first);
  while (groupAlive(child) && Date.now() < giveUpAt) {
    if (Date.now() > killAt) signal(child, 'SIGKILL');
    await sleep(100);
  }
  live.delete(child);
}

/**
 * Stops a session started earlier (by PID, e.g. by another `npm run lab`): SIGTERM to every member, SIGKILL
 * to those still there after `graceMs`. Resolves once none is left.
 */
export async function stopSession(sid: number, graceMs: number): Promise<void> {
  const members = () => sessionMembers(sid) ?? [];
  const send = (sig: NodeJS.Signals) => {
    for (const pid of [-sid, ...members()]) {
      try {
        process.kill(pid, sig);
      } catch {
        // ESRCH: gone already.
      }
    }
  };
  const killAt = Date.now() + graceMs;
  send('SIGTERM');
  while (members().length > 0 && Date.now() < killAt + 5_000) {
    if (Date.now() > killAt) send('SIGKILL');
    await sleep(200);
  }
}

/** Resident memory of every process of session `sid`, in bytes (0 without /proc). */
export function sessionRss(sid: number): number {
  let bytes = 0;
  for (const pid of sessionMembers(sid) ?? []) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) bytes += Number(match[1]) * 1024;
    } catch {
      // Exited meanwhile.
    }
  }
  return bytes;
}

export interface Readiness {
  /** Names the server in errors, e.g. `Kafka`. */
  name: string;
  /** What the timeout error says it did not do, e.g. `become ready on 127.0.0.1:9092`. */
  goal: string;
  child: ChildProcess;
  timeoutMs: number;
  /** `true` once ready, otherwise why not (an empty string when there is nothing to say). */
  probe: () => Promise<true | string>;
  /** The log lines to show with an error. */
  tail: () => string;
}

/** Polls `probe` every 250 ms until it says ready; throws with the log tail when the child exits or time runs out. */
export async function waitUntilReady({
  name,
  goal,
  child,
  timeoutMs,
  probe,
  tail,
}: Readiness): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(
        `${name} exited during startup (code ${child.exitCode}, signal ${child.signalCode}):\n${tail()}`,
      );
    }
    const ready = await probe();
    if (ready === true) return;
    last = ready;
    await sleep(250);
  }
  throw new Error(
    `${name} did not ${goal} within ${timeoutMs / 1000} s${last ? ` (${last})` : ''}:\n${tail()}`,
  );
}

export interface Launched {
  child: ChildProcess;
  /** How to tell it is ready (see waitUntilReady). */
  ready: Omit<Readiness, 'child'>;
}

/** A lab server that can be stopped, or killed, and started again on the same ports and data. */
export interface Restartable {
  /** Does nothing while the server runs; otherwise launches it and waits until it is ready. */
  start(): Promise<void>;
  /** SIGTERM, SIGKILL after the grace period. */
  stop(): Promise<void>;
  /** SIGKILL at once, without a chance to clean up (a crash); start() brings it back. */
  kill(): Promise<void>;
}

/**
 * start(), stop() and kill() of a lab server that can be stopped and started again: start() does nothing
 * while the child runs, otherwise calls `launch` (checks, then spawns) and waits until ready; a start that
 * fails stops the child before it throws.
 */
export function restartable(graceMs: number, launch: () => Promise<Launched>): Restartable {
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (!child) return;
    await stopProcess(child, graceMs);
    child = undefined;
  };
  const kill = async () => {
    if (!child) return;
    await killProcess(child);
    child = undefined;
  };
  const start = async () => {
    if (child && isRunning(child)) return;
    const launched = await launch();
    child = launched.child;
    try {
      await waitUntilReady({ ...launched.ready, child });
    } catch (error) {
      await stop();
      throw error;
    }
  };
  return { start, stop, kill };
}

/** Whether something answers HTTP at `url` (any status): the port a server is about to take is in use. */
export async function answersHttp(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (within 1 s). */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** A `tail` for Readiness: the last `lines` lines `logFile` got since this call. */
export function logTail(logFile: string, lines = 30): () => string {
  const from = existsSync(logFile) ? statSync(logFile).size : 0;
  return () =>
    readFileSync(logFile).subarray(from).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
