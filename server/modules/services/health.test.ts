import { describe, expect, it } from 'vitest';
import { HealthBook } from './health.ts';
import type { ProbeResult } from './types.ts';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 0, 10, 12, 30);
const result = (at: number, status: ProbeResult['status'], latencyMs: number | null = 10): ProbeResult => ({
  serviceId: 's',
  at,
  status,
  latencyMs: status === 'down' ? null : latencyMs,
  error: status === 'up' ? null : `${status}!`,
  figures: [],
});

describe('HealthBook', () => {
  it('starts unknown and reports transitions with since', () => {
    const book = new HealthBook();
    expect(book.health('s', now).status).toBe('unknown');
    expect(book.apply(result(now - 3000, 'up'))).toEqual({
      serviceId: 's',
      from: 'unknown',
      to: 'up',
      at: now - 3000,
    });
    expect(book.apply(result(now - 2000, 'up'))).toBeNull();
    expect(book.apply(result(now - 1000, 'down'))).toMatchObject({ from: 'up', to: 'down' });
    expect(book.health('s', now)).toMatchObject({
      status: 'down',
      since: new Date(now - 1000).toISOString(),
      lastCheck: new Date(now - 1000).toISOString(),
      error: 'down!',
      sparkline: [10, 10, null],
    });
  });

  it('ignores results older than the last one applied', () => {
    const book = new HealthBook();
    book.apply(result(now, 'up'));
    expect(book.apply(result(now - 1, 'down'))).toBeNull();
    expect(book.health('s', now).status).toBe('up');
  });

  it('computes 24 h and 7 d uptime from hourly counts, degraded counting as answered', () => {
    const book = new HealthBook();
    book.count('s', now - 3 * 24 * HOUR, 0, 10); // only in the 7-day window
    book.apply(result(now - HOUR, 'up'));
    book.apply(result(now - HOUR + 1, 'degraded'));
    book.apply(result(now - HOUR + 2, 'down'));
    book.apply(result(now - HOUR + 3, 'up'));
    expect(book.health('s', now)).toMatchObject({
      uptime24h: 75,
      uptime7d: Math.round((3 / 14) * 10_000) / 100,
    });
  });

  it('keeps at most 30 sparkline points', () => {
    const book = new HealthBook();
    for (let i = 0; i < 40; i++) book.apply(result(now + i, 'up', i));
    const { sparkline } = book.health('s', now + 40);
    expect(sparkline).toHaveLength(30);
    expect(sparkline[0]).toBe(10);
  });
});
