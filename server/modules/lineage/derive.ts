// Pure part of ingestion: from a batch of validated events, the rows to upsert into the derived
// tables, merged per key in event-time order so one multi-row statement per table suffices.
import { hash } from 'node:crypto';
import type { NodeKind, RunState } from './contract.ts';
import type { DatasetRef, ParsedEvent } from './event-schema.ts';

const STATE_OF: Record<string, RunState> = {
  START: 'RUNNING',
  RUNNING: 'RUNNING',
  COMPLETE: 'COMPLETED',
  FAIL: 'FAILED',
  ABORT: 'ABORTED',
};

export interface IncomingEvent {
  parsed: ParsedEvent;
  /** The body exactly as received (unknown keys and facets included). */
  raw: unknown;
  source: string;
}

export interface Keyed extends IncomingEvent {
  time: Date;
  dedupKey: string;
  runId: string | null;
  eventType: string | null;
}

export const nodeKey = (kind: NodeKind, namespace: string, name: string) => `${kind}:${namespace}:${name}`;

/** Idempotency key: (runId, eventType, eventTime instant) for RunEvents, a digest of the body otherwise. */
export function keyOf(event: IncomingEvent): Keyed {
  const time = new Date(event.parsed.event.eventTime);
  if (event.parsed.kind === 'run') {
    const { run, eventType } = event.parsed.event;
    const runId = run.runId.toLowerCase();
    const type = eventType ?? 'OTHER';
    return {
      ...event,
      time,
      runId,
      eventType: type,
      dedupKey: `run:${runId}:${type}:${preciseInstant(event.parsed.event.eventTime)}`,
    };
  }
  const digest = hash('sha256', JSON.stringify(event.raw), 'base64url');
  return { ...event, time, runId: null, eventType: null, dedupKey: `${event.parsed.kind}:${digest}` };
}

/** The instant at microsecond precision (PostgreSQL's), independent of how the offset was written. */
function preciseInstant(text: string): string {
  const ms = Date.parse(text);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const micros = fraction.padEnd(6, '0').slice(3, 6);
  return `${ms}${micros}`;
}

/** What rows of jobs and datasets share: names, first and last sighting, merged facets. */
export interface NodeRow {
  key: string;
  namespace: string;
  name: string;
  first: Date;
  last: Date;
  facets: Record<string, unknown>;
  deleted: string[];
}
export interface DatasetRow extends NodeRow {
  /** Digest per facet name, to skip rewriting unchanged rows. */
  hashes: Record<string, string>;
  /** Named by a DatasetEvent or JobEvent: no run records that it was seen (lineage_run_io). */
  seenOutsideRuns: boolean;
}
export interface JobRow extends NodeRow {
  latestRunId: string | null;
  latestState: RunState | null;
  latestTime: Date | null;
}
export interface RunRow {
  runId: string;
  jobKey: string;
  state: RunState;
  stateTime: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  parentRunId: string | null;
  errorMessage: string | null;
  facets: Record<string, unknown>;
}
export interface EdgeRow {
  jobKey: string;
  datasetKey: string;
  direction: 'in' | 'out';
  first: Date;
  last: Date;
  runId: string | null;
}
export interface VersionRow {
  datasetKey: string;
  runId: string | null;
  at: Date;
  isWrite: boolean;
  schemaHash: string | null;
  fields: unknown[] | null;
}
export interface ColumnEdgeRow {
  outKey: string;
  outField: string;
  inKey: string;
  inNamespace: string;
  inName: string;
  inField: string;
  jobKey: string | null;
  transformations: unknown;
  at: Date;
}

export interface Derived {
  namespaces: Map<string, { first: Date; last: Date }>;
  datasets: Map<string, DatasetRow>;
  jobs: Map<string, JobRow>;
  runs: Map<string, RunRow>;
  states: { runId: string; state: string; at: Date }[];
  edges: Map<string, EdgeRow>;
  /** Inputs and outputs per run. */
  io: Map<string, { runId: string; datasetKey: string; direction: 'in' | 'out'; at: Date }>;
  /** Latest COMPLETE per job: its run's edges replace the job's earlier ones. */
  completes: Map<string, { runId: string; at: Date }>;
  versions: Map<string, VersionRow>;
  /**
   * Per output dataset: the latest columnLineage facet, its time, job and digest. Its edges are
   * expanded (columnEdgesOf) only when the digest differs from the facet last applied.
   */
  columnSupersede: Map<string, ColumnLineage>;
  jobVersions: Map<string, { jobKey: string; hash: string; at: Date; runId: string }>;
}

/** Merges a batch of new events (any order) into per-key rows; later event time wins. */
export function derive(events: Keyed[]): Derived {
  const d: Derived = {
    namespaces: new Map(),
    datasets: new Map(),
    jobs: new Map(),
    runs: new Map(),
    states: [],
    edges: new Map(),
    io: new Map(),
    completes: new Map(),
    versions: new Map(),
    columnSupersede: new Map(),
    jobVersions: new Map(),
  };
  const ordered = [...events].sort((a, b) => a.time.getTime() - b.time.getTime());
  for (const item of ordered) {
    const { parsed, time } = item;
    if (parsed.kind === 'dataset') {
      const key = addDataset(d, parsed.event.dataset, time, false);
      addVersion(d, key, null, time, false, parsed.event.dataset.facets);
      continue;
    }
    const job = parsed.event.job;
    const jobKey = addJob(d, job, time);
    const runId = parsed.kind === 'run' ? item.runId : null;
    const eventType = parsed.kind === 'run' ? item.eventType : null;
    const inputs = (parsed.event.inputs ?? []) as DatasetRef[];
    const outputs = (parsed.event.outputs ?? []) as DatasetRef[];
    for (const input of inputs) {
      const key = addDataset(d, input, time, runId !== null);
      addEdge(d, jobKey, key, 'in', time, runId);
      addVersion(d, key, null, time, false, input.facets);
    }
    for (const output of outputs) {
      const key = addDataset(d, output, time, runId !== null);
      addEdge(d, jobKey, key, 'out', time, runId);
      addVersion(d, key, runId, time, runId !== null, output.facets);
      addColumnLineage(d, key, jobKey, output.facets?.columnLineage, time);
    }
    if (parsed.kind !== 'run' || !runId) continue;
    const state = STATE_OF[eventType ?? ''] ?? null;
    addRun(d, runId, jobKey, state, time, parsed.event.run.facets ?? {});
    d.states.push({ runId, state: eventType ?? 'OTHER', at: time });
    const jobRow = d.jobs.get(jobKey)!;
    if (state && (!jobRow.latestTime || time >= jobRow.latestTime)) {
      jobRow.latestRunId = runId;
      jobRow.latestState = state;
      jobRow.latestTime = time;
    }
    if (eventType === 'COMPLETE') {
      d.completes.set(jobKey, { runId, at: time });
      const hash = jobVersionHash(inputs, outputs, job.facets);
      d.jobVersions.set(`${jobKey}\u0000${hash}`, { jobKey, hash, at: time, runId });
    }
  }
  addDigests(d);
  return d;
}

/** Digests of what each row ends up with, once per row rather than once per event naming it. */
function addDigests(d: Derived) {
  for (const row of d.datasets.values()) {
    for (const [name, value] of Object.entries(row.facets)) row.hashes[name] = digest(value);
  }
  for (const version of d.versions.values()) {
    if (version.fields)
      version.schemaHash = hash('sha256', JSON.stringify(version.fields), 'base64url').slice(0, 22);
  }
  for (const latest of d.columnSupersede.values()) latest.hash = digest(latest.facet);
}

function mergeFacets(
  target: { facets: Record<string, unknown>; deleted: string[] },
  facets: Record<string, unknown> | undefined,
) {
  for (const [name, value] of Object.entries(facets ?? {})) {
    if ((value as { _deleted?: unknown })?._deleted === true) {
      delete target.facets[name];
      if (!target.deleted.includes(name)) target.deleted.push(name);
    } else {
      target.facets[name] = value;
      target.deleted = target.deleted.filter((n) => n !== name);
    }
  }
}

function touchNamespace(d: Derived, namespace: string, time: Date) {
  const ns = d.namespaces.get(namespace);
  if (!ns) d.namespaces.set(namespace, { first: time, last: time });
  else ns.last = time;
}

type NamedRef = { namespace: string; name: string; facets?: Record<string, unknown> };

/** The row of a job or dataset the event names (made by `create` the first time), seen at `time`. */
function touchNode<Row extends NodeRow>(
  d: Derived,
  rows: Map<string, Row>,
  kind: NodeKind,
  ref: NamedRef,
  time: Date,
  create: (base: NodeRow) => Row,
): Row {
  const key = nodeKey(kind, ref.namespace, ref.name);
  touchNamespace(d, ref.namespace, time);
  let row = rows.get(key);
  if (!row) {
    row = create({
      key,
      namespace: ref.namespace,
      name: ref.name,
      first: time,
      last: time,
      facets: {},
      deleted: [],
    });
    rows.set(key, row);
  }
  row.last = time;
  mergeFacets(row, ref.facets);
  return row;
}

const newDataset = (base: NodeRow): DatasetRow => ({ ...base, hashes: {}, seenOutsideRuns: false });
const newJob = (base: NodeRow): JobRow => ({
  ...base,
  latestRunId: null,
  latestState: null,
  latestTime: null,
});

function addDataset(d: Derived, ref: NamedRef, time: Date, byRun: boolean): string {
  const row = touchNode(d, d.datasets, 'dataset', ref, time, newDataset);
  if (!byRun) row.seenOutsideRuns = true;
  return row.key;
}

const digest = (value: unknown) => hash('sha1', JSON.stringify(value), 'base64url');

const addJob = (d: Derived, job: NamedRef, time: Date): string =>
  touchNode(d, d.jobs, 'job', job, time, newJob).key;

function addEdge(
  d: Derived,
  jobKey: string,
  datasetKey: string,
  direction: 'in' | 'out',
  time: Date,
  runId: string | null,
) {
  const key = `${jobKey}\u0000${datasetKey}\u0000${direction}`;
  if (runId) {
    const ioKey = `${runId}\u0000${datasetKey}\u0000${direction}`;
    if (!d.io.has(ioKey)) d.io.set(ioKey, { runId, datasetKey, direction, at: time });
  }
  const edge = d.edges.get(key);
  if (!edge) d.edges.set(key, { jobKey, datasetKey, direction, first: time, last: time, runId });
  else {
    edge.last = time;
    edge.runId = runId ?? edge.runId;
  }
}

function addRun(
  d: Derived,
  runId: string,
  jobKey: string,
  state: RunState | null,
  time: Date,
  facets: Record<string, unknown>,
) {
  let run = d.runs.get(runId);
  if (!run) {
    run = {
      runId,
      jobKey,
      state: state ?? 'NEW',
      stateTime: time,
      startedAt: null,
      endedAt: null,
      parentRunId: null,
      errorMessage: null,
      facets: {},
    };
    d.runs.set(runId, run);
  }
  if (state) {
    run.state = state;
    run.stateTime = time;
  }
  if (state === 'RUNNING' && !run.startedAt) run.startedAt = time;
  if (state === 'COMPLETED' || state === 'FAILED' || state === 'ABORTED') run.endedAt = time;
  Object.assign(run.facets, facets);
  const parent = facets.parent as { run?: { runId?: string } } | undefined;
  if (parent?.run?.runId) run.parentRunId = parent.run.runId.toLowerCase();
  const error = facets.errorMessage as { message?: string } | undefined;
  if (typeof error?.message === 'string') run.errorMessage = error.message;
}

interface SchemaFacetShape {
  fields?: unknown[];
}

function addVersion(
  d: Derived,
  datasetKey: string,
  runId: string | null,
  at: Date,
  isWrite: boolean,
  facets: Record<string, unknown> | undefined,
) {
  const schema = facets?.schema as SchemaFacetShape | undefined;
  const fields = Array.isArray(schema?.fields) ? schema.fields : null;
  if (!isWrite && !fields) return;
  // A write: one version per (dataset, run); a schema seen elsewhere: one candidate per dataset, the latest.
  const key = isWrite ? `${datasetKey}\u0000${runId}` : `${datasetKey}\u0000`;
  const existing = d.versions.get(key);
  if (existing) {
    existing.at = isWrite ? existing.at : at;
    if (fields) {
      existing.fields = fields;
    }
    return;
  }
  d.versions.set(key, { datasetKey, runId: isWrite ? runId : null, at, isWrite, schemaHash: null, fields });
}

interface ColumnLineageShape {
  fields?: Record<
    string,
    { inputFields?: { namespace: string; name: string; field: string; transformations?: unknown }[] }
  >;
}

export interface ColumnLineage {
  at: Date;
  jobKey: string;
  facet: ColumnLineageShape;
  hash: string;
}

function addColumnLineage(d: Derived, outKey: string, jobKey: string, facet: unknown, time: Date) {
  const shape = facet as ColumnLineageShape | undefined;
  if (!shape?.fields || (facet as { _deleted?: unknown })._deleted) return;
  // A later facet for the same dataset replaces an earlier one of this batch.
  d.columnSupersede.set(outKey, { at: time, jobKey, facet: shape, hash: '' });
}

/** The column edges a columnLineage facet of `outKey` states, one per (output field, input column). */
export function columnEdgesOf(outKey: string, lineage: ColumnLineage): ColumnEdgeRow[] {
  const edges = new Map<string, ColumnEdgeRow>();
  for (const [outField, { inputFields = [] }] of Object.entries(lineage.facet.fields ?? {})) {
    for (const input of inputFields) {
      const inKey = nodeKey('dataset', input.namespace, input.name);
      edges.set(`${outField}\u0000${inKey}\u0000${input.field}`, {
        outKey,
        outField,
        inKey,
        inNamespace: input.namespace,
        inName: input.name,
        inField: input.field,
        jobKey: lineage.jobKey,
        transformations: input.transformations ?? null,
        at: lineage.at,
      });
    }
  }
  return [...edges.values()];
}

function jobVersionHash(
  inputs: DatasetRef[],
  outputs: DatasetRef[],
  facets: Record<string, unknown> | undefined,
): string {
  const io = (list: DatasetRef[]) => list.map((x) => `${x.namespace}\u0000${x.name}`).sort();
  const sql = (facets?.sql as { query?: string } | undefined)?.query ?? null;
  const source = (facets?.sourceCode as { sourceCode?: string } | undefined)?.sourceCode ?? null;
  return hash('sha256', JSON.stringify([io(inputs), io(outputs), sql, source]), 'base64url').slice(0, 22);
}
