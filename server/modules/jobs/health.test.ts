import { describe, expect, it } from 'vitest';
import type { JobView, RunState, RunView } from './contract.ts';
import { byAttention, isLate, jobHealth, p90 } from './health.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const MIN = 60_000;

/** A run started `ago` minutes before NOW that ran `minutes` (null: still running). */
function run(state: RunState, ago: number, minutes: number | null = 1): RunView {
  const start = NOW - ago * MIN;
  const end = minutes === null ? null : start + minutes * MIN;
  return {
    source: 's',
    jobId: 'j',
    runId: `r${ago}`,
    state,
    nativeState: state,
    queuedAt: new Date(start).toISOString(),
    startedAt: new Date(start).toISOString(),
    endedAt: end === null ? null : new Date(end).toISOString(),
    durationMs: minutes === null ? null : minutes * MIN,
    trigger: null,
    triggeredBy: null,
    error: null,
    url: null,
  };
}

const at = (ago: number, minutes = 1) => new Date(NOW - ago * MIN + minutes * MIN).toISOString();

describe('job health', () => {
  it.each<[string, RunView[], number | null, string, string | null]>([
    ['idle without runs', [], null, 'idle', null],
    ['ok after successes', [run('success', 10), run('success', 70)], null, 'ok', null],
    [
      'failing since the first failure of the streak',
      [run('failed', 10), run('upstream_failed', 70), run('success', 130)],
      null,
      'failing',
      at(70),
    ],
    [
      'failing even while a retry runs',
      [run('running', 1, null), run('failed', 10)],
      null,
      'failing',
      at(10),
    ],
    ['cancelled runs are no outcome', [run('cancelled', 5), run('failed', 10)], null, 'failing', at(10)],
    [
      'running within its usual time',
      [run('running', 5, null), run('success', 70)],
      10 * MIN,
      'running',
      at(5, 0),
    ],
    [
      'late past the p90 of successes',
      [run('running', 30, null), run('success', 70)],
      10 * MIN,
      'late',
      at(30, 0),
    ],
    ['running (not late) without a p90', [run('running', 300, null)], null, 'running', at(300, 0)],
    [
      'recovered after a failure within 24 h',
      [run('success', 10), run('failed', 70)],
      null,
      'recovered',
      at(10),
    ],
    [
      'ok when the failure is older than 24 h',
      [run('success', 10), run('failed', 25 * 60)],
      null,
      'ok',
      null,
    ],
  ])('%s', (_what, recent, p90Ms, health, since) => {
    expect(jobHealth(recent, p90Ms, NOW)).toEqual({ health, since });
  });

  it('p90 is the nearest-rank 90th percentile', () => {
    expect(p90([])).toBeNull();
    expect(p90([5])).toBe(5);
    expect(p90([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toBe(9);
    expect(p90(Array.from({ length: 20 }, (_v, i) => i + 1))).toBe(18);
  });

  it('a queued run is never late', () => {
    expect(isLate({ ...run('queued', 60, null), startedAt: null }, MIN, NOW)).toBe(false);
  });
});

describe('jobs in order of attention', () => {
  const job = (name: string, health: JobView['health'], startedAt: string | null = null) =>
    ({ name, health, recent: startedAt ? [{ startedAt, queuedAt: null }] : [] }) as unknown as JobView;
  it('puts failing, late, running and recovered jobs first, then the most recently run, idle ones last', () => {
    const jobs = [
      job('a-idle', 'idle'),
      job('b-ok-old', 'ok', '2026-01-01T00:00:00Z'),
      job('c-ok-new', 'ok', '2026-01-02T00:00:00Z'),
      job('d-running', 'running', '2026-01-01T00:00:00Z'),
      job('e-failing', 'failing', '2026-01-01T00:00:00Z'),
      job('f-late', 'late', '2026-01-01T00:00:00Z'),
      job('g-recovered', 'recovered', '2026-01-01T00:00:00Z'),
      job('0-idle', 'idle'),
    ];
    expect(jobs.sort(byAttention).map((j) => j.name)).toEqual([
      'e-failing',
      'f-late',
      'd-running',
      'g-recovered',
      'c-ok-new',
      'b-ok-old',
      '0-idle',
      'a-idle',
    ]);
  });
});
