import type pg from 'pg';
import type { Db } from './db/pool.ts';
import type { Logger } from './log.ts';

/** The leader re-checks its lock connection this often; followers try to take the lock this often. */
const LEADER_CHECK_MS = 2_000;
const FOLLOWER_TRY_MS = 1_000;
/** A check that hangs this long (a half-open connection) ends the leadership: better idle than twice. */
const CHECK_TIMEOUT_MS = 3_000;

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
 * Losing the connection loses the lock; every replica keeps trying, so another one takes over. The
 * leader drops its duty as soon as that connection errors or a check hangs, and `fenced` writes go
 * through the lock's own connection, so they fail once the lock may belong to someone else.
 */
export class Leadership {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #lock: number;
  readonly #duty: string;
  readonly #onChange: (leader: boolean) => void;
  #client: pg.PoolClient | undefined;
  /** The lock connection's statements, one at a time (pg only queues concurrent ones on a client, with a warning). */
  #inTurn: Promise<unknown> = Promise.resolve();
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

  /**
   * Runs a statement on the connection that holds the lock: it succeeds only while this replica leads.
   * A duty records what it is about to do this way, so a successor can continue without repeating it.
   */
  async fenced<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const client = this.#client;
    if (!client || !this.#leader) throw new Error(`not the leader (${this.#duty})`);
    try {
      return await this.#inOrder(() => client.query<R>(sql, params));
    } catch (error) {
      this.#lose(client, error);
      throw error;
    }
  }

  async #check(): Promise<void> {
    if (this.#stopped) return;
    const held = this.#client;
    try {
      if (held) {
        await this.#inOrder(() => held.query('SELECT 1'));
      } else {
        const client = await this.#db.pool.connect();
        const { rows } = await client
          .query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.#lock])
          .catch((error) => {
            client.release(error);
            throw error;
          });
        if (rows[0]?.locked && !this.#stopped) {
          this.#client = client;
          const lose = (error?: Error) => this.#lose(client, error ?? new Error('connection ended'));
          client.on('error', lose);
          client.on('end', lose);
          this.#set(true);
        } else {
          client.release();
        }
      }
    } catch (error) {
      if (held) this.#lose(held, error);
      this.#set(false);
    }
    if (!this.#stopped) {
      this.#timer = setTimeout(() => this.#check(), this.#leader ? LEADER_CHECK_MS : FOLLOWER_TRY_MS);
      this.#timer.unref();
    }
  }

  /** The lock connection failed: the lock may be someone else's already, so the duty stops now. */
  /** Runs `statement` on the lock connection after the ones before it, time-boxed from its own start. */
  #inOrder<T>(statement: () => Promise<T>): Promise<T> {
    const run = this.#inTurn.then(() => withTimeout(statement(), CHECK_TIMEOUT_MS));
    this.#inTurn = run.catch(() => undefined);
    return run;
  }

  #lose(client: pg.PoolClient, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#log.warn(
      { err: error, duty: this.#duty },
      'lost the leader lock connection; paused until regained',
    );
    client.release(error instanceof Error ? error : new Error(String(error)));
    this.#set(false);
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
