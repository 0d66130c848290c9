import type { z } from 'zod';
import type { Logger } from '../../../platform/log.ts';
import type { ChildRunView, RunState } from '../contract.ts';

/** A job as a source reports it (no health or counts: the module derives those from stored runs). */
export interface SourceJob {
  jobId: string;
  name: string;
  owner: string | null;
  tags: string[];
  schedule: string | null;
  nextRunAt: Date | null;
  paused: boolean | null;
  url: string | null;
}

/** A run as a source reports it; `updatedAt` orders changes for the since-cursor. */
export interface SourceRun {
  jobId: string;
  runId: string;
  state: RunState;
  nativeState: string;
  queuedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  trigger: string | null;
  triggeredBy: string | null;
  error: string | null;
  url: string | null;
}

export interface SourceTask {
  id: string;
  state: RunState;
  nativeState: string;
  startedAt: Date | null;
  endedAt: Date | null;
  tryNumber: number | null;
  operator: string | null;
  mapIndex: number | null;
  error: string | null;
  url: string | null;
  /** OpenLineage runs the task started (a dbt run and its models under the task that ran dbt-ol). */
  children?: ChildRunView[];
}

/** One poll's news: runs that changed since `since` and the cursor for the next poll. */
export interface RunChanges {
  runs: SourceRun[];
  /** Opaque to the module: stored and handed back on the next poll. */
  cursor: string | null;
}

export interface PollOptions {
  signal: AbortSignal;
  /** The cursor the previous poll returned; null on the first poll (the source decides how far back). */
  since: string | null;
}

/**
 * One running source instance (an Airflow, a Dagster). Reads are required; actions are optional and
 * their presence is what the source kind allows. Every method is time-boxed by the caller's signal and
 * throws on failure with a message fit to show (no credentials).
 */
export interface JobSource {
  listJobs(signal: AbortSignal): Promise<SourceJob[]>;
  listRuns(options: PollOptions): Promise<RunChanges>;
  runTasks(jobId: string, runId: string, signal: AbortSignal): Promise<SourceTask[]>;
  trigger?(jobId: string, conf: Record<string, unknown>, signal: AbortSignal): Promise<SourceRun>;
  /** Re-run the failed part of a run: a dry run lists what would be re-run and changes nothing. */
  rerunFailed?(
    jobId: string,
    runId: string,
    dryRun: boolean,
    signal: AbortSignal,
  ): Promise<{ tasks: SourceTask[]; run: SourceRun | null }>;
  cancel?(jobId: string, runId: string, signal: AbortSignal): Promise<void>;
  close?(): Promise<void> | void;
}

export interface JobSourceContext {
  log: Logger;
  /** The Labdeck database (the OpenLineage source reads the runs the lineage module stored). */
  db: import('../../../platform/db/pool.ts').Db;
}

/**
 * The part of every `jobs.sources[]` entry the module owns (config.ts `sourceCommonShape`), handed to
 * `create` beside the kind's own keys.
 */
export interface SourceCommonConfig {
  id: string;
  name?: string;
  /** The source's API base (which is also its UI base); a kind may make it optional in its schema. */
  url?: string;
  service?: string;
  intervalMs: number;
  timeoutMs: number;
  roles: { trigger: string[]; rerun: string[]; cancel: string[] };
}

// biome-ignore lint/suspicious/noExplicitAny: any strict object schema with a literal `kind`
type SourceSchema = z.ZodObject<any, any>;

/**
 * One kind of job source (one file each), registered in registry.ts. Its schema is the kind-specific
 * part of a `jobs.sources[]` entry (with `kind: z.literal(...)`); the common part (id, name, url,
 * service, intervalMs, timeoutMs, roles) is added by the module, and `create` gets both. A kind may
 * redefine a common key in its schema (`url: z.url()` to require it): its definition wins.
 */
export interface JobSourceAdapter<S extends SourceSchema = SourceSchema> {
  kind: string;
  schema: S;
  create(config: z.output<S> & SourceCommonConfig, ctx: JobSourceContext): JobSource;
}

export const defineJobSource = <S extends SourceSchema>(adapter: JobSourceAdapter<S>): JobSourceAdapter<S> =>
  adapter;
