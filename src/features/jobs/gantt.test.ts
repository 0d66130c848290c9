import { describe, expect, it } from 'vitest';
import { buildGantt } from './gantt';
import { taskView } from './test/fixtures';

const at = (iso: string) => Date.parse(iso);

describe('buildGantt', () => {
  it('orders tasks by start, unstarted last, and spans first start to last end', () => {
    const gantt = buildGantt(
      [
        taskView('load', { startedAt: '2026-12-03T10:00:30Z', endedAt: '2026-12-03T10:01:00Z' }),
        taskView('wait', { state: 'queued', nativeState: 'scheduled', startedAt: null, endedAt: null }),
        taskView('extract', { startedAt: '2026-12-03T10:00:00Z', endedAt: '2026-12-03T10:00:30Z' }),
      ],
      at('2026-12-03T12:00:00Z'),
    );
    expect(gantt.rows.map((row) => [row.label, row.start, row.end, row.open])).toEqual([
      ['extract', at('2026-12-03T10:00:00Z'), at('2026-12-03T10:00:30Z'), false],
      ['load', at('2026-12-03T10:00:30Z'), at('2026-12-03T10:01:00Z'), false],
      ['wait', null, null, false],
    ]);
    expect([gantt.from, gantt.to]).toEqual([at('2026-12-03T10:00:00Z'), at('2026-12-03T10:01:00Z')]);
  });

  it('draws a running task open up to now, and the axis reaches now', () => {
    const now = at('2026-12-03T10:05:00Z');
    const gantt = buildGantt(
      [
        taskView('extract', { endedAt: '2026-12-03T10:00:30Z' }),
        taskView('transform', {
          state: 'running',
          nativeState: 'running',
          startedAt: '2026-12-03T10:00:30Z',
          endedAt: null,
          durationMs: null,
        }),
      ],
      now,
    );
    expect(gantt.rows[1]).toMatchObject({ label: 'transform', open: true, end: now, nativeState: 'running' });
    expect(gantt.to).toBe(now);
  });

  it('nests OpenLineage child runs under their task, with mapped tasks labelled by index', () => {
    const gantt = buildGantt(
      [
        taskView('dbt_run', {
          mapIndex: 2,
          children: [
            {
              runId: 'c1',
              namespace: 'dbt',
              name: 'jaffle.run',
              state: 'running',
              startedAt: '2026-12-03T10:00:05Z',
              endedAt: null,
              error: null,
              children: [
                {
                  runId: 'c2',
                  namespace: 'dbt',
                  name: 'model.orders',
                  state: 'failed',
                  startedAt: '2026-12-03T10:00:06Z',
                  endedAt: '2026-12-03T10:00:09Z',
                  error: 'relation "raw.orders" does not exist',
                  children: [],
                },
              ],
            },
          ],
        }),
      ],
      at('2026-12-03T10:00:20Z'),
    );
    expect(gantt.rows.map((row) => [row.label, row.depth, row.state, row.open])).toEqual([
      ['dbt_run [2]', 0, 'success', false],
      ['jaffle.run', 1, 'running', true],
      ['model.orders', 2, 'failed', false],
    ]);
    expect(new Set(gantt.rows.map((row) => row.key)).size).toBe(3);
  });

  it('gives a finished task without an end its duration, and an empty run no axis', () => {
    const gantt = buildGantt([taskView('t', { endedAt: null, durationMs: 4_000 })], 0);
    expect(gantt.rows[0]!.end! - gantt.rows[0]!.start!).toBe(4_000);
    expect(buildGantt([], 0)).toEqual({ rows: [], from: null, to: null });
  });
});
