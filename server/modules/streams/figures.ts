/**
 * The numbers Streams shows, as pure functions over offset samples: rates from high-watermark deltas,
 * consumer lag from end and committed offsets, and a Burrow-style verdict per partition and group.
 */

/** Messages added to one partition between two samples; null when it cannot be known (never negative). */
export function offsetDelta(
  previous: number | undefined,
  current: number,
  startedAfterPrevious = false,
): number | null {
  if (!Number.isFinite(current) || current < 0) return null;
  // A partition (or a recreated topic) born after the previous sample started at offset 0.
  if (previous === undefined) return startedAfterPrevious ? current : null;
  // The high watermark went backwards: topic recreated or log truncated. Rate unknown this once.
  if (current < previous) return null;
  return current - previous;
}

/** Sum of known deltas over elapsed seconds; null when nothing is known or time did not advance. */
export function rateOf(deltas: ReadonlyArray<number | null>, elapsedMs: number): number | null {
  if (!(elapsedMs > 0)) return null;
  let sum = 0;
  let known = 0;
  for (const delta of deltas) {
    if (delta === null) continue;
    sum += delta;
    known++;
  }
  return known === 0 ? null : (sum * 1000) / elapsedMs;
}

/** Time-weighted mean of rates over samples whose end falls after `since`. */
export function averageRate(
  samples: ReadonlyArray<{ t: number; dt: number; rate: number | null }>,
  since: number,
): number | null {
  let weighted = 0;
  let time = 0;
  for (const sample of samples) {
    if (sample.t <= since || sample.rate === null || !(sample.dt > 0)) continue;
    weighted += sample.rate * sample.dt;
    time += sample.dt;
  }
  return time > 0 ? weighted / time : null;
}

/** Bytes per second from log size deltas: retention and compaction shrink logs, so a shrink is unknown. */
export function bytesDelta(previous: number | undefined, current: number): number | null {
  if (previous === undefined || !Number.isFinite(current) || current < previous) return null;
  return current - previous;
}

export interface PartitionLag {
  /** end - committed, clamped at 0; null when the group never committed on this partition. */
  lag: number | null;
  /** The committed offset is below the log start offset: messages were deleted before being consumed. */
  outOfRange: boolean;
}

export function partitionLag(end: number, committed: number | null | undefined, logStart = 0): PartitionLag {
  if (committed === null || committed === undefined || committed < 0) return { lag: null, outOfRange: false };
  return { lag: Math.max(0, end - committed), outOfRange: committed < logStart };
}

/** Estimated seconds behind: lag divided by the rate the group consumes; null when it does not consume. */
export function lagSeconds(lag: number | null, consumeRate: number | null): number | null {
  if (lag === null) return null;
  if (lag === 0) return 0;
  if (consumeRate === null || !(consumeRate > 0)) return null;
  return lag / consumeRate;
}

import type { Verdict } from './contract.ts';

export type { Verdict };
/** Worst last: a group shows the worst verdict of its partitions. */
export const verdictOrder: readonly Verdict[] = ['OK', 'WARN', 'STALL', 'REWIND', 'STOP', 'ERROR'];

export interface LagSample {
  t: number;
  committed: number;
  lag: number;
}

/** Samples oldest first, read by index (a plain array, or a view over a ring without copying). */
export interface LagSeries {
  length: number;
  t(i: number): number;
  committed(i: number): number;
  lag(i: number): number;
}

export const lagSeries = (samples: readonly LagSample[]): LagSeries => ({
  length: samples.length,
  t: (i) => samples[i]!.t,
  committed: (i) => samples[i]!.committed,
  lag: (i) => samples[i]!.lag,
});

export interface VerdictInput {
  /** Samples within the window, oldest first. */
  samples: LagSeries;
  /** When the committed offset last changed (or was first seen). */
  committedSince: number;
  now: number;
  windowMs: number;
  outOfRange?: boolean;
}

/**
 * Burrow's sliding-window rules (github.com/linkedin/Burrow/wiki/Consumer-Lag-Evaluation-Rules), adapted
 * to offsets sampled by Labdeck (we see committed offsets, not each commit):
 * REWIND when the committed offset went backwards within the window; ERROR when it points before the log
 * start; OK when caught up; STOP when it did not move for longer than the window while behind; WARN when
 * lag grew at every sample, over the window or since the offset last moved; STALL when the offset did not
 * move over the whole window while behind; OK otherwise.
 */
export function partitionVerdict({
  samples,
  committedSince,
  now,
  windowMs,
  outOfRange,
}: VerdictInput): Verdict {
  const n = samples.length;
  if (n === 0) return 'OK';
  if (rewound(samples)) return 'REWIND';
  if (outOfRange) return 'ERROR';
  if (samples.lag(n - 1) === 0) return 'OK';
  if (now - committedSince > windowMs) return 'STOP';
  let moved = 0;
  while (moved < n && samples.t(moved) < committedSince) moved++;
  if (lagGrows(samples, 0) || lagGrows(samples, moved)) return 'WARN';
  if (n >= 2 && committedSince <= samples.t(0)) return 'STALL';
  return 'OK';
}

/** The committed offset went backwards between two samples. */
export function rewound(samples: LagSeries): boolean {
  for (let i = 1; i < samples.length; i++) if (samples.committed(i) < samples.committed(i - 1)) return true;
  return false;
}

/** From index `from`: at least three samples, lag never shrinking between two of them, and larger at the end. */
function lagGrows(samples: LagSeries, from: number): boolean {
  const n = samples.length;
  if (n - from < 3) return false;
  for (let i = from + 1; i < n; i++) if (samples.lag(i) < samples.lag(i - 1)) return false;
  return samples.lag(n - 1) > samples.lag(from);
}

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst = 0;
  for (const verdict of verdicts) worst = Math.max(worst, verdictOrder.indexOf(verdict));
  return verdictOrder[worst]!;
}
