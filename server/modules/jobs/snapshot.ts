import { setImmediate } from 'node:timers/promises';
import type { JsonBody } from '../../platform/json-body.ts';
import {
  JOB_RECENT_RUNS,
  type JobSourceView,
  type JobView,
  type RunState,
  type RunView,
} from './contract.ts';
import { byAttention, jobHealth, p90 } from './health.ts';
import type { JobRow, JobScope, JobsStore, SourceStateRow, StoredRun } from './store.ts';

/** Health (late, recovered) is re-derived from memory this often: it depends on the clock. */
export const SNAPSHOT_MAX_AGE_MS = 10_000;
/**
 * Everything is re-read this often, in the background: counts drift this long as runs leave the window
 * (news is read at once: changed runs, job lists and source states come as events).
 */
export const SNAPSHOT_RELOAD_MS = 300_000;
const P90_OF_SUCCESSES = 20;
/** Jobs per slice when deriving views, between which the event loop runs. */
const SLICE = 1_000;
/** Jobs whose runs one query of a full load reads (10,000 runs): parsing them is one short stall. */
const LOAD_CHUNK = 500;

export const jobKey = (source: string, jobId: string) => JSON.stringify([source, jobId]);

const publicRun = ({ position: _position, ...run }: StoredRun): RunView => run;

/** What the store knows of one job. */
interface JobData {
  job: JobRow;
  recent: RunView[];
  counts: JobView['counts'];
  p90Ms: number | null;
  /** The view last derived from this data, reused while its health holds (its JSON is cached with it). */
  view?: JobView;
}

/** Everything the read routes answer from, shared by all callers (actions are added per caller). */
export interface Snapshot {
  at: number;
  sources: Array<Omit<JobSourceView, 'actions'>>;
  jobs: JobView[];
  byKey: Map<string, JobView>;
  window: { from: string; to: string };
  /** Serialised answers of this snapshot by query and caller's actions (see JobsService). */
  bodies: Map<string, Promise<JsonBody>>;
}

export interface SnapshotOptions {
  store: JobsStore;
  /** Configured sources, in order, with what their view shows besides the stored state. */
  sources: () => Array<Omit<JobSourceView, 'actions' | 'status' | 'error' | 'lastPollAt' | 'jobCount'>>;
  windowDays: number;
}

/**
 * The jobs' derived views, kept in memory: loaded in full at first and then every SNAPSHOT_RELOAD_MS in
 * the background; the jobs a poll changed are re-read alone before the next answer (so a client that
 * refetches after a live event sees the change); health is re-derived from memory as the clock moves.
 */
export class JobsSnapshot {
  readonly #options: SnapshotOptions;
  #data = new Map<string, JobData>();
  #states: SourceStateRow[] = [];
  #view: Snapshot | null = null;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #full = true;
  #dirty = new Set<string>();
  #work: Promise<void> | null = null;
  /** The running work reads news (not only the periodic reload): answers wait for it. */
  #workHasNews = false;
  #deriving: Promise<void> | null = null;
  /** Bumped whenever #data or #states is replaced or updated: a derivation of older data is dropped. */
  #version = 0;

  constructor(options: SnapshotOptions) {
    this.#options = options;
  }

  /** Everything is re-read before the next answer (source status, job lists, retention). */
  invalidateAll(): void {
    this.#full = true;
  }

  /** These jobs are re-read before the next answer. */
  invalidateJobs(jobs: Iterable<{ source: string; jobId: string }>): void {
    for (const job of jobs) this.#dirty.add(jobKey(job.source, job.jobId));
  }

  async current(): Promise<Snapshot> {
    for (;;) {
      const view = this.#view;
      const blocked = !view || this.#full || this.#dirty.size > 0;
      if (this.#work) {
        if (blocked || this.#workHasNews) {
          await this.#work;
          continue;
        }
        return view;
      }
      const now = Date.now();
      if (!blocked && now - this.#loadedAt < SNAPSHOT_RELOAD_MS) {
        if (now - view.at >= SNAPSHOT_MAX_AGE_MS) {
          this.#deriving ??= this.#rederive().finally(() => {
            this.#deriving = null;
          });
          await this.#deriving;
        }
        return this.#view!;
      }
      this.#workHasNews = blocked;
      this.#work = this.#update().finally(() => {
        this.#work = null;
      });
      // Past the reload age with nothing new: the old view answers while the new one is read.
      if (!blocked) return view;
    }
  }

  async #update(): Promise<void> {
    const full = this.#full || !this.#view || Date.now() - this.#loadedAt >= SNAPSHOT_RELOAD_MS;
    const dirty = [...this.#dirty];
    this.#full = false;
    this.#dirty.clear();
    try {
      if (full) await this.#load();
      else if (!(await this.#refresh(dirty))) await this.#load();
      await this.#derive();
    } catch (error) {
      // Read again on the next call.
      if (full) this.#full = true;
      for (const key of dirty) this.#dirty.add(key);
      throw error;
    }
  }

  async #read(scope: JobScope) {
    const { store, windowDays } = this.#options;
    const from = new Date(Date.now() - windowDays * 86_400_000);
    const [states, jobs, counts] = await Promise.all([
      store.sourceStates(),
      store.jobs(scope),
      store.counts(scope, from),
    ]);
    const data = new Map<string, JobData>();
    for (const job of jobs)
      data.set(jobKey(job.source, job.jobId), { job, recent: [], counts: {}, p90Ms: null });
    // The runs of a few hundred jobs at a time, so that no single answer stalls the event loop for long.
    const durations: Awaited<ReturnType<JobsStore['successDurations']>> = [];
    for (let at = 0; at < jobs.length; at += LOAD_CHUNK) {
      const chunk = { sources: scope.sources, only: jobs.slice(at, at + LOAD_CHUNK) };
      const [runs, times] = await Promise.all([
        store.recentRuns(chunk, JOB_RECENT_RUNS),
        store.successDurations(chunk, P90_OF_SUCCESSES),
      ]);
      for (const run of runs) data.get(jobKey(run.source, run.jobId))?.recent.push(publicRun(run));
      durations.push(...times);
    }
    for (const count of counts) {
      const entry = data.get(jobKey(count.source, count.jobId));
      if (entry) entry.counts[count.state as RunState] = count.n;
    }
    for (const d of durations) {
      const entry = data.get(jobKey(d.source, d.jobId));
      if (entry) entry.p90Ms = p90(d.durations);
    }
    return { states, data };
  }

  #sourceIds(): string[] {
    return this.#options.sources().map((source) => source.id);
  }

  async #load(): Promise<void> {
    const started = Date.now();
    const { states, data } = await this.#read({ sources: this.#sourceIds() });
    this.#states = states;
    this.#data = data;
    this.#loadedAt = started;
    this.#version++;
  }

  /** Re-reads the given jobs; false when one is new (its place in the order needs a full load). */
  async #refresh(keys: string[]): Promise<boolean> {
    if (!keys.length) return true;
    const only = keys.map((key) => {
      const [source, jobId] = JSON.parse(key) as [string, string];
      return { source, jobId };
    });
    const { states, data } = await this.#read({ sources: this.#sourceIds(), only });
    if ([...data.keys()].some((key) => !this.#data.has(key))) return false;
    this.#states = states;
    for (const [key, entry] of data) this.#data.set(key, entry);
    this.#version++;
    return true;
  }

  /** As the clock moves: source states (last poll times) again, and health from memory. */
  async #rederive(): Promise<void> {
    const version = this.#version;
    const states = await this.#options.store.sourceStates();
    if (version !== this.#version) return;
    this.#states = states;
    await this.#derive();
  }

  /**
   * Views from memory, in slices; a job whose data and health did not change keeps its view object, and
   * when none changed the snapshot stays (with its serialised answers and their ETags).
   */
  async #derive(): Promise<void> {
    const version = this.#version;
    const now = Date.now();
    const jobs: JobView[] = [];
    let changed = !this.#view;
    let done = 0;
    for (const entry of this.#data.values()) {
      if (++done % SLICE === 0) await setImmediate();
      const { health, since } = jobHealth(entry.recent, entry.p90Ms, now);
      if (entry.view?.health !== health || entry.view.healthSince !== since) {
        changed = true;
        entry.view = {
          ...entry.job,
          health,
          healthSince: since,
          recent: entry.recent,
          counts: entry.counts,
          p90DurationMs: entry.p90Ms,
        };
      } else if (this.#view && this.#view.byKey.get(jobKey(entry.job.source, entry.job.jobId)) !== entry.view)
        changed = true;
      jobs.push(entry.view);
    }
    // A refresh or load meanwhile made newer data: its own derivation wins.
    if (version !== this.#version) return;
    const stateOf = new Map(this.#states.map((state) => [state.source, state]));
    const jobCount = new Map<string, number>();
    for (const job of jobs) jobCount.set(job.source, (jobCount.get(job.source) ?? 0) + 1);
    const sources = this.#options.sources().map((source) => {
      const state = stateOf.get(source.id);
      return {
        ...source,
        status: state?.status ?? 'unknown',
        error: state?.error ?? null,
        lastPollAt: state?.lastPollAt?.toISOString() ?? null,
        jobCount: jobCount.get(source.id) ?? 0,
      };
    });
    if (this.#view && !changed && jobs.length === this.#view.jobs.length) {
      if (JSON.stringify(sources) === JSON.stringify(this.#view.sources)) {
        this.#view.at = now;
        return;
      }
    }
    jobs.sort(byAttention);
    // The counts are those of the last full read (refreshed jobs' are a little younger).
    const to = Math.max(this.#loadedAt, 0);
    const from = new Date(to - this.#options.windowDays * 86_400_000);
    this.#view = {
      at: now,
      sources,
      jobs,
      byKey: new Map(jobs.map((view) => [jobKey(view.source, view.jobId), view])),
      window: { from: from.toISOString(), to: new Date(to).toISOString() },
      bodies: new Map(),
    };
  }
}

/** The JSON of a job view, made once per view object (views are reused while unchanged). */
const jobJson = new WeakMap<JobView, string>();
export function jobViewJson(view: JobView): string {
  let text = jobJson.get(view);
  if (text === undefined) {
    text = JSON.stringify(view);
    jobJson.set(view, text);
  }
  return text;
}

/** `{...head, [field]: views}` as JSON text, the views from their cached JSON, made in slices. */
export async function withViews(head: object, fields: Record<string, JobView[]>): Promise<string> {
  const parts: string[] = [];
  for (const [field, views] of Object.entries(fields)) {
    const texts: string[] = [];
    for (let at = 0; at < views.length; at += 100) {
      if (at) await setImmediate();
      for (const view of views.slice(at, at + 100)) texts.push(jobViewJson(view));
    }
    parts.push(`${JSON.stringify(field)}:[${texts.join(',')}]`);
  }
  const start = JSON.stringify(head);
  return start === '{}' ? `{${parts.join(',')}}` : `${start.slice(0, -1)},${parts.join(',')}}`;
}
