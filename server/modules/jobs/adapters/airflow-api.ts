// What the Airflow 3 (/api/v2) and Airflow 2 (/api/v1) job sources share: config, the JSON client that turns
// every answer into checked data or one readable error line, state mapping, and the source built from a
// dialect (the few paths, fields and links that differ between the two majors).
import { z } from 'zod';
import { describeError, requestJson } from '../../../platform/http-json.ts';
import type { RunState } from '../contract.ts';
import { taskChildRuns } from './openlineage.ts';
import {
  defineJobSource,
  type JobSource,
  type JobSourceContext,
  type RunChanges,
  type SourceJob,
  type SourceRun,
  type SourceTask,
} from './types.ts';

/** Kind-specific settings both majors take (`kind` is added by each adapter). */
export const airflowConfigShape = {
  /** API base, which is also the UI base unless `uiUrl` says otherwise. */
  url: z.url({ protocol: /^https?$/ }),
  /** Where links into Airflow's own UI point, when the browser reaches Airflow elsewhere. */
  uiUrl: z.url({ protocol: /^https?$/ }).optional(),
  username: z.string().min(1).max(256),
  /** Usually `${AIRFLOW_PASSWORD}`; never logged, never returned. */
  password: z.string().min(1).max(4096),
  tlsVerify: z.boolean().default(true),
};

export type AirflowConfig = z.output<z.ZodObject<typeof airflowConfigShape>>;

/** Airflow's default `[api] maximum_page_limit`: larger limits are cut to it. */
export const PAGE_SIZE = 100;
/** Pages read per call at most (runs per poll, DAGs, task instances of one run). */
const MAX_PAGES = 50;
/** Child runs are matched to a task by time: their events may carry the clock of another process. */
const CHILD_RUN_SLACK_MS = 60_000;
const MAX_BODY = 8 * 1024 * 1024;
/** A change poll reaches back this far before the time of the previous poll's last answer (clock steps, commit lag). */
const OVERLAP_MS = 60_000;
/** The first poll reads runs updated this far back. */
const FIRST_POLL_MS = 7 * 24 * 3600_000;
/** The note `cancel` leaves on the run, visible in Airflow, which tells a cancelled run from a failed one. */
export const CANCEL_NOTE = 'Cancelled from Labdeck';

// ---- checked shapes ------------------------------------------------------------------------------------

const text = (max: number) => z.string().transform((value) => value.slice(0, max));
const key = z.string().min(1).max(1000);
const date = z
  .string()
  .nullish()
  .transform((value) => {
    const time = value ? Date.parse(value) : Number.NaN;
    return Number.isNaN(time) ? null : new Date(time);
  });
const optionalText = (max: number) =>
  text(max)
    .nullish()
    .transform((value) => value ?? null);

/** A DAG as either major reports it (the fields each major lacks come back null). */
export const dagShape = z.object({
  dag_id: key,
  dag_display_name: optionalText(500),
  is_paused: z.boolean().nullish(),
  owners: z.array(text(200)).max(100).nullish(),
  tags: z
    .array(z.object({ name: text(200) }))
    .max(100)
    .nullish(),
  // Airflow 3
  timetable_summary: optionalText(500),
  next_dagrun_run_after: date,
  // Airflow 2: {__type: "CronExpression", value} or a TimeDelta
  schedule_interval: z.object({ value: z.string().nullish() }).loose().nullish(),
  timetable_description: optionalText(500),
  next_dagrun_create_after: date,
});
export type AirflowDag = z.output<typeof dagShape>;

export const runShape = z.object({
  dag_id: key,
  dag_run_id: key,
  state: z.string().max(100).nullish(),
  queued_at: date,
  start_date: date,
  end_date: date,
  run_type: optionalText(100),
  triggering_user_name: optionalText(200),
  note: optionalText(1000),
});
export type AirflowRun = z.output<typeof runShape>;

export const taskShape = z.object({
  task_id: key,
  state: z.string().max(100).nullish(),
  start_date: date,
  end_date: date,
  try_number: z.number().int().nullish(),
  map_index: z.number().int().nullish(),
  operator: optionalText(200),
  operator_name: optionalText(200),
});
export type AirflowTask = z.output<typeof taskShape>;

/** A list envelope: items are checked one by one (one odd item is dropped, not the whole page). */
export const listOf = (field: string) =>
  z
    .looseObject({ next_cursor: z.string().max(10_000).nullish() })
    .refine(
      (body) => Array.isArray(body[field]) && body[field].length <= 10_000,
      `expected a list in ${field}`,
    )
    .transform((body) => ({ items: body[field] as unknown[], nextCursor: body.next_cursor ?? null }));

// ---- states --------------------------------------------------------------------------------------------

const NEAREST: Record<string, RunState> = {
  queued: 'queued',
  scheduled: 'queued',
  none: 'queued',
  running: 'running',
  restarting: 'running',
  up_for_retry: 'running',
  up_for_reschedule: 'running',
  deferred: 'running',
  awaiting_input: 'running',
  success: 'success',
  failed: 'failed',
  upstream_failed: 'upstream_failed',
  skipped: 'skipped',
  removed: 'skipped',
};

/** Airflow's run or task state in the shared vocabulary; an unknown or missing state counts as queued. */
export function runStateOf(native: string | null | undefined): RunState {
  return NEAREST[native ?? 'none'] ?? 'queued';
}

// ---- HTTP ----------------------------------------------------------------------------------------------

export interface AirflowAnswer {
  body: unknown;
  /** The server's clock at the answer (its Date header), or ours when it sent none. */
  serverTime: Date;
}

export type Method = 'GET' | 'POST' | 'PATCH';

/** Sends one API request; `authorize` supplies the Authorization header and may renew it once on 401/403. */
export interface AirflowAuth {
  header(signal: AbortSignal): Promise<string>;
  /** Called after a 401 or 403; true when a retry with a fresh header is worth it. */
  renew?(): boolean;
}

export class AirflowClient {
  private readonly config: AirflowConfig;
  private readonly auth: AirflowAuth;

  constructor(config: AirflowConfig, auth: AirflowAuth) {
    this.config = config;
    this.auth = auth;
  }

  /** `path` starts below the server root, e.g. `api/v2/dags`. */
  async call(method: Method, path: string, signal: AbortSignal, body?: unknown): Promise<AirflowAnswer> {
    let answer = await this.send(method, path, signal, body);
    if ((answer.status === 401 || answer.status === 403) && this.auth.renew?.())
      answer = await this.send(method, path, signal, body);
    if (answer.status < 200 || answer.status > 299) throw new Error(failure(method, path, answer));
    return { body: answer.body, serverTime: serverTime(answer.headers.date) };
  }

  /** Like `call`, then checks the body against `shape`. */
  async read<T>(method: Method, path: string, signal: AbortSignal, shape: z.ZodType<T>, body?: unknown) {
    const answer = await this.call(method, path, signal, body);
    const parsed = shape.safeParse(answer.body);
    if (!parsed.success)
      throw new Error(`Airflow answered ${method} ${pathOnly(path)} with an unexpected body`);
    return { value: parsed.data, serverTime: answer.serverTime };
  }

  private async send(method: Method, path: string, signal: AbortSignal, body?: unknown) {
    const url = new URL(path, withSlash(this.config.url));
    // Outside the try: a failed login already says what failed.
    const authorization = await this.auth.header(signal);
    try {
      return await requestJson(url, {
        method,
        body,
        signal,
        headers: { authorization },
        tlsVerify: this.config.tlsVerify,
        maxBytes: MAX_BODY,
      });
    } catch (error) {
      throw new Error(`Airflow ${method} ${pathOnly(path)}: ${describeError(error)}`);
    }
  }
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
const pathOnly = (path: string) => `/${path.split('?')[0]}`;

function serverTime(header: string | undefined): Date {
  const time = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(time) ? new Date() : new Date(time);
}

/** One line: status, and Airflow's own `detail` (a string, or FastAPI's list of {msg}). */
function failure(method: Method, path: string, answer: { status: number; body: unknown }): string {
  const detail = (answer.body as { detail?: unknown } | null)?.detail;
  const said =
    typeof detail === 'string'
      ? detail
      : Array.isArray(detail)
        ? detail
            .map((item) => (item as { msg?: unknown })?.msg)
            .filter((msg) => typeof msg === 'string')
            .join('; ')
        : '';
  const line = said.split('\n')[0]!.slice(0, 200);
  return `Airflow answered HTTP ${answer.status} to ${method} ${pathOnly(path)}${line ? `: ${line}` : ''}`;
}

/** Query string from defined values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) search.set(name, String(value));
  return search.toString();
}

export const segment = encodeURIComponent;

// ---- the source ----------------------------------------------------------------------------------------

/** Where a poll stands: runs updated at or after `since`; `page` continues a poll cut short by MAX_PAGES. */
const cursorShape = z.object({ since: z.iso.datetime(), page: z.union([z.string(), z.number()]).optional() });
type Cursor = z.output<typeof cursorShape>;

/** What differs between Airflow 3 and Airflow 2. */
export interface AirflowDialect {
  /** `api/v2` or `api/v1`. */
  api: string;
  /** Paging parameters of one page of the run list (v2: a keyset cursor, v1: an offset). */
  runPage(page: string | number | undefined): Record<string, string | number>;
  /** The next page after one that held `items`, or null after the last. */
  nextRunPage(
    page: string | number | undefined,
    items: unknown[],
    nextCursor: string | null,
  ): string | number | null;
  schedule(dag: AirflowDag): string | null;
  nextRunAt(dag: AirflowDag): Date | null;
  links(ui: string): {
    dag(dagId: string): string;
    run(dagId: string, runId: string): string;
    task(dagId: string, runId: string, taskId: string, mapIndex: number | null): string;
  };
  triggerBody(conf: Record<string, unknown>): unknown;
  cancel(client: AirflowClient, runPath: string, signal: AbortSignal): Promise<void>;
  /**
   * Clears the run's failed task instances, or only lists them (`dryRun`): as task instances, or as task ids
   * where Airflow answers references only; the run where Airflow answers it.
   */
  clearFailed(
    client: AirflowClient,
    ids: { dagId: string; runId: string },
    dryRun: boolean,
    signal: AbortSignal,
  ): Promise<{ tasks?: unknown[]; taskIds?: string[]; run?: unknown }>;
}

/** Every item that passes `shape`, mapped; the rest are counted and logged once per call. */
function checkedItems<T, R>(
  items: unknown[],
  shape: z.ZodType<T>,
  map: (item: T) => R,
  what: string,
  ctx: JobSourceContext,
): R[] {
  const kept: R[] = [];
  for (const item of items) {
    const parsed = shape.safeParse(item);
    if (parsed.success) kept.push(map(parsed.data));
  }
  if (kept.length < items.length)
    ctx.log.warn(
      { dropped: items.length - kept.length, what },
      'Airflow answered items of an unexpected shape',
    );
  return kept;
}

export function createAirflowSource(
  dialect: AirflowDialect,
  config: AirflowConfig,
  auth: AirflowAuth,
  ctx: JobSourceContext,
): JobSource {
  const client = new AirflowClient(config, auth);
  const links = dialect.links((config.uiUrl ?? config.url).replace(/\/+$/, ''));
  const api = dialect.api;
  const runPath = (dagId: string, runId: string) => `${api}/dags/${segment(dagId)}/dagRuns/${segment(runId)}`;

  /** One page of runs updated at or after `since`, oldest update first. */
  async function readRunPage(since: string, page: string | number | undefined, signal: AbortSignal) {
    const params = {
      updated_at_gte: since,
      order_by: 'updated_at',
      limit: PAGE_SIZE,
      ...dialect.runPage(page),
    };
    const path = `${api}/dags/~/dagRuns?${query(params)}`;
    const { value, serverTime } = await client.read('GET', path, signal, listOf('dag_runs'));
    return { runs: value.items, next: dialect.nextRunPage(page, value.items, value.nextCursor), serverTime };
  }

  const toJob = (dag: AirflowDag): SourceJob => ({
    jobId: dag.dag_id,
    name: dag.dag_display_name ?? dag.dag_id,
    owner: dag.owners?.length ? dag.owners.join(', ') : null,
    tags: (dag.tags ?? []).map((tag) => tag.name),
    schedule: dialect.schedule(dag),
    nextRunAt: dialect.nextRunAt(dag),
    paused: dag.is_paused ?? null,
    url: links.dag(dag.dag_id),
  });

  const toRun = (run: AirflowRun): SourceRun => {
    const nativeState = run.state ?? 'none';
    const cancelled = nativeState === 'failed' && run.note === CANCEL_NOTE;
    return {
      jobId: run.dag_id,
      runId: run.dag_run_id,
      state: cancelled ? 'cancelled' : runStateOf(nativeState),
      nativeState,
      queuedAt: run.queued_at,
      startedAt: run.start_date,
      endedAt: run.end_date,
      trigger: run.run_type,
      triggeredBy: run.triggering_user_name,
      error: null,
      url: links.run(run.dag_id, run.dag_run_id),
    };
  };

  const toTask =
    (dagId: string, runId: string) =>
    (task: AirflowTask): SourceTask => {
      const mapIndex = task.map_index == null || task.map_index < 0 ? null : task.map_index;
      return {
        id: task.task_id,
        state: runStateOf(task.state),
        nativeState: task.state ?? 'none',
        startedAt: task.start_date,
        endedAt: task.end_date,
        tryNumber: task.try_number ?? null,
        operator: task.operator_name ?? task.operator,
        mapIndex,
        error: null,
        url: links.task(dagId, runId, task.task_id, mapIndex),
      };
    };

  /** Reads offset-paged lists (DAGs, task instances) up to MAX_PAGES pages. */
  async function readAll(path: string, field: string, signal: AbortSignal): Promise<unknown[]> {
    const items: unknown[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const { value } = await client.read(
        'GET',
        `${path}${separator}${query({ limit: PAGE_SIZE, offset: page * PAGE_SIZE })}`,
        signal,
        listOf(field),
      );
      items.push(...value.items);
      if (value.items.length < PAGE_SIZE) break;
    }
    return items;
  }

  async function runTasks(dagId: string, runId: string, signal: AbortSignal): Promise<SourceTask[]> {
    const items = await readAll(`${runPath(dagId, runId)}/taskInstances`, 'task_instances', signal);
    const tasks = checkedItems(items, taskShape, toTask(dagId, runId), 'task instances', ctx);
    return Promise.all(tasks.map((task) => withChildRuns(dagId, task)));
  }

  /** The OpenLineage runs the task started, from what the lineage module stored (none without a database). */
  async function withChildRuns(dagId: string, task: SourceTask): Promise<SourceTask> {
    if (!ctx.db || !task.startedAt) return task;
    const children = await taskChildRuns(ctx.db, {
      dagId,
      taskId: task.id,
      from: new Date(task.startedAt.getTime() - CHILD_RUN_SLACK_MS),
      to: new Date((task.endedAt ?? new Date()).getTime() + CHILD_RUN_SLACK_MS),
    });
    return children.length ? { ...task, children } : task;
  }

  async function readRun(dagId: string, runId: string, signal: AbortSignal): Promise<SourceRun> {
    const { value } = await client.read('GET', runPath(dagId, runId), signal, runShape);
    return toRun(value);
  }

  return {
    async listJobs(signal) {
      const items = await readAll(`${api}/dags`, 'dags', signal);
      return checkedItems(items, dagShape, toJob, 'DAGs', ctx);
    },

    async listRuns({ since, signal }): Promise<RunChanges> {
      const start = parseCursor(since);
      const runs: unknown[] = [];
      let page = start.page;
      for (let read = 0; read < MAX_PAGES; read++) {
        const answer = await readRunPage(start.since, page, signal);
        runs.push(...answer.runs);
        if (answer.next === null) {
          const next = new Date(answer.serverTime.getTime() - OVERLAP_MS).toISOString();
          return {
            runs: checkedItems(runs, runShape, toRun, 'DAG runs', ctx),
            cursor: JSON.stringify({ since: next }),
          };
        }
        page = answer.next;
      }
      const cursor: Cursor = { since: start.since, page };
      return { runs: checkedItems(runs, runShape, toRun, 'DAG runs', ctx), cursor: JSON.stringify(cursor) };
    },

    runTasks,

    async trigger(jobId, conf, signal) {
      const { value } = await client.read(
        'POST',
        `${api}/dags/${segment(jobId)}/dagRuns`,
        signal,
        runShape,
        dialect.triggerBody(conf),
      );
      return toRun(value);
    },

    async rerunFailed(jobId, runId, dryRun, signal) {
      const preview = await dialect.clearFailed(client, { dagId: jobId, runId }, true, signal);
      const tasks = preview.taskIds
        ? (await runTasks(jobId, runId, signal)).filter((task) => preview.taskIds?.includes(task.id))
        : checkedItems(preview.tasks ?? [], taskShape, toTask(jobId, runId), 'cleared tasks', ctx);
      if (dryRun) return { tasks, run: null };
      const cleared = await dialect.clearFailed(client, { dagId: jobId, runId }, false, signal);
      const run = runShape.safeParse(cleared.run);
      return { tasks, run: run.success ? toRun(run.data) : await readRun(jobId, runId, signal) };
    },

    cancel(jobId, runId, signal) {
      return dialect.cancel(client, runPath(jobId, runId), signal);
    },
  };
}

function parseCursor(text: string | null): Cursor {
  if (text) {
    try {
      const parsed = cursorShape.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // A cursor from another version or kind: start over.
    }
  }
  return { since: new Date(Date.now() - FIRST_POLL_MS).toISOString() };
}

/** One Airflow major as a job source kind: its config schema is the shared one under its own `kind`. */
export const defineAirflowSource = <K extends string>(
  kind: K,
  dialect: AirflowDialect,
  auth: (config: AirflowConfig) => AirflowAuth,
) =>
  defineJobSource({
    kind,
    schema: z.strictObject({ kind: z.literal(kind), ...airflowConfigShape }),
    create: (config, ctx) => createAirflowSource(dialect, config, auth(config), ctx),
  });
