import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from './db/pool.ts';
import type { Logger } from './log.ts';

export interface ReplicaOptions {
  heartbeatMs: number;
  leaseMs: number;
}

/** Work done after each heartbeat for replicas whose lease ran out (idempotent: every replica runs it). */
export type ReplicaSweep = () => Promise<unknown>;

/**
 * This process among the replicas sharing one PostgreSQL: it renews a lease row every heartbeat and,
 * after each renewal, runs the sweeps modules registered (a dead replica's SQL runs reported failed).
 */
export class ReplicaRegistry {
  /** Fresh per process start: a restarted replica is a new one, and its predecessor's work is orphaned. */
  readonly id = randomUUID();
  readonly #db: Db;
  readonly #log: Logger;
  readonly #options: ReplicaOptions;
  readonly #sweeps: ReplicaSweep[] = [];
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #stopped = false;

  constructor(db: Db, log: Logger, options: ReplicaOptions) {
    this.#db = db;
    this.#log = log;
    this.#options = options;
  }

  get leaseMs(): number {
    return this.#options.leaseMs;
  }

  onSweep(sweep: ReplicaSweep): void {
    this.#sweeps.push(sweep);
  }

  async start(): Promise<void> {
    await this.beat();
    this.#schedule();
  }

  /** Renews this replica's lease, forgets expired ones and runs the sweeps. */
  async beat(): Promise<void> {
    try {
      await this.#db.query(
        `INSERT INTO labdeck_replicas (id, host, pid) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET seen_at = now()`,
        [this.id, hostname(), process.pid],
      );
      await this.#db.query('DELETE FROM labdeck_replicas WHERE seen_at < now() - make_interval(secs => $1)', [
        this.#options.leaseMs / 1000,
      ]);
      for (const sweep of this.#sweeps) await sweep();
      if (this.#failing) this.#log.info('replica heartbeat works again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#log.warn({ err: error }, 'replica heartbeat failed; retrying');
      this.#failing = true;
    }
  }

  /** Stops renewing and removes this replica's row: its runs are over (stop waits for them). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#db.query('DELETE FROM labdeck_replicas WHERE id = $1', [this.id]).catch(() => {});
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      await this.beat();
      this.#schedule();
    }, this.#options.heartbeatMs);
    this.#timer.unref();
  }
}
