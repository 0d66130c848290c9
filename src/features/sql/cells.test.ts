import { describe, expect, it } from 'vitest';
import { cellDetail, cellText, isNumericType, sortedOrder } from './cells';

describe('cells', () => {
  it.each([
    [null, 'NULL'],
    [42, '42'],
    [[1, 2], '[1,2]'],
    [{ a: 1 }, '{"a":1}'],
  ])('cellText(%j)', (value, text) => expect(cellText(value)).toBe(text));

  it('pretty-prints JSON strings in the inspector', () => {
    expect(cellDetail('{"a":1}', 'jsonb')).toBe('{\n  "a": 1\n}');
  });

  it.each([
    ['bigint', true],
    ['decimal(10,2)', true],
    ['varchar', false],
    ['integer[]', false],
  ])('numeric %s', (t, n) => expect(isNumericType(t)).toBe(n));

  it('sorts numbers numerically with NULLs last, both ways', () => {
    const rows = [[10], [null], [9], ['100']];
    expect([...sortedOrder(rows, 4, 0, 1, true)]).toEqual([2, 0, 3, 1]);
    expect([...sortedOrder(rows, 4, 0, -1, true)]).toEqual([3, 0, 2, 1]);
  });
});
