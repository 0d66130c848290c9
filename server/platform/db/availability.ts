import type { Logger } from '../log.ts';

export type AvailabilityListener = (available: boolean) => void;

/** While the database is down, one cheap `SELECT 1` on a fresh connection this often tells when it is back. */
const PROBE_MS = 500;

/** Socket errors that mean the server cannot be reached (or went away), not that a statement failed. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server shutting down or not accepting connections (class 08: connection exception). */
const SERVER_GONE = new Set(['57P01', '57P02', '57P03']);
/** node-postgres reports a lost or impossible connection with plain messages only. */
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable/i;

/** Whether a pg error says the database is unreachable (rather than a statement failing on a working one). */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || SERVER_GONE.has(code) || code.startsWith('08')) return true;
  // Node's happy-eyeballs connect reports an AggregateError of per-address failures.
  if (Array.isArray(e.errors) && e.errors.some(isConnectionFailure)) return true;
  return typeof e.message === 'string' && PG_MESSAGES.test(e.message);
}

/**
 * Whether Labdeck's PostgreSQL answers, as this process sees it. Any connection failure (a query's, an
 * idle pooled connection's) marks it down at once; while down, requests fail fast instead of waiting for
 * the pool's connect timeout, and a probe runs every PROBE_MS until a `SELECT 1` succeeds.
 */
export class DatabaseAvailability {
  readonly #probe: () => Promise<void>;
  readonly #log: Logger;
  readonly #listeners = new Set<AvailabilityListener>();
  #available = true;
  #downSince = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** `probe` must reject while the database is unreachable (a fresh connection with a short timeout). */
  constructor(probe: () => Promise<void>, log: Logger) {
    this.#probe = probe;
    this.#log = log;
  }

  get available(): boolean {
    return this.#available;
  }

  onChange(listener: AvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Feeds a failure in; returns whether it was a connection failure (the database is down then). */
  report(error: unknown): boolean {
    if (!isConnectionFailure(error)) return false;
    if (this.#available && !this.#stopped) {
      this.#available = false;
      this.#downSince = Date.now();
      this.#log.error(
        { err: { message: (error as Error).message, code: (error as { code?: string }).code } },
        'database unavailable; requests that need it answer 503 until it is back',
      );
      this.#emit(false);
      this.#scheduleProbe();
    }
    return true;
  }

  /** A new connection just succeeded (the pool's, a leader's): the database is back without waiting for the probe. */
  confirm(): void {
    if (this.#available || this.#stopped) return;
    clearTimeout(this.#timer);
    this.#up();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  #scheduleProbe(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      try {
        await this.#probe();
      } catch {
        this.#scheduleProbe();
        return;
      }
      if (!this.#stopped && !this.#available) this.#up();
    }, PROBE_MS);
    this.#timer.unref();
  }

  #up(): void {
    this.#available = true;
    this.#log.info({ downMs: Date.now() - this.#downSince }, 'database available again');
    this.#emit(true);
  }

  #emit(available: boolean): void {
    for (const listener of this.#listeners) {
      try {
        listener(available);
      } catch (error) {
        this.#log.error({ err: error }, 'database availability listener failed');
      }
    }
  }
}
