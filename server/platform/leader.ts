import type pg from 'pg';
import type { Db } from './db/pool.ts';
import type { Logger } from './log.ts';

/** Advisory lock keys of the background jobs that only one replica may run. */
export const LEADER_LOCKS = { probes: 7_210_101, kafkaSampler: 7_210_201, jobSources: 7_210_301 } as const;

export interface LeadershipOptions {
  /** One of LEADER_LOCKS. */
  lock: number;
  /** What the leader does, for the log: "probes services". */
  duty: string;
  onChange: (leader: boolean) => void;
}

/**
 * Only one replica does a job: the one holding a session-level advisory lock on a dedicated connection.
 * Losing the connection loses the lock; every replica keeps trying, so another one takes over.
 */
export class Leadership {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #lock: number;
  readonly #duty: string;
  readonly #onChange: (leader: boolean) => void;
  #client: pg.PoolClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #leader = false;
  #stopped = false;

  constructor(db: Db, log: Logger, options: LeadershipOptions) {
    this.#db = db;
    this.#log = log;
    this.#lock = options.lock;
    this.#duty = options.duty;
    this.#onChange = options.onChange;
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
      await client.query('SELECT pg_advisory_unlock($1)', [this.#lock]).catch(() => {});
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
          [this.#lock],
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
          { err: error, duty: this.#duty },
          'lost the leader lock connection; paused until regained',
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
      leader ? `this replica ${this.#duty}` : `this replica no longer ${this.#duty}`,
    );
    this.#onChange(leader);
  }
}
