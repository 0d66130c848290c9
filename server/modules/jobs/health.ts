import type { JobHealth, JobView, RunView } from './contract.ts';

const DAY_MS = 86_400_000;
const FAILED = new Set(['failed', 'upstream_failed']);
const ACTIVE = new Set(['queued', 'running']);

/** Nearest-rank 90th percentile; null for no values. */
export function p90(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.9) - 1]!;
}

const startOf = (run: RunView) => run.startedAt ?? run.queuedAt;
const endOf = (run: RunView) => run.endedAt ?? run.startedAt ?? run.queuedAt;

/** A running run that has run longer than the job's usual (p90) duration. */
export function isLate(run: RunView, p90Ms: number | null, now: number): boolean {
  return (
    run.state === 'running' && p90Ms !== null && !!run.startedAt && now - Date.parse(run.startedAt) > p90Ms
  );
}

/**
 * A job's verdict from its recent runs (newest first), in this order: `failing` (its latest outcome,
 * success or failure, is a failure; since the first failure of that streak), `late` (a run is running
 * longer than the p90 of recent successes), `running`, `recovered` (latest outcome a success after a
 * failure that ended within 24 h), `ok`, `idle` (no runs). Cancelled and skipped runs are no outcome.
 */
export function jobHealth(
  recent: readonly RunView[],
  p90Ms: number | null,
  now: number,
): { health: JobHealth; since: string | null } {
  if (!recent.length) return { health: 'idle', since: null };
  const outcomes = recent.filter((run) => run.state === 'success' || FAILED.has(run.state));
  const latest = outcomes[0];
  if (latest && FAILED.has(latest.state)) {
    const streak = outcomes.findIndex((run) => !FAILED.has(run.state));
    const first = outcomes[(streak === -1 ? outcomes.length : streak) - 1]!;
    return { health: 'failing', since: endOf(first) };
  }
  const active = recent.filter((run) => ACTIVE.has(run.state));
  const late = active.find((run) => isLate(run, p90Ms, now));
  if (late) return { health: 'late', since: late.startedAt };
  if (active.length) return { health: 'running', since: startOf(active[active.length - 1]!) };
  const before = outcomes[1];
  const beforeEnd = before && endOf(before);
  if (latest && before && FAILED.has(before.state) && beforeEnd && now - Date.parse(beforeEnd) <= DAY_MS)
    return { health: 'recovered', since: endOf(latest) };
  return { health: 'ok', since: null };
}

const ATTENTION: Record<JobView['health'], number> = {
  failing: 0,
  late: 1,
  running: 2,
  recovered: 3,
  ok: 4,
  idle: 5,
};
const lastActivity = (job: JobView) => {
  const run = job.recent[0];
  return run?.startedAt ?? run?.queuedAt ?? '';
};

/** What needs a look first: failing, late, running, recovered, then by the latest run, then by name. */
export function byAttention(a: JobView, b: JobView): number {
  return (
    ATTENTION[a.health] - ATTENTION[b.health] ||
    lastActivity(b).localeCompare(lastActivity(a)) ||
    a.name.localeCompare(b.name)
  );
}
