import { describe, expect, it } from 'vitest';
import {
  averageRate,
  bytesDelta,
  type LagSample,
  lagSeconds,
  lagSeries,
  offsetDelta,
  partitionLag,
  partitionVerdict,
  rateOf,
  worstVerdict,
} from './figures.ts';

describe('offsetDelta', () => {
  it.each([
    { name: 'steady growth', previous: 100, current: 150, bornAfter: false, expected: 50 },
    { name: 'no change', previous: 150, current: 150, bornAfter: false, expected: 0 },
    {
      name: 'first sight of an old partition',
      previous: undefined,
      current: 900,
      bornAfter: false,
      expected: null,
    },
    {
      name: 'partition added since the last sample',
      previous: undefined,
      current: 40,
      bornAfter: true,
      expected: 40,
    },
    {
      name: 'topic recreated: watermark went back',
      previous: 5000,
      current: 10,
      bornAfter: false,
      expected: null,
    },
    { name: 'garbage offset', previous: 10, current: Number.NaN, bornAfter: false, expected: null },
    { name: 'negative offset (error marker)', previous: 10, current: -1, bornAfter: false, expected: null },
  ])('$name', ({ previous, current, bornAfter, expected }) => {
    expect(offsetDelta(previous, current, bornAfter)).toBe(expected);
  });
});

describe('rateOf', () => {
  it.each([
    { deltas: [500, 500], ms: 5000, expected: 200 },
    { deltas: [500, null], ms: 5000, expected: 100 },
    { deltas: [null, null], ms: 5000, expected: null },
    { deltas: [], ms: 5000, expected: null },
    { deltas: [10], ms: 0, expected: null },
    { deltas: [10], ms: -5, expected: null },
  ])('$deltas over $ms ms -> $expected', ({ deltas, ms, expected }) => {
    expect(rateOf(deltas, ms)).toBe(expected);
  });
});

describe('averageRate', () => {
  it('weights each sample by its duration and skips unknown ones', () => {
    const samples = [
      { t: 1000, dt: 1000, rate: 999 },
      { t: 6000, dt: 5000, rate: 100 },
      { t: 8000, dt: 2000, rate: null },
      { t: 9000, dt: 1000, rate: 400 },
    ];
    expect(averageRate(samples, 1000)).toBe(150);
    expect(averageRate(samples, 9000)).toBeNull();
  });
});

describe('bytesDelta', () => {
  it.each([
    { previous: 1000, current: 5000, expected: 4000 },
    { previous: 5000, current: 1000, expected: null },
    { previous: undefined, current: 1000, expected: null },
  ])('$previous -> $current', ({ previous, current, expected }) => {
    expect(bytesDelta(previous, current)).toBe(expected);
  });
});

describe('partitionLag', () => {
  it.each([
    { end: 100, committed: 60, start: 0, expected: { lag: 40, outOfRange: false } },
    { end: 100, committed: 120, start: 0, expected: { lag: 0, outOfRange: false } },
    { end: 100, committed: null, start: 0, expected: { lag: null, outOfRange: false } },
    { end: 100, committed: -1, start: 0, expected: { lag: null, outOfRange: false } },
    { end: 100, committed: 5, start: 50, expected: { lag: 95, outOfRange: true } },
  ])('end $end committed $committed start $start', ({ end, committed, start, expected }) => {
    expect(partitionLag(end, committed, start)).toEqual(expected);
  });
});

describe('lagSeconds', () => {
  it.each([
    { lag: 1000, rate: 100, expected: 10 },
    { lag: 0, rate: 0, expected: 0 },
    { lag: 1000, rate: 0, expected: null },
    { lag: 1000, rate: null, expected: null },
    { lag: null, rate: 100, expected: null },
  ])('lag $lag at $rate/s', ({ lag, rate, expected }) => {
    expect(lagSeconds(lag, rate)).toBe(expected);
  });
});

const series = (rows: Array<[t: number, committed: number, lag: number]>): LagSample[] =>
  rows.map(([t, committed, lag]) => ({ t, committed, lag }));

describe('partitionVerdict', () => {
  const windowMs = 60_000;
  it.each([
    { name: 'no samples', samples: [], since: 0, now: 0, expected: 'OK' },
    {
      name: 'caught up',
      samples: series([
        [0, 10, 5],
        [5, 20, 3],
        [10, 30, 0],
      ]),
      since: 10,
      now: 10,
      expected: 'OK',
    },
    {
      name: 'keeping up with jitter',
      samples: series([
        [0, 100, 50],
        [5000, 600, 20],
        [10000, 1100, 70],
        [15000, 1600, 10],
      ]),
      since: 15000,
      now: 15000,
      expected: 'OK',
    },
    {
      name: 'consuming but falling behind',
      samples: series([
        [0, 100, 50],
        [5000, 200, 80],
        [10000, 300, 80],
        [15000, 400, 120],
      ]),
      since: 15000,
      now: 15000,
      expected: 'WARN',
    },
    {
      name: 'paused while the producer writes',
      samples: series([
        [0, 100, 0],
        [5000, 600, 30],
        [10000, 700, 400],
        [15000, 700, 900],
        [20000, 700, 1400],
      ]),
      since: 10000,
      now: 20000,
      expected: 'WARN',
    },
    {
      name: 'not moving, lag steady',
      samples: series([
        [0, 700, 400],
        [5000, 700, 400],
        [10000, 700, 400],
      ]),
      since: -1000,
      now: 10000,
      expected: 'STALL',
    },
    {
      name: 'not moving for longer than the window',
      samples: series([
        [40_000, 700, 400],
        [50_000, 700, 500],
        [70_000, 700, 600],
      ]),
      since: 5000,
      now: 70_000,
      expected: 'STOP',
    },
    {
      name: 'offset reset backwards',
      samples: series([
        [0, 700, 10],
        [5000, 100, 610],
        [10000, 150, 560],
      ]),
      since: 5000,
      now: 10000,
      expected: 'REWIND',
    },
  ] as const)('$name -> $expected', ({ samples, since, now, expected }) => {
    expect(partitionVerdict({ samples: lagSeries(samples), committedSince: since, now, windowMs })).toBe(
      expected,
    );
  });

  it('flags a committed offset below the log start as ERROR', () => {
    const samples = series([
      [0, 5, 95],
      [5000, 5, 95],
    ]);
    expect(
      partitionVerdict({
        samples: lagSeries(samples),
        committedSince: 0,
        now: 5000,
        windowMs,
        outOfRange: true,
      }),
    ).toBe('ERROR');
  });
});

describe('worstVerdict', () => {
  it.each([
    { verdicts: [], expected: 'OK' },
    { verdicts: ['OK', 'WARN', 'OK'], expected: 'WARN' },
    { verdicts: ['WARN', 'STOP', 'STALL'], expected: 'STOP' },
    { verdicts: ['REWIND', 'ERROR'], expected: 'ERROR' },
  ] as const)('$verdicts -> $expected', ({ verdicts, expected }) => {
    expect(worstVerdict(verdicts)).toBe(expected);
  });
});
