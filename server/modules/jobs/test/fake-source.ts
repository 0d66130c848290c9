import { z } from 'zod';
import {
  defineJobSource,
  type JobSource,
  type JobSourceAdapter,
  type PollOptions,
  type RunChanges,
  type SourceCommonConfig,
  type SourceJob,
  type SourceRun,
  type SourceTask,
} from '../adapters/types.ts';
import { sourceSchema } from '../config.ts';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });

export const job = (jobId: string, extra: Partial<SourceJob> = {}): SourceJob => ({
  jobId,
  name: jobId,
  owner: null,
  tags: [],
  schedule: null,
  nextRunAt: null,
  paused: false,
  url: null,
  ...extra,
});

/** A run that started `agoMs` ago and took `durationMs` (null: still running). */
export function run(
  jobId: string,
  runId: string,
  state: SourceRun['state'],
  agoMs: number,
  durationMs: number | null = 60_000,
): SourceRun {
  const startedAt = new Date(Date.now() - agoMs);
  return {
    jobId,
    runId,
    state,
    nativeState: state.toUpperCase(),
    queuedAt: startedAt,
    startedAt,
    endedAt: durationMs === null ? null : new Date(startedAt.getTime() + durationMs),
    trigger: 'scheduled',
    triggeredBy: null,
    error: state === 'failed' ? 'boom' : null,
    url: null,
  };
}

/**
 * A job source whose answers a test sets: runs carry a version, the cursor is the highest version
 * handed out, so a poll with a cursor returns only runs changed since. Counts every call.
 */
export class FakeSource implements JobSource {
  jobs: SourceJob[] = [];
  tasks: SourceTask[] = [];
  /** Thrown by every call while set. */
  failure: string | null = null;
  /** Every call waits this long first (ignores nothing: the signal cuts it short). */
  delayMs = 0;
  readonly calls = { listJobs: 0, listRuns: 0, runTasks: 0, trigger: 0, rerunFailed: 0, cancel: 0 };
  readonly sinces: Array<string | null> = [];
  readonly #runs = new Map<string, { run: SourceRun; version: number }>();
  #version = 0;

  setRun(run: SourceRun): void {
    this.#runs.set(`${run.jobId}/${run.runId}`, { run, version: ++this.#version });
  }

  async #answer<T>(signal: AbortSignal, value: () => T): Promise<T> {
    if (this.delayMs) await sleep(this.delayMs, signal);
    if (this.failure) throw new Error(this.failure);
    return value();
  }

  listJobs(signal: AbortSignal): Promise<SourceJob[]> {
    this.calls.listJobs++;
    return this.#answer(signal, () => this.jobs);
  }

  listRuns({ signal, since }: PollOptions): Promise<RunChanges> {
    this.calls.listRuns++;
    this.sinces.push(since);
    return this.#answer(signal, () => {
      const after = Number(since ?? 0);
      const changed = [...this.#runs.values()].filter((entry) => entry.version > after);
      return { runs: changed.map((entry) => entry.run), cursor: String(this.#version) };
    });
  }

  runTasks(_jobId: string, _runId: string, signal: AbortSignal): Promise<SourceTask[]> {
    this.calls.runTasks++;
    return this.#answer(signal, () => this.tasks);
  }

  trigger(jobId: string, _conf: Record<string, unknown>, signal: AbortSignal): Promise<SourceRun> {
    this.calls.trigger++;
    return this.#answer(signal, () => {
      const started = run(jobId, `manual__${this.calls.trigger}`, 'queued', 0, null);
      this.setRun(started);
      return started;
    });
  }

  rerunFailed(jobId: string, runId: string, dryRun: boolean, signal: AbortSignal) {
    this.calls.rerunFailed++;
    return this.#answer(signal, () => ({
      tasks: this.tasks.filter((task) => task.state === 'failed'),
      run: dryRun ? null : run(jobId, `${runId}-rerun`, 'queued', 0, null),
    }));
  }

  cancel(jobId: string, runId: string, signal: AbortSignal): Promise<void> {
    this.calls.cancel++;
    return this.#answer(signal, () => {
      const entry = this.#runs.get(`${jobId}/${runId}`);
      if (entry) this.setRun({ ...entry.run, state: 'cancelled', nativeState: 'CANCELLED' });
    });
  }
}

/** The fakes the running Labdecks created, by source id (ids are unique across a test file). */
export const fakeSources = new Map<string, FakeSource>();

/** Kind `fake` (tests only): `readOnly: true` gives a source without actions. */
export const fakeSourceKind = defineJobSource({
  kind: 'fake',
  schema: z.strictObject({ kind: z.literal('fake'), readOnly: z.boolean().default(false) }),
  create(config) {
    const source = fakeSources.get(config.id) ?? new FakeSource();
    fakeSources.set(config.id, source);
    if (!config.readOnly) return source;
    return {
      listJobs: (signal) => source.listJobs(signal),
      listRuns: (options) => source.listRuns(options),
      runTasks: (jobId, runId, signal) => source.runTasks(jobId, runId, signal),
    };
  },
});

/** A source entry as the module hands it to `adapter.create`: the common keys defaulted, id `test`. */
export function sourceConfig<S extends z.ZodObject>(
  adapter: JobSourceAdapter<S>,
  raw: Record<string, unknown>,
): z.output<S> & SourceCommonConfig {
  return sourceSchema([adapter as unknown as JobSourceAdapter]).parse({
    id: 'test',
    ...raw,
  }) as unknown as z.output<S> & SourceCommonConfig;
}
