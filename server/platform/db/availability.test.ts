import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { DatabaseAvailability, isConnectionFailure } from './availability.ts';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionFailure', () => {
  it('tells an unreachable or departing server from a failing statement', () => {
    expect(isConnectionFailure(pgError('ECONNREFUSED'))).toBe(true);
    expect(isConnectionFailure(pgError('57P01', 'terminating connection due to administrator command'))).toBe(
      true,
    );
    expect(isConnectionFailure(pgError('08006'))).toBe(true);
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionFailure(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isConnectionFailure(new AggregateError([pgError('ECONNREFUSED')]))).toBe(true);
    expect(isConnectionFailure(pgError('23505', 'duplicate key'))).toBe(false);
    expect(isConnectionFailure(pgError('57014', 'canceling statement due to statement timeout'))).toBe(false);
    expect(isConnectionFailure(pgError('42P01', 'relation does not exist'))).toBe(false);
    expect(isConnectionFailure(undefined)).toBe(false);
  });
});

describe('DatabaseAvailability', () => {
  it('goes down on a connection failure and up when the probe or a new connection succeeds', async () => {
    vi.useFakeTimers();
    try {
      let answers = false;
      const probe = vi.fn(async () => {
        if (!answers) throw pgError('ECONNREFUSED');
      });
      const availability = new DatabaseAvailability(probe, pino({ level: 'silent' }));
      const seen: boolean[] = [];
      availability.onChange((available) => seen.push(available));

      expect(availability.report(pgError('23505'))).toBe(false);
      expect(availability.available).toBe(true);
      expect(availability.report(pgError('ECONNREFUSED'))).toBe(true);
      expect(availability.available).toBe(false);
      await vi.advanceTimersByTimeAsync(1_600);
      expect(probe).toHaveBeenCalledTimes(3);
      expect(availability.available).toBe(false);
      answers = true;
      await vi.advanceTimersByTimeAsync(500);
      expect(availability.available).toBe(true);

      availability.report(pgError('57P01'));
      availability.confirm();
      expect(availability.available).toBe(true);
      expect(seen).toEqual([false, true, false, true]);
      availability.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
