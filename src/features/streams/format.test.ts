import { describe, expect, it } from 'vitest';
import { ago, behind, bytes, count, rate, seconds } from './format';

describe('streams format', () => {
  it.each([
    [null, '–'],
    [0, '0 msg/s'],
    [2.345, '2.3 msg/s'],
    [1000.4, '1,000 msg/s'],
    [25_000, '25K msg/s'],
  ])('rate(%s) = %s', (value, expected) => expect(rate(value)).toBe(expected));

  it.each([
    [null, '–'],
    [512, '512 B'],
    [1536, '1.5 KB'],
    [5 * 1024 ** 3, '5.0 GB'],
  ])('bytes(%s) = %s', (value, expected) => expect(bytes(value)).toBe(expected));

  it.each([
    [0.2, '< 1 s'],
    [42, '42 s'],
    [600, '10 min'],
    [10_800, '3.0 h'],
  ])('seconds(%s) = %s', (value, expected) => expect(seconds(value)).toBe(expected));

  it.each([
    [null, 500, 'not consuming'],
    [null, 0, '–'],
    [30, 500, '30 s'],
  ])('behind(%s, %s) = %s', (lagSeconds, lag, expected) => expect(behind(lagSeconds, lag)).toBe(expected));

  it('counts and ages', () => {
    expect(count(1234)).toBe('1,234');
    expect(ago(null)).toBe('never');
    expect(ago(1000, 1200)).toBe('just now');
    expect(ago(0 + 1, 30_001)).toBe('30 s ago');
  });
});
