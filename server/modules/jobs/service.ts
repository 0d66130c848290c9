import { hasAnyRole } from '../../platform/access.ts';
import { ApiError, badRequest, notFound } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import { LEADER_LOCKS, Leadership } from '../../platform/leader.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { runDatasets } from './adapters/openlineage.ts';
import type { JobSource, JobSourceAdapter, SourceRun, SourceTask } from './adapters/types.ts';
import type { JobSourceConfig, JobsConfig } from './config.ts';
import {
  type ChildRunView,
  JOB_RECENT_RUNS,
  JOBS_TOPIC,
  type JobActions,
  type JobBoard,
  type JobList,
  type JobSourceView,
  type JobsLiveEvent,
  type JobView,
  type RerunResult,
  type RunDetail,
  type RunPage,
  type RunState,
  type RunView,
  type TaskView,
} from './contract.ts';
import { byAttention, isLate, jobHealth, p90 } from './health.ts';
import { type PollOutcome, SourcePoller } from './poller.ts';
import { createJobsStore, type JobsStore, parsePosition, type StoredRun } from './store.ts';
import { describeFailure, timeBoxed } from './timebox.ts';

/** Derived views are recomputed at most this often without news (late and recovered depend on the clock). */
const SNAPSHOT_MAX_AGE_MS = 10_000;
const P90_OF_SUCCESSES = 20;

type Action = 'trigger' | 'rerun' | 'cancel';
const METHOD = { trigger: 'trigger', rerun: 'rerunFailed', cancel: 'cancel' } as const;

interface SourceRuntime {
  config: JobSourceConfig;
  source: JobSource;
  poller: SourcePoller | null;
}

/** Everything the read routes answer from, shared by all callers (actions are added per caller). */
interface Snapshot {
  at: number;
  sources: Array<Omit<JobSourceView, 'actions'>>;
  jobs: JobView[];
  byKey: Map<string, JobView>;
  window: { from: string; to: string };
}

export interface JobListQuery {
  source?: string[];
  state?: RunState[];
  owner?: string;
  tag?: string;
  q?: string;
  limit: number;
}

const jobKey = (source: string, jobId: string) => JSON.stringify([source, jobId]);

const publicRun = ({ position: _position, ...run }: StoredRun): RunView => run;

export function runView(source: string, run: SourceRun): RunView {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  return {
    source,
    jobId: run.jobId,
    runId: run.runId,
    state: run.state,
    nativeState: run.nativeState,
    queuedAt: iso(run.queuedAt),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    durationMs: run.startedAt && run.endedAt ? run.endedAt.getTime() - run.startedAt.getTime() : null,
    trigger: run.trigger,
    triggeredBy: run.triggeredBy,
    error: run.error,
    url: run.url,
  };
}

function taskView(task: SourceTask): TaskView {
  const { startedAt: started, endedAt: ended } = task;
  return {
    ...task,
    startedAt: started?.toISOString() ?? null,
    endedAt: ended?.toISOString() ?? null,
    durationMs: started && ended ? ended.getTime() - started.getTime() : null,
    children: task.children ?? [],
  };
}

/** The run itself and every OpenLineage run under its tasks (ids that are not OpenLineage runs find nothing). */
function lineageRunIds(runId: string, tasks: TaskView[]): string[] {
  const ids = [runId];
  const walk = (children: ChildRunView[]) => {
    for (const child of children) {
      ids.push(child.runId);
      walk(child.children);
    }
  };
  for (const task of tasks) walk(task.children);
  return ids;
}

/** The source failed to answer a request: 502 with its reason (the stored data still shows). */
const sourceFailed = (runtime: SourceRuntime, error: unknown, details?: unknown) =>
  new ApiError(
    502,
    'source_error',
    `${runtime.config.name ?? runtime.config.id}: ${describeFailure(error)}`,
    details,
  );

/**
 * Polls every configured source on the leader replica (PostgreSQL advisory lock), keeps runs in
 * PostgreSQL, derives job health, and runs actions through the sources. Every replica answers reads
 * from one shared snapshot, recomputed when a poll anywhere changed something (the bus) or it is old.
 */
export class JobsService {
  readonly #ctx: ModuleContext;
  readonly #config: JobsConfig;
  readonly #store: JobsStore;
  readonly #sources = new Map<string, SourceRuntime>();
  readonly #leadership: Leadership;
  #snapshot: Promise<Snapshot> | null = null;
  #snapshotAt = 0;
  #generation = 0;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(ctx: ModuleContext, config: JobsConfig, adapters: readonly JobSourceAdapter[]) {
    this.#ctx = ctx;
    this.#config = config;
    this.#store = createJobsStore(ctx.db);
    const byKind = new Map(adapters.map((adapter) => [adapter.kind, adapter]));
    for (const source of config.sources) {
      const adapter = byKind.get(source.kind);
      // The config schema admits only registered kinds.
      if (!adapter) throw new Error(`jobs: no adapter for kind ${source.kind}`);
      const log = ctx.log.child({ module: 'jobs', jobSource: source.id });
      this.#sources.set(source.id, {
        config: source,
        source: adapter.create(source, { log, db: ctx.db }),
        poller: null,
      });
    }
    this.#leadership = new Leadership(ctx.db, ctx.log.child({ module: 'jobs' }), {
      lock: LEADER_LOCKS.jobSources,
      duty: 'polls job sources',
      onChange: (leader) => (leader ? void this.#lead() : void this.#follow()),
    });
  }

  get store(): JobsStore {
    return this.#store;
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#ctx.bus.subscribe((event) => {
      if (event.topic === JOBS_TOPIC) this.#invalidate();
    });
    if (this.#sources.size) await this.#leadership.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    await this.#follow();
    await this.#leadership.stop();
    await Promise.allSettled([...this.#sources.values()].map((runtime) => runtime.source.close?.()));
  }

  async #lead(): Promise<void> {
    if (this.#stopped) return;
    const states = new Map((await this.#store.sourceStates()).map((state) => [state.source, state]));
    if (this.#stopped || !this.#leadership.isLeader) return;
    for (const runtime of this.#sources.values()) {
      runtime.poller = new SourcePoller({
        config: runtime.config,
        source: runtime.source,
        store: this.#store,
        log: this.#ctx.log.child({ module: 'jobs' }),
        initial: states.get(runtime.config.id),
        onPoll: (outcome) => void this.#afterPoll(outcome),
      });
      runtime.poller.start();
    }
  }

  async #follow(): Promise<void> {
    await Promise.all(
      [...this.#sources.values()].map(async (runtime) => {
        await runtime.poller?.stop();
        runtime.poller = null;
      }),
    );
  }

  /** Retention runs on the leader after every poll: an index probe on sort_at that rarely finds rows. */
  #retentionDue(): void {
    this.deleteExpiredRuns()
      .then((deleted) => {
        if (deleted) this.#invalidate();
      })
      .catch((error) => this.#ctx.log.warn({ err: error }, 'jobs: retention failed'));
  }

  /** Deletes runs past retention. */
  deleteExpiredRuns(): Promise<number> {
    return this.#store.deleteRunsBefore(new Date(Date.now() - this.#config.retentionDays * 86_400_000));
  }

  async #afterPoll(outcome: PollOutcome): Promise<void> {
    this.#retentionDue();
    if (outcome.runs.length) this.#publishRuns(outcome.runs.map(publicRun));
    if (outcome.status) {
      this.#invalidate();
      const snapshot = await this.#current().catch(() => null);
      if (!snapshot) return;
      // Live events go to everyone: actions are per caller, so they come from GET /api/jobs.
      const none: JobActions = { trigger: false, rerunFailed: false, cancel: false };
      const event: JobsLiveEvent = {
        topic: JOBS_TOPIC,
        type: 'sources',
        data: snapshot.sources.map((source) => ({ ...source, actions: none })),
      };
      this.#ctx.bus.publish(event);
    }
  }

  #publishRuns(runs: RunView[]): void {
    this.#invalidate();
    const event: JobsLiveEvent = { topic: JOBS_TOPIC, type: 'runs', data: runs };
    this.#ctx.bus.publish(event);
  }

  #invalidate(): void {
    this.#generation++;
    this.#snapshot = null;
  }

  #current(): Promise<Snapshot> {
    if (this.#snapshot && Date.now() - this.#snapshotAt < SNAPSHOT_MAX_AGE_MS) return this.#snapshot;
    const generation = this.#generation;
    const computing = this.#compute();
    this.#snapshot = computing;
    this.#snapshotAt = Date.now();
    computing.catch(() => {
      if (this.#generation === generation && this.#snapshot === computing) this.#snapshot = null;
    });
    return computing;
  }

  async #compute(): Promise<Snapshot> {
    const ids = [...this.#sources.keys()];
    const now = Date.now();
    const from = new Date(now - this.#config.windowDays * 86_400_000);
    const [states, jobs, recent, counts, durations] = await Promise.all([
      this.#store.sourceStates(),
      this.#store.jobs(ids),
      this.#store.recentRuns(ids, JOB_RECENT_RUNS),
      this.#store.counts(ids, from),
      this.#store.successDurations(ids, P90_OF_SUCCESSES),
    ]);
    const recentOf = groupBy(recent, (run) => jobKey(run.source, run.jobId));
    const countsOf = groupBy(counts, (count) => jobKey(count.source, count.jobId));
    const p90Of = new Map(durations.map((d) => [jobKey(d.source, d.jobId), p90(d.durations)]));
    const views = jobs.map((job): JobView => {
      const key = jobKey(job.source, job.jobId);
      const runs = (recentOf.get(key) ?? []).map(publicRun);
      const p90Ms = p90Of.get(key) ?? null;
      const { health, since } = jobHealth(runs, p90Ms, now);
      const jobCounts: JobView['counts'] = {};
      for (const count of countsOf.get(key) ?? []) jobCounts[count.state] = count.n;
      return { ...job, health, healthSince: since, recent: runs, counts: jobCounts, p90DurationMs: p90Ms };
    });
    views.sort(byAttention);
    const stateOf = new Map(states.map((state) => [state.source, state]));
    const jobCount = groupBy(views, (view) => view.source);
    const sources = [...this.#sources.values()].map(({ config }) => {
      const state = stateOf.get(config.id);
      return {
        id: config.id,
        kind: config.kind,
        name: config.name ?? config.id,
        url: config.url ?? null,
        service: config.service ?? null,
        status: state?.status ?? 'unknown',
        error: state?.error ?? null,
        lastPollAt: state?.lastPollAt?.toISOString() ?? null,
        jobCount: jobCount.get(config.id)?.length ?? 0,
      };
    });
    return {
      at: now,
      sources,
      jobs: views,
      byKey: new Map(views.map((view) => [jobKey(view.source, view.jobId), view])),
      window: { from: from.toISOString(), to: new Date(now).toISOString() },
    };
  }

  /** What the caller may do on a source: what its kind implements and its roles allow. */
  #actionsFor(user: User, runtime: SourceRuntime): JobActions {
    const may = (action: Action) =>
      Boolean(runtime.source[METHOD[action]]) && hasAnyRole(user, runtime.config.roles[action]);
    return { trigger: may('trigger'), rerunFailed: may('rerun'), cancel: may('cancel') };
  }

  #sourceViews(user: User, snapshot: Snapshot): JobSourceView[] {
    return snapshot.sources.map((source) => ({
      ...source,
      actions: this.#actionsFor(user, this.#sources.get(source.id)!),
    }));
  }

  async list(user: User, query: JobListQuery): Promise<JobList> {
    const snapshot = await this.#current();
    const q = query.q?.toLowerCase();
    const owner = query.owner?.toLowerCase();
    const matching = snapshot.jobs.filter(
      (job) =>
        (!query.source?.length || query.source.includes(job.source)) &&
        (!query.state?.length || query.state.some((state) => job.counts[state])) &&
        (!owner || job.owner?.toLowerCase() === owner) &&
        (!query.tag || job.tags.includes(query.tag)) &&
        (!q || job.name.toLowerCase().includes(q) || job.jobId.toLowerCase().includes(q)),
    );
    return {
      sources: this.#sourceViews(user, snapshot),
      jobs: matching.slice(0, query.limit),
      total: matching.length,
      window: snapshot.window,
    };
  }

  async board(user: User): Promise<JobBoard> {
    const snapshot = await this.#current();
    const now = Date.now();
    const running: RunView[] = [];
    const late: RunView[] = [];
    for (const job of snapshot.jobs)
      for (const run of job.recent) {
        if (run.state !== 'running' && run.state !== 'queued') continue;
        (isLate(run, job.p90DurationMs, now) ? late : running).push(run);
      }
    const newestFirst = (a: JobView, b: JobView) => (b.healthSince ?? '').localeCompare(a.healthSince ?? '');
    return {
      failing: snapshot.jobs.filter((job) => job.health === 'failing').sort(newestFirst),
      running,
      late,
      recovered: snapshot.jobs.filter((job) => job.health === 'recovered').sort(newestFirst),
      sources: this.#sourceViews(user, snapshot),
    };
  }

  #runtime(sourceId: string): SourceRuntime {
    const runtime = this.#sources.get(sourceId);
    if (!runtime) throw notFound(`No job source "${sourceId}"`);
    return runtime;
  }

  async #job(sourceId: string, jobId: string): Promise<JobView> {
    this.#runtime(sourceId);
    const job = (await this.#current()).byKey.get(jobKey(sourceId, jobId));
    if (!job) throw notFound(`No job "${jobId}" in source "${sourceId}"`);
    return job;
  }

  async #storedRun(sourceId: string, jobId: string, runId: string): Promise<StoredRun> {
    const run = await this.#store.run(sourceId, jobId, runId);
    if (!run) throw notFound(`No run "${runId}" of job "${jobId}" in source "${sourceId}"`);
    return run;
  }

  async runs(sourceId: string, jobId: string, before: string | undefined, limit: number): Promise<RunPage> {
    const position = before === undefined ? null : parsePosition(before);
    if (before !== undefined && !position) {
      const problem = { in: 'query', path: 'before', message: 'not a cursor this API gave' };
      throw badRequest(`query.before: ${problem.message}`, { problems: [problem] });
    }
    const job = await this.#job(sourceId, jobId);
    const page = await this.#store.runPage(sourceId, jobId, position, limit + 1);
    const runs = page.slice(0, limit);
    return {
      job,
      runs: runs.map(publicRun),
      next: page.length > limit ? runs[runs.length - 1]!.position : null,
    };
  }

  async runDetail(sourceId: string, jobId: string, runId: string): Promise<RunDetail> {
    const runtime = this.#runtime(sourceId);
    const job = await this.#job(sourceId, jobId);
    const run = publicRun(await this.#storedRun(sourceId, jobId, runId));
    try {
      const tasks = await timeBoxed(runtime.config.timeoutMs, 'listing tasks', (signal) =>
        runtime.source.runTasks(jobId, runId, signal),
      );
      const views = tasks.map(taskView);
      return {
        job,
        run,
        tasks: views,
        datasets: await runDatasets(this.#ctx.db, lineageRunIds(run.runId, views)),
      };
    } catch (error) {
      throw sourceFailed(runtime, error, { job, run });
    }
  }

  /** The source, if its kind implements `action` (405 otherwise) and the caller may take it (403). */
  #actionable(user: User, sourceId: string, action: Action): SourceRuntime {
    const runtime = this.#runtime(sourceId);
    if (!runtime.source[METHOD[action]])
      throw new ApiError(
        405,
        'not_supported',
        `Job source "${sourceId}" (${runtime.config.kind}) does not support ${action === 'rerun' ? 're-running failed tasks' : action}`,
      );
    if (!hasAnyRole(user, runtime.config.roles[action]))
      throw new ApiError(
        403,
        'forbidden',
        `Requires one of the roles ${runtime.config.roles[action].join(', ')} to ${action} on "${sourceId}"`,
      );
    return runtime;
  }

  async #act<T>(runtime: SourceRuntime, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await timeBoxed(runtime.config.timeoutMs, what, work);
    } catch (error) {
      throw sourceFailed(runtime, error);
    }
  }

  /** Stores runs an action started or changed, so they show before the next poll, and polls soon. */
  async #afterAction(runtime: SourceRuntime, runs: SourceRun[]): Promise<void> {
    const changed = await this.#store.upsertRuns(runtime.config.id, runs);
    if (changed.length) this.#publishRuns(changed.map(publicRun));
    runtime.poller?.pollSoon();
  }

  async trigger(
    user: User,
    sourceId: string,
    jobId: string,
    conf: Record<string, unknown>,
  ): Promise<RunView> {
    const runtime = this.#actionable(user, sourceId, 'trigger');
    await this.#job(sourceId, jobId);
    const run = await this.#act(runtime, 'triggering', (signal) =>
      runtime.source.trigger!(jobId, conf, signal),
    );
    await this.#afterAction(runtime, [run]);
    return runView(sourceId, run);
  }

  async rerunFailed(
    user: User,
    sourceId: string,
    jobId: string,
    runId: string,
    dryRun: boolean,
  ): Promise<RerunResult> {
    const runtime = this.#actionable(user, sourceId, 'rerun');
    await this.#storedRun(sourceId, jobId, runId);
    const result = await this.#act(runtime, 're-running failed tasks', (signal) =>
      runtime.source.rerunFailed!(jobId, runId, dryRun, signal),
    );
    if (!dryRun) await this.#afterAction(runtime, result.run ? [result.run] : []);
    return {
      dryRun,
      tasks: result.tasks.map((task) => ({ id: task.id, state: task.state, mapIndex: task.mapIndex })),
      run: result.run ? runView(sourceId, result.run) : null,
    };
  }

  async cancel(user: User, sourceId: string, jobId: string, runId: string): Promise<void> {
    const runtime = this.#actionable(user, sourceId, 'cancel');
    await this.#storedRun(sourceId, jobId, runId);
    await this.#act(runtime, 'cancelling', (signal) => runtime.source.cancel!(jobId, runId, signal));
    await this.#afterAction(runtime, []);
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
