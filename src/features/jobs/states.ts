import type { JobHealth, RunState } from '@contracts/jobs';

/** How a run state shows: a word, a glyph (so it is never colour only) and a theme colour. */
export interface StateLook {
  label: string;
  glyph: string;
  colour: string;
}

// A Record over RunState: a state added to the contract fails the build here until it has a look.
export const STATE_LOOK: Record<RunState, StateLook> = {
  failed: { label: 'Failed', glyph: '✕', colour: 'var(--danger)' },
  upstream_failed: { label: 'Upstream failed', glyph: '!', colour: 'var(--warn)' },
  running: { label: 'Running', glyph: '▶', colour: 'var(--accent)' },
  queued: { label: 'Queued', glyph: '…', colour: 'var(--unknown)' },
  success: { label: 'Success', glyph: '✓', colour: 'var(--ok)' },
  cancelled: { label: 'Cancelled', glyph: '⊘', colour: 'var(--unknown)' },
  skipped: { label: 'Skipped', glyph: '–', colour: 'var(--unknown)' },
};

/** Matrix columns and filter choices, the problems first. */
export const STATE_ORDER = Object.keys(STATE_LOOK) as RunState[];

export const isRunState = (value: string): value is RunState => value in STATE_LOOK;

/** Runs that may still change (the Gantt draws them open, actions offer Cancel). */
export const isActive = (state: RunState): boolean => state === 'running' || state === 'queued';

export const HEALTH_LABEL: Record<JobHealth, string> = {
  failing: 'Failing',
  running: 'Running',
  late: 'Late',
  recovered: 'Recovered',
  ok: 'OK',
  idle: 'Idle',
};
