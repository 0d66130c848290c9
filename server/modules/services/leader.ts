import type pg from 'pg';
import type { Db } from '../../platform/db/pool.ts';
import type { Logger } from '../../platform/log.ts';

const PROBE_LOCK = 7_210_101;

/**
 * Only one replica probes: the one holding a session-level advisory lock on a dedicated connection.
 * Losing the connection loses the lock; every replica keeps trying, so another one takes over.
 */
export class Leadership {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #onChange: (leader: boolean) => void;
  #client: pg.PoolClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #leader = false;
  #stopped = false;

  constructor(db: Db, log: Logger, onChange: (leader: boolean) => void) {
    this.#db = db;
    this.#log = log;
    this.#onChange = onChange;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  async start(): Promise<void> {
    await this.#check();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      await client.query('SELECT pg_advisory_unlock($1)', [PROBE_LOCK]).catch(() => {});
      client.release();
    }
    this.#set(false);
  }

  async #check(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (this.#client) {
        await this.#client.query('SELECT 1');
      } else {
        const client = await this.#db.pool.connect();
        client.on('error', () => {});
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS locked',
          [PROBE_LOCK],
        );
        if (rows[0]?.locked && !this.#stopped) {
          this.#client = client;
          this.#set(true);
        } else {
          client.release();
        }
      }
    } catch (error) {
      if (this.#client) {
        this.#log.warn(
          { err: error },
          'lost the probe lock connection; probing paused until the lock is regained',
        );
        this.#client.release(error as Error);
        this.#client = undefined;
      }
      this.#set(false);
    }
    if (!this.#stopped) {
      this.#timer = setTimeout(() => this.#check(), this.#leader ? 5_000 : 2_000);
      this.#timer.unref();
    }
  }

  #set(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#log.info(
      { leader },
      leader ? 'this replica probes services' : 'this replica follows probe results',
    );
    this.#onChange(leader);
  }
}
