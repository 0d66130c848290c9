import type { Logger } from '../../platform/log.ts';
import type { JobSource } from './adapters/types.ts';
import type { JobSourceConfig } from './config.ts';
import type { SourceStatus } from './contract.ts';
import type { JobsStore, SourceStateRow, StoredRun } from './store.ts';
import { describeFailure, timeBoxed } from './timebox.ts';

/** Jobs (DAG lists) change rarely: they are listed on the first poll, then every Nth poll or this often. */
export const JOBS_EVERY_POLLS = 10;
export const JOBS_EVERY_MS = 300_000;

export interface PollOutcome {
  runs: StoredRun[];
  /** Set when the source's status or error changed with this poll. */
  status?: { status: SourceStatus; error: string | null };
  /** The source's job list was read and something in it was new or changed. */
  jobsChanged?: boolean;
}

export interface PollerOptions {
  config: JobSourceConfig;
  source: JobSource;
  store: JobsStore;
  log: Logger;
  /** What the last poll left (cursor, status), from jobs_sources. */
  initial: SourceStateRow | undefined;
  onPoll: (outcome: PollOutcome) => void;
  now?: () => number;
}

/**
 * Polls one source on its own interval: one listRuns per interval whoever looks (the next poll is
 * scheduled when this one ends, never overlapping), listJobs less often, each call time-boxed. A failing
 * source is marked degraded with the reason; its cursor and stored runs stay.
 */
export class SourcePoller {
  readonly #options: PollerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #cursor: string | null;
  #status: SourceStatus;
  #error: string | null;
  #polls = 0;
  #jobsAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#log = options.log.child({ jobSource: options.config.id });
    this.#now = options.now ?? Date.now;
    this.#cursor = options.initial?.cursor ?? null;
    this.#status = options.initial?.status ?? 'unknown';
    this.#error = options.initial?.error ?? null;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Polls now if no poll is running (after an action, so its effect shows at once); else waits for it. */
  pollSoon(): void {
    if (this.#stopped || this.#running) return;
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      const started = this.#now();
      this.#running = this.poll().finally(() => {
        this.#running = undefined;
        const interval = this.#options.config.intervalMs;
        if (!this.#stopped) this.#schedule(Math.max(0, interval - (this.#now() - started)));
      });
    }, delay);
    this.#timer.unref();
  }

  /** One poll; never throws (failures degrade the source). */
  async poll(): Promise<void> {
    const { config, source, store } = this.#options;
    let outcome: PollOutcome;
    let jobsChanged = false;
    try {
      if (this.#jobsDue()) {
        const jobs = await timeBoxed(config.timeoutMs, 'listing jobs', (signal) => source.listJobs(signal));
        jobsChanged = (await store.saveJobs(config.id, jobs)) > 0;
        this.#jobsAt = this.#now();
      }
      this.#polls++;
      const changes = await timeBoxed(config.timeoutMs, 'listing runs', (signal) =>
        source.listRuns({ signal, since: this.#cursor }),
      );
      const runs = await store.pollSucceeded(config.id, changes.runs, changes.cursor);
      this.#cursor = changes.cursor;
      outcome = { runs, status: this.#setStatus('ok', null), jobsChanged };
    } catch (error) {
      const reason = describeFailure(error);
      if (reason !== this.#error) this.#log.warn({ reason }, 'job source poll failed');
      outcome = { runs: [], status: this.#setStatus('degraded', reason), jobsChanged };
      await store.pollFailed(config.id, reason).catch((stored) => {
        this.#log.warn({ err: stored }, 'saving the job source status failed');
      });
    }
    this.#options.onPoll(outcome);
  }

  #jobsDue(): boolean {
    return this.#polls % JOBS_EVERY_POLLS === 0 || this.#now() - this.#jobsAt >= JOBS_EVERY_MS;
  }

  #setStatus(status: SourceStatus, error: string | null): PollOutcome['status'] {
    if (status === this.#status && error === this.#error) return undefined;
    this.#status = status;
    this.#error = error;
    return { status, error };
  }
}
