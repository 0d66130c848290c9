// The process plumbing the lab servers (lab/kafka, lab/schema-registry, lab/trino) share: the "not
// installed" error, a child killed when this process exits, output appended to a log file, a readiness
// poll that notices a crash, a stop with a grace period before SIGKILL, and start()/stop() around them.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export { freePort } from '../server/platform/net.ts';

/** The error for a lab server that is not installed, naming the command that installs it. */
export function notInstalled(what: string, where: string, installHint: string): Error {
  return new Error(`${what} is not installed in ${where}: run \`${installHint}\` first`);
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs `child` if this process exits while the child still runs. */
export function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const running of live) running.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Spawns `command` with stdout, stderr (and a spawn error) appended to `logFile`; killed when this process exits. */
export function spawnLogged(
  command: string,
  args: string[],
  logFile: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { ...options, stdio: ['ignore', out, out] });
  closeSync(out);
  child.once('error', (error) => appendFileSync(logFile, `${error.message}\n`));
  killOnExit(child);
  return child;
}

/** Whether anything answers HTTP at `url` (a port already taken before a start). */
export async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL when the child is still there after `graceMs`; resolves once it has exited. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (!isRunning(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
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

/**
 * start() and stop() of a lab server that can be stopped and started again: start() does nothing while the
 * child runs, otherwise calls `launch` (checks, then spawns) and waits until ready; a start that fails
 * stops the child before it throws.
 */
export function restartable(
  graceMs: number,
  launch: () => Promise<Launched>,
): { start(): Promise<void>; stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (!child) return;
    await stopProcess(child, graceMs);
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
  return { start, stop };
}
