/**
 * CPU and memory of a process and the processes it started, read from /proc (Linux). Not a benchmark
 * itself: run.ts skips `_` files.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux x86_64 and arm64). */
const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  /** utime + stime, in ticks. */
  own: number;
  /** cutime + cstime: children this process waited for (a renderer that exited), in ticks. */
  reaped: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const at = (field: number) => Number(fields[field - 3]);
    return { ppid: at(4), own: at(14) + at(15), reaped: at(16) + at(17) };
  } catch {
    return null; // exited meanwhile
  }
}

/** Every live process below `root` (children, their children...), not `root` itself. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * CPU seconds used by `pids`. With `reaped`, the CPU of their exited children is added too, so a tree
 * whose short-lived processes come and go (Chromium's renderers, reaped by its zygote) is counted whole
 * when the live tree is summed: a live process is never in another's reaped time.
 */
export function cpuSecondsOf(pids: readonly number[], reaped: boolean): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) ticks += stat.own + (reaped ? stat.reaped : 0);
  }
  return ticks / TICKS_PER_SECOND;
}

export interface Memory {
  /** Summed resident set sizes: pages shared between the processes are counted once per process. */
  rssMb: number;
  /** Summed proportional set sizes: a shared page is split between its sharers, so the sum is real use. */
  pssMb: number;
}

function kbField(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
}

export function memoryOf(pids: readonly number[]): Memory {
  let rssKb = 0;
  let pssKb = 0;
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rssKb += kbField(rollup, 'Rss');
      pssKb += kbField(rollup, 'Pss');
    } catch {
      // exited meanwhile
    }
  }
  return { rssMb: rssKb / 1024, pssMb: pssKb / 1024 };
}
