/** Shapes of the BFF's lineage API (server/modules/lineage). */
export type NodeKind = 'job' | 'dataset' | 'more';
export type RunState = 'NEW' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';

export interface ApiNode {
  id: string;
  kind: NodeKind;
  namespace: string;
  name: string;
  state?: RunState;
  runId?: string;
  stateTime?: string;
  versions?: number;
  more?: { of: string; direction: 'up' | 'down'; count: number; offset: number };
}

export interface ApiEdge {
  source: string;
  target: string;
}

export interface LineageGraph {
  nodes: ApiNode[];
  edges: ApiEdge[];
  asOf: string | null;
}

export interface SearchResult {
  id: string;
  kind: 'job' | 'dataset';
  namespace: string;
  name: string;
  state?: RunState;
}

export interface ColumnRef {
  dataset: string;
  field: string;
}

export interface ColumnGraph {
  columns: ColumnRef[];
  edges: { source: ColumnRef; target: ColumnRef }[];
  fields: Record<string, string[]>;
}

export interface Link {
  label: string;
  url: string;
}

export interface DatasetDetail {
  id: string;
  kind: 'dataset';
  namespace: string;
  name: string;
  fields: { name: string; type?: string; description?: string }[];
  versions: {
    number: number;
    runId: string | null;
    createdAt: string;
    schemaHash: string | null;
    job: string | null;
  }[];
  schemaDiffs: {
    from: number;
    to: number;
    at: string;
    added: string[];
    removed: string[];
    changed: { name: string; from?: string; to?: string }[];
  }[];
  producers: { id: string; name: string; state?: RunState }[];
  consumers: { id: string; name: string; state?: RunState }[];
  lastWrite: { at: string; runId: string | null; job: string | null } | null;
  links: Link[];
}

export interface JobDetail {
  id: string;
  kind: 'job';
  namespace: string;
  name: string;
  state: RunState | null;
  versions: number;
  sql: { query: string; dialect: string | null } | null;
  runs: {
    runId: string;
    state: RunState;
    startedAt: string | null;
    endedAt: string | null;
    durationMs: number | null;
    errorMessage: string | null;
    stackTrace: string | null;
    parentRunId: string | null;
  }[];
  inputs: { id: string; name: string }[];
  outputs: { id: string; name: string }[];
  links: Link[];
}

/** One committed change, as the BFF publishes it on the `lineage` topic. */
export interface LineageChange {
  nodes: { id: string; kind: 'job' | 'dataset'; namespace: string; name: string }[];
  runs: { job: string; name: string; runId: string; eventType: string; state: RunState; at: string }[];
  edgesAdded: [string, string][];
  edgesRemoved: [string, string][];
  versions: { dataset: string; count: number }[];
  columnLineage: string[];
}
