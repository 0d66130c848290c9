import { hasAnyRole } from '../../platform/access.ts';
import { ApiError, badRequest, notFound } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import type { JsonBody } from '../../platform/json-body.ts';
import { jsonBody } from '../../platform/json-body.ts';
import { LEADER_LOCKS, Leadership } from '../../platform/leader.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { runDatasets } from './adapters/openlineage.ts';
import type { JobSource, JobSourceAdapter, SourceRun, SourceTask } from './adapters/types.ts';
import type { JobSourceConfig, JobsConfig } from './config.ts';
import {
  type ChildRunView,
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
import { isLate } from './health.ts';
import { type PollOutcome, SourcePoller } from './poller.ts';
import { JobsSnapshot, jobKey, type Snapshot, withViews } from './snapshot.ts';
import {
  createJobsStore,
  type JobsStore,
  parsePosition,
  type SourceStateRow,
  type StoredRun,
} from './store.ts';
import { describeFailure, timeBoxed } from './timebox.ts';

type Action = 'trigger' | 'rerun' | 'cancel';
const METHOD = { trigger: 'trigger', rerun: 'rerunFailed', cancel: 'cancel' } as const;

interface SourceRuntime {
  config: JobSourceConfig;
  source: JobSource;
  poller: SourcePoller | null;
}

export interface JobListQuery {
  source?: string[];
  state?: RunState[];
  owner?: string;
  tag?: string;
  q?: string;
  limit: number;
}

/** Serialised answers kept per snapshot at most (distinct filters times distinct role sets). */
const MAX_BODIES = 200;

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
  readonly #snapshot: JobsSnapshot;
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
    this.#snapshot = new JobsSnapshot({
      store: this.#store,
      windowDays: config.windowDays,
      sources: () =>
        [...this.#sources.values()].map(({ config: source }) => ({
          id: source.id,
          kind: source.kind,
          name: source.name ?? source.id,
          url: source.url ?? null,
          service: source.service ?? null,
        })),
    });
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
      if (event.topic !== JOBS_TOPIC) return;
      const live = event as JobsLiveEvent;
      if (live.type === 'runs') this.#snapshot.invalidateJobs(live.data);
      else this.#snapshot.invalidateAll();
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
    let states: Map<string, SourceStateRow>;
    try {
      states = new Map((await this.#store.sourceStates()).map((state) => [state.source, state]));
    } catch (error) {
      // Leadership can come back a moment before the database answers everyone (an outage ending):
      // retry instead of leaving an unhandled rejection, which would end the process.
      this.#ctx.log.warn({ err: error }, 'job source states unreadable; retrying');
      setTimeout(() => void this.#lead(), 1_000).unref();
      return;
    }
    const polling = [...this.#sources.values()].some((runtime) => runtime.poller);
    if (this.#stopped || !this.#leadership.isLeader || polling) return;
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
        if (deleted) this.#snapshot.invalidateAll();
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
    // A new status or job list: every replica reads everything again (rare: DAG lists seldom change).
    if (outcome.status || outcome.jobsChanged) {
      this.#snapshot.invalidateAll();
      const snapshot = await this.#snapshot.current().catch(() => null);
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
    this.#snapshot.invalidateJobs(runs);
    const event: JobsLiveEvent = { topic: JOBS_TOPIC, type: 'runs', data: runs };
    this.#ctx.bus.publish(event);
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

  /** One answer of a snapshot, serialised once for every caller asking the same with the same actions. */
  #body(snapshot: Snapshot, key: string, build: () => Promise<string>): Promise<JsonBody> {
    let body = snapshot.bodies.get(key);
    if (!body) {
      if (snapshot.bodies.size >= MAX_BODIES) snapshot.bodies.clear();
      body = build().then(jsonBody);
      snapshot.bodies.set(key, body);
      body.catch(() => snapshot.bodies.delete(key));
    }
    return body;
  }

  /** GET /api/jobs as served: the list, serialised once per snapshot, query and caller's actions. */
  async listBody(user: User, query: JobListQuery): Promise<JsonBody> {
    const snapshot = await this.#snapshot.current();
    const sources = this.#sourceViews(user, snapshot);
    const key = JSON.stringify(['list', query, sources.map((source) => source.actions)]);
    return this.#body(snapshot, key, () => {
      const { jobs, ...rest } = this.#list(snapshot, sources, query);
      return withViews(rest, { jobs });
    });
  }

  async list(user: User, query: JobListQuery): Promise<JobList> {
    const snapshot = await this.#snapshot.current();
    return this.#list(snapshot, this.#sourceViews(user, snapshot), query);
  }

  #list(snapshot: Snapshot, sources: JobSourceView[], query: JobListQuery): JobList {
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
      sources,
      jobs: matching.slice(0, query.limit),
      total: matching.length,
      window: snapshot.window,
    };
  }

  /** GET /api/jobs/board as served: serialised once per snapshot and caller's actions. */
  async boardBody(user: User): Promise<JsonBody> {
    const snapshot = await this.#snapshot.current();
    const sources = this.#sourceViews(user, snapshot);
    const key = JSON.stringify(['board', sources.map((source) => source.actions)]);
    return this.#body(snapshot, key, () => {
      const { failing, recovered, ...rest } = this.#board(snapshot, sources);
      return withViews(rest, { failing, recovered });
    });
  }

  async board(user: User): Promise<JobBoard> {
    const snapshot = await this.#snapshot.current();
    return this.#board(snapshot, this.#sourceViews(user, snapshot));
  }

  /** Late is judged at the snapshot's time (at most SNAPSHOT_MAX_AGE_MS old). */
  #board(snapshot: Snapshot, sources: JobSourceView[]): JobBoard {
    const now = snapshot.at;
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
      sources,
    };
  }

  #runtime(sourceId: string): SourceRuntime {
    const runtime = this.#sources.get(sourceId);
    if (!runtime) throw notFound(`No job source "${sourceId}"`);
    return runtime;
  }

  async #job(sourceId: string, jobId: string): Promise<JobView> {
    this.#runtime(sourceId);
    const job = (await this.#snapshot.current()).byKey.get(jobKey(sourceId, jobId));
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
