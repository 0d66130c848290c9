import type { SessionRow } from './store.ts';

/** How long a session read from PostgreSQL is trusted without asking again. */
const RECHECK_MS = 5_000;
const MAX_ENTRIES = 20_000;
/**
 * While the database cannot be read, a session read this recently still opens the door (Labdeck's pages,
 * live streams, the gate's checks): an outage of Labdeck's own store must not sign the lab out. Nothing
 * can be revoked meanwhile, as revocations are written to that database.
 */
const STALE_IF_ERROR_MS = 5 * 60_000;

/**
 * Live sessions by token hash, so the hot paths (every API call, every forward-auth check of every
 * asset a gated UI loads) need no database round trip. Entries are re-read after RECHECK_MS (kept when
 * that read fails, up to STALE_IF_ERROR_MS);
 * revocations drop them at once (the store reports them, and other replicas hear it on the bus);
 * timeouts are checked against the cached row on every use.
 */
export function createSessionCache(
  read: (idHash: string) => Promise<SessionRow | null>,
  idleTimeoutMinutes: number,
) {
  const entries = new Map<string, { row: SessionRow; readAt: number }>();
  const idleMs = idleTimeoutMinutes * 60_000;
  const live = (row: SessionRow, now: number) =>
    row.revoked_at === null && row.expires_at.getTime() > now && row.last_seen_at.getTime() > now - idleMs;

  function remember(row: SessionRow, readAt: number): void {
    entries.delete(row.id_hash);
    entries.set(row.id_hash, { row, readAt });
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  }

  return {
    async find(idHash: string): Promise<SessionRow | null> {
      const now = Date.now();
      const hit = entries.get(idHash);
      if (hit && now - hit.readAt < RECHECK_MS) {
        if (live(hit.row, now)) return hit.row;
        entries.delete(idHash);
        return null;
      }
      let row: SessionRow | null;
      try {
        row = await read(idHash);
      } catch (error) {
        if (hit && now - hit.readAt < STALE_IF_ERROR_MS && live(hit.row, now)) return hit.row;
        throw error;
      }
      if (row) remember(row, now);
      else entries.delete(idHash);
      return row;
    },
    /** A changed row of a cached session (touched, refreshed, new roles). */
    update(row: SessionRow): void {
      const hit = entries.get(row.id_hash);
      if (hit) hit.row = row;
    },
    drop(idHashes: readonly string[]): void {
      for (const hash of idHashes) entries.delete(hash);
    },
    get size() {
      return entries.size;
    },
  };
}
