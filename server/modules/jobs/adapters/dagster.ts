// Dagster (OSS 1.13, GraphQL at <url>/graphql). Job ids are `<location>/<repository>/<job>`: launchRun needs
// all three, and the location (a code location, often a file name) is the only part that may hold a '/',
// so the id splits from the right. Dagster OSS has no users: Labdeck's roles are the only gate on actions.
import { z } from 'zod';
import type { RunState } from '../contract.ts';
import { excerpt, type GraphqlEndpoint, graphql } from './graphql.ts';
import { defineJobSource, type JobSource, type SourceJob, type SourceRun, type SourceTask } from './types.ts';

export const dagsterSchema = z.strictObject({
  kind: z.literal('dagster'),
  /** The webserver's base URL (the UI); GraphQL is <url>/graphql. */
  url: z.url(),
  /** Extra headers for every request, e.g. an auth proxy's token in front of Dagster. */
  headers: z.record(z.string(), z.string()).default({}),
});
export type DagsterConfig = z.output<typeof dagsterSchema>;

const PAGE = 100;
/** At most this many runs per poll; the first poll looks back this far. */
const MAX_RUNS_PER_POLL = 1000;
const FIRST_POLL_LOOKBACK_S = 7 * 24 * 3600;
/** Failed runs per poll whose failure message is fetched (one batched query). */
const MAX_ERRORS_PER_POLL = 10;
const EVENTS_PER_RUN = 1000;
const MAX_STEPS = 2000;

// ---- states ------------------------------------------------------------------------------------

const RUN_STATE: Record<string, RunState> = {
  QUEUED: 'queued',
  NOT_STARTED: 'queued',
  MANAGED: 'queued',
  STARTING: 'queued',
  STARTED: 'running',
  SUSPENDED: 'running',
  CANCELING: 'running',
  SUCCESS: 'success',
  FAILURE: 'failed',
  CANCELED: 'cancelled',
};

/** A run status Dagster may add later counts as queued: it is not known to have finished. */
export const dagsterRunState = (status: string): RunState => RUN_STATE[status] ?? 'queued';

/** A step's state; a step still "in progress" in a run that ended was cut short with it. */
export function dagsterStepState(status: string | null, runStatus: string): RunState {
  if (status === 'SUCCESS') return 'success';
  if (status === 'FAILURE') return 'failed';
  if (status === 'SKIPPED') return 'skipped';
  const run = dagsterRunState(runStatus);
  if (run === 'cancelled' || run === 'failed') return 'cancelled';
  return status === 'IN_PROGRESS' ? 'running' : 'queued';
}

// ---- job ids -----------------------------------------------------------------------------------

export interface DagsterJobRef {
  location: string;
  repository: string;
  job: string;
}

export const dagsterJobId = (ref: DagsterJobRef) => `${ref.location}/${ref.repository}/${ref.job}`;

export function parseDagsterJobId(jobId: string): DagsterJobRef {
  const parts = jobId.split('/');
  const job = parts.pop();
  const repository = parts.pop();
  const location = parts.join('/');
  if (!job || !repository || !location)
    throw new Error(`Dagster job id must be <location>/<repository>/<job>, got "${excerpt(jobId, 200)}"`);
  return { location, repository, job };
}

// ---- answer shapes (everything optional that Dagster may leave out; strings capped) -----------------

const text = (max = 1000) => z.string().transform((s) => s.slice(0, max));
const seconds = z.number().finite().nullish();
const tag = z.object({ key: text(200), value: text(500) });
const pythonError = z.object({
  message: text(4000).nullish(),
  cause: z.object({ message: text(4000).nullish() }).nullish(),
});

/** An error member of a `...OrError` union: its `__typename` and a message (or validation errors). */
const errorMember = z.object({
  __typename: z.string(),
  message: text(4000).nullish(),
  errors: z
    .array(z.object({ message: text(500) }))
    .max(50)
    .nullish(),
});
type ErrorMember = z.output<typeof errorMember>;

/** A `...OrError` union: `{ok: true, value}` for the success member, `{ok: false, error}` for any other. */
const orError = <S extends z.ZodType>(typename: string, success: S) =>
  z.union([
    success.transform((value) => ({ ok: true as const, value })),
    errorMember
      .refine((member) => member.__typename !== typename, `not a valid ${typename}`)
      .transform((error) => ({ ok: false as const, error })),
  ]);

const runShape = z.object({
  runId: text(200),
  jobName: text(500),
  status: text(50),
  creationTime: seconds,
  startTime: seconds,
  endTime: seconds,
  updateTime: seconds,
  parentRunId: text(200).nullish(),
  tags: z.array(tag).max(1000).nullish(),
  repositoryOrigin: z.object({ repositoryLocationName: text(500), repositoryName: text(500) }).nullish(),
});
type DagsterRun = z.output<typeof runShape>;
type DagsterStep = z.output<typeof stepShape>;
type DagsterRunDetail = DagsterRun & {
  stepStats: DagsterStep[];
  executionPlan?: { steps: { key: string }[] } | null;
};

const RUN_FIELDS = `runId jobName status creationTime startTime endTime updateTime parentRunId
  tags { key value } repositoryOrigin { repositoryLocationName repositoryName }`;

const scheduleShape = z.object({
  name: text(500),
  cronSchedule: text(200).nullish(),
  executionTimezone: text(100).nullish(),
  scheduleState: z
    .object({ status: text(50), nextTick: z.object({ timestamp: seconds }).nullish() })
    .nullish(),
});
const ownerShape = z.object({ email: text(300).nullish(), team: text(300).nullish() });
const jobShape = z.object({
  name: text(500),
  tags: z.array(tag).max(1000).nullish(),
  owners: z.array(ownerShape).max(100).nullish(),
  schedules: z.array(scheduleShape).max(100).nullish(),
});
const repositoriesShape = z.object({
  repositoriesOrError: orError(
    'RepositoryConnection',
    z.object({
      __typename: z.literal('RepositoryConnection'),
      nodes: z
        .array(
          z.object({ name: text(500), location: z.object({ name: text(500) }), jobs: z.array(jobShape) }),
        )
        .max(1000),
    }),
  ),
});

const runsShape = z.object({
  runsOrError: orError(
    'Runs',
    z.object({ __typename: z.literal('Runs'), results: z.array(runShape).max(PAGE) }),
  ),
});

const stepShape = z.object({
  stepKey: text(500),
  status: text(50).nullish(),
  startTime: seconds,
  endTime: seconds,
  attempts: z
    .array(z.object({ startTime: seconds }))
    .max(1000)
    .nullish(),
});
const eventShape = z.looseObject({
  __typename: z.string(),
  stepKey: text(500).nullish(),
  message: text(4000).nullish(),
  error: pythonError.nullish(),
});
const runDetailShape = z.object({
  runOrError: orError(
    'Run',
    runShape.extend({
      __typename: z.literal('Run'),
      stepStats: z.array(stepShape).max(MAX_STEPS),
      executionPlan: z.object({ steps: z.array(z.object({ key: text(500) })).max(MAX_STEPS) }).nullish(),
    }),
  ),
});

const eventsShape = z.record(
  z.string(),
  orError(
    'Run',
    z.object({
      __typename: z.literal('Run'),
      eventConnection: z.object({ events: z.array(eventShape).max(EVENTS_PER_RUN) }),
    }),
  ),
);

const launched = orError(
  'LaunchRunSuccess',
  z.object({ __typename: z.literal('LaunchRunSuccess'), run: runShape }),
);
const launchShape = z.object({ launchRun: launched });
const reexecuteShape = z.object({ launchRunReexecution: launched });

const terminatedShape = z.object({
  terminateRun: orError('TerminateRunSuccess', z.object({ __typename: z.literal('TerminateRunSuccess') })),
});

// ---- queries -----------------------------------------------------------------------------------

const REPOSITORIES = `{ repositoriesOrError { __typename
  ... on RepositoryConnection { nodes { name location { name } jobs { name tags { key value }
    owners { ... on UserDefinitionOwner { email } ... on TeamDefinitionOwner { team } }
    schedules { name cronSchedule executionTimezone scheduleState { status nextTick { timestamp } } } } } }
  ... on PythonError { message } } }`;

const RUNS = `query Runs($filter: RunsFilter, $cursor: String, $limit: Int) {
  runsOrError(filter: $filter, cursor: $cursor, limit: $limit) { __typename
    ... on Runs { results { ${RUN_FIELDS} } }
    ... on InvalidPipelineRunsFilterError { message }
    ... on PythonError { message } } }`;

const RUN_DETAIL = `query Run($runId: ID!) { runOrError(runId: $runId) { __typename
  ... on Run { ${RUN_FIELDS} stepStats { stepKey status startTime endTime attempts { startTime } }
    executionPlan { steps { key } } }
  ... on RunNotFoundError { message }
  ... on PythonError { message } } }`;

const FAILURE_EVENTS = `... on Run { eventConnection(limit: ${EVENTS_PER_RUN}) { events { __typename
  ... on ExecutionStepFailureEvent { stepKey error { message cause { message } } }
  ... on RunFailureEvent { message error { message cause { message } } } } } }
  ... on RunNotFoundError { message } ... on PythonError { message }`;

const LAUNCH_ERRORS = `... on PythonError { message } ... on RunConfigValidationInvalid { errors { message } }
  ... on PipelineNotFoundError { message } ... on InvalidSubsetError { message } ... on RunConflict { message }
  ... on InvalidStepError { invalidStepKey } ... on UnauthorizedError { message }
  ... on ConflictingExecutionParamsError { message }`;

const LAUNCH = `mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { ${RUN_FIELDS} } } ${LAUNCH_ERRORS} } }`;

const REEXECUTE = `mutation Reexecute($params: ReexecutionParams!) {
  launchRunReexecution(reexecutionParams: $params) { __typename
    ... on LaunchRunSuccess { run { ${RUN_FIELDS} } } ${LAUNCH_ERRORS} } }`;

const TERMINATE = `mutation Terminate($runId: String!) { terminateRun(runId: $runId) { __typename
  ... on TerminateRunFailure { message } ... on RunNotFoundError { message }
  ... on UnauthorizedError { message } ... on PythonError { message } } }`;

// ---- mapping -----------------------------------------------------------------------------------

/** The error member of a union as a sentence: "RunNotFoundError: Run abc could not be found." */
function unionError(what: string, member: ErrorMember): Error {
  const detail = member.message ?? member.errors?.map((e) => e.message).join('; ') ?? 'no message';
  return new Error(`Dagster ${what}: ${member.__typename}: ${excerpt(detail, 500)}`);
}

const date = (epochSeconds: number | null | undefined) =>
  epochSeconds == null || epochSeconds <= 0 ? null : new Date(Math.round(epochSeconds * 1000));

const tagValue = (tags: DagsterRun['tags'], key: string) => tags?.find((t) => t.key === key)?.value ?? null;

function runTrigger(run: DagsterRun): { trigger: string; triggeredBy: string | null } {
  const schedule = tagValue(run.tags, 'dagster/schedule_name');
  if (schedule) return { trigger: 'scheduled', triggeredBy: schedule };
  const sensor = tagValue(run.tags, 'dagster/sensor_name');
  if (sensor) return { trigger: 'sensor', triggeredBy: sensor };
  if (tagValue(run.tags, 'dagster/backfill')) return { trigger: 'backfill', triggeredBy: null };
  if (run.parentRunId) return { trigger: 're-execution', triggeredBy: tagValue(run.tags, 'user') };
  return { trigger: 'manual', triggeredBy: tagValue(run.tags, 'user') };
}

/** Locations named after the default repository show without it in the UI's paths. */
const repoPath = (location: string, repository: string) =>
  repository === '__repository__' ? location : `${repository}@${location}`;

function uiUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export function toSourceRun(base: string, run: DagsterRun, error: string | null = null): SourceRun {
  const origin = run.repositoryOrigin;
  const jobId = origin
    ? dagsterJobId({
        location: origin.repositoryLocationName,
        repository: origin.repositoryName,
        job: run.jobName,
      })
    : run.jobName;
  return {
    jobId,
    runId: run.runId,
    state: dagsterRunState(run.status),
    nativeState: run.status,
    queuedAt: date(run.creationTime),
    startedAt: date(run.startTime),
    endedAt: date(run.endTime),
    ...runTrigger(run),
    error,
    url: uiUrl(base, `/runs/${encodeURIComponent(run.runId)}`),
  };
}

function toSourceJob(
  base: string,
  repo: { name: string; location: { name: string } },
  job: z.output<typeof jobShape>,
): SourceJob {
  const ref = { location: repo.location.name, repository: repo.name, job: job.name };
  const owner =
    tagValue(job.tags, 'owner') ?? job.owners?.map((o) => o.email ?? o.team).find(Boolean) ?? null;
  const schedule = job.schedules?.[0] ?? null;
  const running = job.schedules?.filter((s) => s.scheduleState?.status === 'RUNNING') ?? [];
  const next = running
    .map((s) => date(s.scheduleState?.nextTick?.timestamp))
    .filter((d): d is Date => d !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  return {
    jobId: dagsterJobId(ref),
    name: job.name,
    owner,
    tags: (job.tags ?? [])
      .filter((t) => t.key !== 'owner' && !t.key.startsWith('dagster/'))
      .slice(0, 50)
      .map((t) => (t.value ? `${t.key}:${t.value}` : t.key)),
    schedule: schedule?.cronSchedule
      ? `${schedule.cronSchedule}${schedule.executionTimezone ? ` (${schedule.executionTimezone})` : ''}`
      : null,
    nextRunAt: next ?? null,
    // Paused: every schedule of the job is stopped (a job without schedules is triggered only).
    paused: job.schedules?.length ? running.length === 0 : null,
    url: uiUrl(
      base,
      `/locations/${encodeURIComponent(repoPath(ref.location, ref.repository))}/jobs/${encodeURIComponent(job.name)}`,
    ),
  };
}

/** A Python error as its user's own exception when Dagster wrapped it ("...StepExecutionError" ← cause). */
const errorText = (error: z.output<typeof pythonError> | null | undefined) =>
  error?.cause?.message ?? error?.message ?? null;

/** The first failure message among a run's events (a failed step's error, else the run's). */
export function failureMessage(events: z.output<typeof eventShape>[]): string | null {
  const step = events.find((e) => e.__typename === 'ExecutionStepFailureEvent' && errorText(e.error));
  if (step) return excerpt(`${step.stepKey ?? 'step'}: ${errorText(step.error)}`, 2000);
  const run = events.find((e) => e.__typename === 'RunFailureEvent');
  const message = errorText(run?.error) ?? run?.message;
  return message ? excerpt(message, 2000) : null;
}

// ---- the source --------------------------------------------------------------------------------

export function createDagsterSource(config: DagsterConfig): JobSource {
  const base = config.url.replace(/\/+$/, '');
  const endpoint: GraphqlEndpoint = { url: `${base}/graphql`, headers: config.headers, name: 'Dagster' };
  const ask = <T extends z.ZodType>(
    query: string,
    variables: Record<string, unknown>,
    shape: T,
    signal: AbortSignal,
  ) => graphql(endpoint, query, variables, shape, signal);

  async function runDetail(runId: string, signal: AbortSignal): Promise<DagsterRunDetail> {
    const { runOrError } = await ask(RUN_DETAIL, { runId }, runDetailShape, signal);
    if (!runOrError.ok) throw unionError('run', runOrError.error);
    return runOrError.value;
  }

  /** The run, checked to belong to `jobId` (the API names both; a run of another job is refused). */
  async function runOfJob(jobId: string, runId: string, signal: AbortSignal) {
    const ref = parseDagsterJobId(jobId);
    const run = await runDetail(runId, signal);
    if (run.jobName !== ref.job)
      throw new Error(`Dagster run ${runId} is a run of ${run.jobName}, not ${ref.job}`);
    return run;
  }

  async function failureMessages(runIds: string[], signal: AbortSignal): Promise<Map<string, string>> {
    if (runIds.length === 0) return new Map();
    const fields = runIds.map((_, i) => `r${i}: runOrError(runId: $r${i}) { __typename ${FAILURE_EVENTS} }`);
    const params = runIds.map((_, i) => `$r${i}: ID!`).join(', ');
    const answer = await ask(
      `query Failures(${params}) { ${fields.join('\n')} }`,
      Object.fromEntries(runIds.map((id, i) => [`r${i}`, id])),
      eventsShape,
      signal,
    );
    const messages = new Map<string, string>();
    runIds.forEach((id, i) => {
      const run = answer[`r${i}`];
      const message = run?.ok ? failureMessage(run.value.eventConnection.events) : null;
      if (message) messages.set(id, message);
    });
    return messages;
  }

  function stepTasks(run: DagsterRunDetail, errors: Map<string, string>): SourceTask[] {
    return run.stepStats.map(
      (step): SourceTask => ({
        id: step.stepKey,
        state: dagsterStepState(step.status ?? null, run.status),
        nativeState: step.status ?? 'NOT_STARTED',
        startedAt: date(step.startTime),
        endedAt: date(step.endTime),
        tryNumber: step.attempts?.length || null,
        operator: null,
        mapIndex: null,
        error: errors.get(step.stepKey) ?? null,
        url: uiUrl(
          base,
          `/runs/${encodeURIComponent(run.runId)}?selection=${encodeURIComponent(step.stepKey)}`,
        ),
      }),
    );
  }

  return {
    async listJobs(signal) {
      const { repositoriesOrError: repos } = await ask(REPOSITORIES, {}, repositoriesShape, signal);
      if (!repos.ok) throw unionError('repositories', repos.error);
      return repos.value.nodes.flatMap((repo) =>
        repo.jobs.filter((job) => !job.name.startsWith('__')).map((job) => toSourceJob(base, repo, job)),
      );
    },

    async listRuns({ since, signal }) {
      const after = since === null ? Date.now() / 1000 - FIRST_POLL_LOOKBACK_S : Number(since);
      if (!Number.isFinite(after)) throw new Error(`Dagster: bad cursor "${excerpt(since ?? '', 50)}"`);
      const runs: DagsterRun[] = [];
      let cursor: string | null = null;
      while (runs.length < MAX_RUNS_PER_POLL) {
        const { runsOrError } = await ask(
          RUNS,
          { filter: { updatedAfter: after }, cursor, limit: PAGE },
          runsShape,
          signal,
        );
        if (!runsOrError.ok) throw unionError('runs', runsOrError.error);
        const page: DagsterRun[] = runsOrError.value.results;
        runs.push(...page);
        if (page.length < PAGE) break;
        cursor = page.at(-1)?.runId ?? null;
      }
      const failed = runs.filter((r) => r.status === 'FAILURE').slice(0, MAX_ERRORS_PER_POLL);
      const errors = await failureMessages(
        failed.map((r) => r.runId),
        signal,
      );
      const newest = Math.max(after, ...runs.map((r) => r.updateTime ?? 0));
      return {
        runs: runs.map((run) => toSourceRun(base, run, errors.get(run.runId) ?? null)),
        cursor: String(newest),
      };
    },

    async runTasks(jobId, runId, signal) {
      const run = await runOfJob(jobId, runId, signal);
      const failedSteps = run.stepStats.some((s) => s.status === 'FAILURE');
      const errors = failedSteps ? await stepErrors(runId, signal) : new Map<string, string>();
      return stepTasks(run, errors);
    },

    async trigger(jobId, conf, signal) {
      const ref = parseDagsterJobId(jobId);
      const selector = {
        repositoryLocationName: ref.location,
        repositoryName: ref.repository,
        jobName: ref.job,
      };
      const { launchRun } = await ask(
        LAUNCH,
        { params: { selector, runConfigData: conf } },
        launchShape,
        signal,
      );
      if (!launchRun.ok) throw unionError('launch', launchRun.error);
      return toSourceRun(base, launchRun.value.run);
    },

    async rerunFailed(jobId, runId, dryRun, signal) {
      const run = await runOfJob(jobId, runId, signal);
      const tasks = stepTasks(run, new Map()).filter((t) => t.state !== 'success' && t.state !== 'skipped');
      // Steps of the plan that never started (downstream of the failure) run again too.
      const seen = new Set(run.stepStats.map((s) => s.stepKey));
      for (const step of run.executionPlan?.steps ?? []) {
        if (!seen.has(step.key)) tasks.push(notStarted(step.key));
      }
      if (dryRun) return { tasks, run: null };
      const { launchRunReexecution: rerun } = await ask(
        REEXECUTE,
        { params: { parentRunId: runId, strategy: 'FROM_FAILURE' } },
        reexecuteShape,
        signal,
      );
      if (!rerun.ok) throw unionError('re-execution', rerun.error);
      return { tasks, run: toSourceRun(base, rerun.value.run) };
    },

    async cancel(jobId, runId, signal) {
      await runOfJob(jobId, runId, signal);
      const { terminateRun } = await ask(TERMINATE, { runId }, terminatedShape, signal);
      if (!terminateRun.ok) throw unionError('terminate', terminateRun.error);
    },
  };

  async function stepErrors(runId: string, signal: AbortSignal): Promise<Map<string, string>> {
    const { r0 } = await ask(
      `query Failures($r0: ID!) { r0: runOrError(runId: $r0) { __typename ${FAILURE_EVENTS} } }`,
      { r0: runId },
      eventsShape,
      signal,
    );
    const errors = new Map<string, string>();
    if (!r0?.ok) return errors;
    for (const event of r0.value.eventConnection.events) {
      const message = errorText(event.error);
      if (event.__typename === 'ExecutionStepFailureEvent' && event.stepKey && message)
        errors.set(event.stepKey, excerpt(message, 2000));
    }
    return errors;
  }
}

function notStarted(key: string): SourceTask {
  return {
    id: key,
    state: 'queued',
    nativeState: 'NOT_STARTED',
    startedAt: null,
    endedAt: null,
    tryNumber: null,
    operator: null,
    mapIndex: null,
    error: null,
    url: null,
  };
}

export const dagsterSource = defineJobSource({
  kind: 'dagster',
  schema: dagsterSchema,
  create: (config) => createDagsterSource(config),
});
