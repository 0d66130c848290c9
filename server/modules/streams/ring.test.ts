import { describe, expect, it } from 'vitest';
import { Ring } from './ring.ts';

describe('Ring', () => {
  it('keeps the newest rows in order once full', () => {
    const ring = new Ring(3, 2);
    for (let t = 1; t <= 5; t++) ring.push(t, t * 10);
    expect(ring.length).toBe(3);
    expect([0, 1, 2].map((i) => ring.row(i))).toEqual([
      [3, 30],
      [4, 40],
      [5, 50],
    ]);
    expect(ring.last(1)).toBe(50);
  });

  it('grows its storage up to the capacity and keeps order across growth', () => {
    const ring = new Ring(40, 2);
    for (let t = 1; t <= 100; t++) ring.push(t, -t);
    expect(ring.length).toBe(40);
    expect(ring.row(0)).toEqual([61, -61]);
    expect(ring.row(39)).toEqual([100, -100]);
    expect(ring.since(95).map((row) => row[0])).toEqual([96, 97, 98, 99, 100]);
  });

  it.each([
    { since: 0, expected: [1, 2, 3, 4] },
    { since: 2, expected: [3, 4] },
    { since: 2.5, expected: [3, 4] },
    { since: 4, expected: [] },
  ])('since($since)', ({ since, expected }) => {
    const ring = new Ring(4, 1);
    for (let t = 1; t <= 4; t++) ring.push(t);
    expect(ring.since(since).map((row) => row[0])).toEqual(expected);
  });
});
