// The Lineage API as both tiers see it (the SPA imports it with `import type` from '@contracts/lineage').
// Types and zod schemas only: nothing here may import server code.
import { z } from 'zod';

/** A job's state from its latest run's events (START/RUNNING -> RUNNING, COMPLETE -> COMPLETED...). */
export const runState = z.enum(['NEW', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED']);
export type RunState = z.output<typeof runState>;
const nodeKind = z.enum(['job', 'dataset']);
export type NodeKind = z.output<typeof nodeKind>;
export type Direction = 'up' | 'down' | 'both';

/** A node of a walk: a job, a dataset, or a "+N more" node standing for neighbours cut from the page. */
export const graphNode = z.object({
  /** `job:<namespace>:<name>`, `dataset:<namespace>:<name>` or `more:<up|down>:<node id>`. */
  id: z.string(),
  kind: z.enum(['job', 'dataset', 'more']),
  namespace: z.string(),
  name: z.string(),
  state: runState.optional(),
  runId: z.string().optional(),
  stateTime: z.string().optional(),
  versions: z.number().optional(),
  /** For a "+N more" node: the node whose neighbours were cut, the direction and how many. */
  more: z
    .object({ of: z.string(), direction: z.enum(['up', 'down']), count: z.number(), offset: z.number() })
    .optional(),
});
export type GraphNode = z.output<typeof graphNode>;

/** `source` is upstream of `target` (dataset -> job for an input, job -> dataset for an output). */
export const graphEdge = z.object({ source: z.string(), target: z.string() });
export type GraphEdge = z.output<typeof graphEdge>;

/** GET /api/lineage: a walk around one node, now or as of a past time. */
export const lineageGraph = z.object({
  nodes: z.array(graphNode),
  edges: z.array(graphEdge),
  /** True when the walk stopped at the configured most nodes. */
  truncated: z.boolean().optional(),
  asOf: z.string().nullable(),
});
export type LineageGraph = z.output<typeof lineageGraph>;

export const searchResult = z.object({
  id: z.string(),
  kind: nodeKind,
  namespace: z.string(),
  name: z.string(),
  state: runState.optional(),
});
export type SearchResult = z.output<typeof searchResult>;

/** GET /api/lineage/search. */
export const searchResults = z.object({ results: z.array(searchResult) });
export type SearchResults = z.output<typeof searchResults>;

/** A job with a run, and when its latest run last changed state. */
export const recentJob = searchResult.extend({ kind: z.literal('job'), stateTime: z.string() });
export type RecentJob = z.output<typeof recentJob>;

/** GET /api/lineage/recent: the jobs whose runs changed state last, latest first. */
export const recentJobs = z.object({ jobs: z.array(recentJob) });
export type RecentJobs = z.output<typeof recentJobs>;

export interface ColumnRef {
  /** Dataset node id. */
  dataset: string;
  field: string;
}

export interface ColumnEdge {
  source: ColumnRef;
  target: ColumnRef;
  /** The columnLineage facet's transformations, as the producer sent them. */
  transformations: unknown;
}

/** GET /api/lineage/columns: column-level lineage around one field. */
export interface ColumnGraph {
  columns: ColumnRef[];
  edges: ColumnEdge[];
  /** Every field (as of the time asked) of each dataset that takes part. */
  fields: Record<string, string[]>;
}

export interface Link {
  label: string;
  url: string;
}

export interface SchemaField {
  name: string;
  type?: string;
  description?: string;
}

export interface SchemaDiff {
  /** Version numbers (1 = the first version). */
  from: number;
  to: number;
  at: string;
  added: string[];
  removed: string[];
  changed: { name: string; from?: string; to?: string }[];
}

export interface DatasetVersion {
  number: number;
  runId: string | null;
  createdAt: string;
  schemaHash: string | null;
  /** Job node id of the run that wrote it. */
  job: string | null;
}

/** A neighbour named in a detail: a dataset's producers and consumers, a job's inputs and outputs. */
export interface NodeRef {
  id: string;
  namespace: string;
  name: string;
  state?: RunState;
}

/** GET /api/lineage/node for a dataset. */
export interface DatasetDetail {
  id: string;
  kind: 'dataset';
  namespace: string;
  name: string;
  firstSeen?: string;
  updatedAt?: string;
  /** Current facets; absent when asked as of a past time. */
  facets?: Record<string, unknown>;
  fields: SchemaField[];
  versions: DatasetVersion[];
  schemaDiffs: SchemaDiff[];
  producers: NodeRef[];
  consumers: NodeRef[];
  lastWrite: { at: string; runId: string | null; job: string | null } | null;
  links: Link[];
}

export interface JobRun {
  runId: string;
  state: RunState;
  stateTime: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  errorMessage: string | null;
  stackTrace: string | null;
  parentRunId: string | null;
}

/** GET /api/lineage/node for a job. */
export interface JobDetail {
  id: string;
  kind: 'job';
  namespace: string;
  name: string;
  firstSeen?: string;
  updatedAt?: string;
  versions: number;
  state: RunState | null;
  facets: Record<string, unknown>;
  sql: { query: string; dialect: string | null } | null;
  runs: JobRun[];
  inputs: NodeRef[];
  outputs: NodeRef[];
  links: Link[];
}

export type NodeDetail = DatasetDetail | JobDetail;

/** GET /api/lineage/range: the first and last event times stored. */
export const timeRange = z.object({ first: z.string().nullable(), last: z.string().nullable() });
export type TimeRange = z.output<typeof timeRange>;

/** A job or dataset a change created or touched. */
export interface ChangedNode {
  id: string;
  kind: NodeKind;
  /** Its row id in PostgreSQL, by which other replicas' graph indexes know it. */
  dbId: number;
  namespace: string;
  name: string;
}

export interface RunChange {
  /** Job node id. */
  job: string;
  name: string;
  runId: string;
  eventType: string;
  state: RunState;
  at: string;
}

/** What a committed batch changed: applied to every replica's graph index and sent to browsers. */
export interface LineageChange {
  nodes: ChangedNode[];
  runs: RunChange[];
  edgesAdded: [string, string][];
  edgesRemoved: [string, string][];
  /** Datasets that got a new version, with their version count. */
  versions: { dataset: string; count: number }[];
  /** Output datasets whose column lineage was replaced. */
  columnLineage: string[];
}

export const LINEAGE_TOPIC = 'lineage';

/**
 * A committed change in full, or for a change too big to send (`bulk`) its size: clients refetch.
 * `origin` names the replica that stored it.
 */
export type LineageLiveEvent =
  | { topic: typeof LINEAGE_TOPIC; type: 'change'; data: LineageChange & { origin: string } }
  | { topic: typeof LINEAGE_TOPIC; type: 'bulk'; data: { origin: string; runs: number; nodes: number } };

/** Why an OpenLineage event was refused. */
export const eventProblem = z.object({
  /** JSON path of the offending value, e.g. `$.run.runId` or `$.inputs[0].facets.schema.fields`. */
  path: z.string(),
  message: z.string(),
});
export type EventProblem = z.output<typeof eventProblem>;

/** What became of one event of a batch (`index` into the batch). */
export const eventResult = z.object({
  index: z.number().int(),
  status: z.enum(['stored', 'duplicate', 'rejected']),
  problems: z.array(eventProblem).optional(),
});
export type EventResult = z.output<typeof eventResult>;

/** POST /api/v1/lineage/batch (and the 400 `details` when some events were rejected). */
export const ingestResult = z.object({
  stored: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  results: z.array(eventResult),
});
export type IngestResult = z.output<typeof ingestResult>;

/** POST /api/v1/lineage: the event was stored, or was a duplicate of a stored one. */
export const ingestOneResult = z.object({ status: z.enum(['stored', 'duplicate']) });

const nodeId = z
  .string()
  .min(1)
  .max(10_000)
  .regex(/^(job|dataset):/, 'expected a node id like dataset:<namespace>:<name> or job:<namespace>:<name>');
/** An ISO 8601 date-time (with its zone) parsed into a Date; absent means now. */
const asOf = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone' })
  .optional()
  .transform((value) => (value ? new Date(value) : null));

/** Query of GET /api/lineage, within the configured `lineage.graph` limits. */
export const graphQuery = (limits: { maxDepth: number; pageSize: number }) =>
  z.strictObject({
    nodeId,
    depth: z.coerce.number().int().min(0).max(limits.maxDepth).default(2),
    direction: z.enum(['up', 'down', 'both']).default('both'),
    asOf,
    pageSize: z.coerce.number().int().min(1).max(10_000).default(limits.pageSize),
    offset: z.coerce.number().int().min(0).default(0),
  });
export type GraphQuery = z.output<ReturnType<typeof graphQuery>>;

export const columnsQuery = z.strictObject({
  nodeId,
  field: z.string().min(1).max(1024),
  depth: z.coerce.number().int().min(1).max(50).default(10),
  asOf,
});

export const searchQuery = z.strictObject({
  q: z.string().max(200).default(''),
  kind: z.enum(['job', 'dataset']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const recentQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(8),
});

export const nodeQuery = z.strictObject({ nodeId, asOf });
