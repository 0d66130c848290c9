import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionCache } from './session-cache.ts';
import type { SessionRow } from './store.ts';

const row = (overrides: Partial<SessionRow> = {}): SessionRow => ({
  id_hash: 'h1',
  public_id: 'p1',
  user_id: 'analyst',
  user_name: 'Ana Lyst',
  email: null,
  roles: ['analyst'],
  groups: [],
  provider: null,
  subject: null,
  idp_session_id: null,
  id_token: null,
  access_token_expires_at: null,
  access_token_enc: null,
  refresh_token_enc: null,
  ip: null,
  user_agent: null,
  created_at: new Date(),
  last_seen_at: new Date(),
  expires_at: new Date(Date.now() + 24 * 3_600_000),
  revoked_at: null,
  ...overrides,
});

describe('session cache when the database cannot be read', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-12-05T10:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  function cacheWith(first: SessionRow) {
    let down = false;
    const read = vi.fn(async () => {
      if (down) throw new Error('database_unavailable');
      return first;
    });
    const cache = createSessionCache(read, 8 * 60);
    return { cache, read, goDown: () => (down = true) };
  }

  it('serves a session read within 5 minutes, then fails like the read', async () => {
    const { cache, read, goDown } = cacheWith(row());
    expect((await cache.find('h1'))?.user_id).toBe('analyst');
    goDown();
    vi.advanceTimersByTime(6_000);
    expect((await cache.find('h1'))?.user_id).toBe('analyst');
    expect(read).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(5 * 60_000);
    await expect(cache.find('h1')).rejects.toThrow('database_unavailable');
  });

  it('never serves a session it does not know, or one that has expired meanwhile', async () => {
    const { cache, goDown } = cacheWith(row({ expires_at: new Date(Date.now() + 60_000) }));
    goDown();
    await expect(cache.find('h1')).rejects.toThrow('database_unavailable');

    const known = cacheWith(row({ expires_at: new Date(Date.now() + 60_000) }));
    await known.cache.find('h1');
    known.goDown();
    vi.advanceTimersByTime(61_000);
    await expect(known.cache.find('h1')).rejects.toThrow('database_unavailable');
  });
});
