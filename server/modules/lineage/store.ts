// SQL of ingestion: one transaction per batch, one multi-row statement (unnest of arrays) per table.
import type pg from 'pg';
import type { Db } from '../../platform/db/pool.ts';
import { type Column, unnest } from '../../platform/db/unnest.ts';
import type { LineageChange } from './contract.ts';
import {
  type ColumnEdgeRow,
  columnEdgesOf,
  type DatasetRow,
  type Derived,
  derive,
  type Keyed,
  type NodeRow,
  nodeKey,
  type VersionRow,
} from './derive.ts';

export interface StoreResult {
  /** dedup keys of events stored by this call; others were duplicates. */
  stored: Set<string>;
  change: LineageChange;
}

const RETRYABLE = new Set(['40P01', '40001']);
const HOUR = 3_600_000;

/** Stores a batch of validated events and everything derived from them in one transaction. */
export async function storeBatch(db: Db, events: Keyed[]): Promise<StoreResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((client) => storeIn(client, events));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

const iso = (d: Date) => d.toISOString();
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

async function storeIn(client: pg.PoolClient, events: Keyed[]): Promise<StoreResult> {
  const change: LineageChange = {
    nodes: [],
    runs: [],
    edgesAdded: [],
    edgesRemoved: [],
    versions: [],
    columnLineage: [],
  };
  if (events.length === 0) return { stored: new Set(), change };
  const rows = unnest([
    [events.map((e) => e.parsed.kind), 'text'],
    [events.map((e) => e.runId), 'uuid'],
    [events.map((e) => e.eventType), 'text'],
    [events.map((e) => iso(e.time)), 'timestamptz'],
    [events.map((e) => e.dedupKey), 'text'],
    [events.map((e) => e.source), 'text'],
    [events.map((e) => JSON.stringify(e.raw)), 'json'],
  ]);
  const inserted = await client.query<{ id: number; dedup_key: string }>(
    `INSERT INTO lineage_events (kind, run_id, event_type, event_time, dedup_key, source, body)
     SELECT * FROM ${rows.sql}
     ON CONFLICT (dedup_key) DO NOTHING
     RETURNING id, dedup_key`,
    rows.values,
  );
  const ids = new Map(inserted.rows.map((row) => [row.dedup_key, row.id]));
  const fresh = events.filter((e) => ids.has(e.dedupKey));
  // Two copies of one event in a batch: the first is stored, the second is a duplicate.
  const seen = new Set<string>();
  const unique = fresh.filter((e) => !seen.has(e.dedupKey) && seen.add(e.dedupKey));
  if (unique.length === 0) return { stored: new Set(), change };
  const d = derive(unique);

  await upsertNamespaces(client, d.namespaces);
  const knownSchemas: KnownSchemas = new Map();
  const datasetIds = await upsertDatasets(client, [...d.datasets.values()], change, knownSchemas);
  const jobIds = await upsertJobs(client, d, change);
  await upsertRuns(client, d, jobIds, change);
  await upsertEdges(client, d, jobIds, datasetIds, change);
  await insertVersions(client, d, datasetIds, knownSchemas, change);
  await upsertColumnEdges(client, d, jobIds, datasetIds, change);
  await insertJobVersions(client, d, jobIds);
  return { stored: new Set(ids.keys()), change };
}

/**
 * Every batch names the same few namespaces: looked up first, they are written only when new, seen
 * earlier or an hour later. Updating them each time made concurrent writers queue on their rows.
 */
async function upsertNamespaces(client: pg.PoolClient, namespaces: Derived['namespaces']) {
  const names = [...namespaces.keys()];
  const { rows: known } = await client.query<{ name: string; first_seen: Date; last_seen: Date }>(
    'SELECT name, first_seen, last_seen FROM lineage_namespaces WHERE name = ANY($1::text[])',
    [names],
  );
  const current = new Map(known.map((row) => [row.name, row]));
  const list = [...namespaces]
    .filter(([name, seen]) => {
      const row = current.get(name);
      return !row || row.first_seen > seen.first || row.last_seen.getTime() < seen.last.getTime() - HOUR;
    })
    .sort(([a], [b]) => (a < b ? -1 : 1));
  if (list.length === 0) return;
  await client.query(
    `INSERT INTO lineage_namespaces (name, first_seen, last_seen)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
     ON CONFLICT (name) DO UPDATE SET first_seen = least(lineage_namespaces.first_seen, excluded.first_seen),
       last_seen = greatest(lineage_namespaces.last_seen, excluded.last_seen)`,
    [list.map(([n]) => n), list.map(([, t]) => iso(t.first)), list.map(([, t]) => iso(t.last))],
  );
}

type Ids = Map<string, number>;

/** The columns datasets and jobs share, in table order. */
const nodeColumns = (rows: NodeRow[]): Column[] => [
  [rows.map((r) => r.namespace), 'text'],
  [rows.map((r) => r.name), 'text'],
  [rows.map((r) => iso(r.first)), 'timestamptz'],
  [rows.map((r) => iso(r.last)), 'timestamptz'],
  [rows.map((r) => JSON.stringify(r.facets)), 'jsonb'],
];

interface KnownDataset {
  id: number;
  namespace: string;
  name: string;
  first_seen: Date;
  updated_at: Date;
  facet_hashes: Record<string, string>;
  schema_hash: string | null;
}

/** Schema digests of datasets as this transaction read them (absent: a new dataset). */
type KnownSchemas = Map<string, string | null>;

/** Rewriting an unchanged row is the main cost of a busy dataset: only new facets, an earlier first
 * sighting, or an hour's age when no run saw it, make one. Runs that touch it are in lineage_run_io,
 * which the dataset detail reads for "updated at". */
const needsWrite = (row: DatasetRow, known: KnownDataset) =>
  row.deleted.length > 0 ||
  known.first_seen > row.first ||
  (row.seenOutsideRuns && known.updated_at.getTime() < row.last.getTime() - HOUR) ||
  Object.entries(row.hashes).some(([name, hash]) => known.facet_hashes[name] !== hash);

async function lookupDatasets(client: pg.PoolClient, rows: DatasetRow[]): Promise<KnownDataset[]> {
  const { rows: known } = await client.query<KnownDataset>(
    `SELECT t.id, t.namespace, t.name, t.first_seen, t.updated_at, t.facet_hashes, t.schema_hash FROM lineage_datasets t
       JOIN unnest($1::text[], $2::text[]) AS u(ns, name) ON t.namespace = u.ns AND t.name = u.name`,
    [rows.map((r) => r.namespace), rows.map((r) => r.name)],
  );
  return known;
}

async function upsertDatasets(
  client: pg.PoolClient,
  datasets: DatasetRow[],
  change: LineageChange,
  knownSchemas?: KnownSchemas,
): Promise<Ids> {
  const all = [...datasets].sort((a, b) => (a.key < b.key ? -1 : 1));
  const ids: Ids = new Map();
  // Read first, without locking: most events name datasets that exist with the same facets.
  const known = new Map(
    (await lookupDatasets(client, all)).map((row) => [nodeKey('dataset', row.namespace, row.name), row]),
  );
  for (const [key, row] of known) knownSchemas?.set(key, row.schema_hash);
  const rows = all.filter((row) => {
    const current = known.get(row.key);
    if (current) ids.set(row.key, current.id);
    return !current || needsWrite(row, current);
  });
  if (rows.length === 0) return ids;
  const u = unnest([...nodeColumns(rows), [rows.map((r) => JSON.stringify(r.hashes)), 'jsonb']]);
  const { rows: out } = await client.query<{
    id: number;
    namespace: string;
    name: string;
    inserted: boolean;
  }>(
    `INSERT INTO lineage_datasets AS t (namespace, name, first_seen, updated_at, facets, facet_hashes)
     SELECT ns, name, first, last, facets, hashes
       FROM ${u.sql} AS u(ns, name, first, last, facets, hashes)
     ON CONFLICT (namespace, name) DO UPDATE SET
       first_seen = least(t.first_seen, excluded.first_seen),
       updated_at = greatest(t.updated_at, excluded.updated_at),
       -- Same facets (an earlier sighting, say): kept as they are rather than merged into a copy.
       facets = CASE WHEN t.facet_hashes @> excluded.facet_hashes THEN t.facets
         WHEN excluded.updated_at >= t.updated_at THEN t.facets || excluded.facets ELSE excluded.facets || t.facets END,
       facet_hashes = CASE WHEN t.facet_hashes @> excluded.facet_hashes THEN t.facet_hashes
         WHEN excluded.updated_at >= t.updated_at THEN t.facet_hashes || excluded.facet_hashes ELSE excluded.facet_hashes || t.facet_hashes END
     -- needsWrite again, for rows another transaction wrote since the lookup
     WHERE t.first_seen > excluded.first_seen OR t.updated_at < excluded.updated_at - interval '1 hour'
        OR NOT (t.facet_hashes @> excluded.facet_hashes)
     RETURNING id, namespace, name, (xmax = 0) AS inserted`,
    u.values,
  );
  const deleted = rows.filter((r) => r.deleted.length);
  if (deleted.length) {
    await client.query(
      `UPDATE lineage_datasets t SET facets = t.facets - string_to_array(u.deleted, ','), facet_hashes = t.facet_hashes - string_to_array(u.deleted, ',')
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(ns, name, deleted) WHERE t.namespace = u.ns AND t.name = u.name`,
      [deleted.map((r) => r.namespace), deleted.map((r) => r.name), deleted.map((r) => r.deleted.join(','))],
    );
  }
  for (const row of out) {
    const id = nodeKey('dataset', row.namespace, row.name);
    ids.set(id, row.id);
    if (row.inserted)
      change.nodes.push({ id, kind: 'dataset', dbId: row.id, namespace: row.namespace, name: row.name });
  }
  const unchanged = rows.filter((r) => !ids.has(r.key));
  if (unchanged.length) {
    for (const row of await lookupDatasets(client, unchanged))
      ids.set(nodeKey('dataset', row.namespace, row.name), row.id);
  }
  return ids;
}

async function upsertJobs(client: pg.PoolClient, d: Derived, change: LineageChange): Promise<Ids> {
  const rows = [...d.jobs.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  const u = unnest([
    ...nodeColumns(rows),
    [rows.map((r) => r.latestRunId), 'uuid'],
    [rows.map((r) => r.latestState), 'text'],
    [rows.map((r) => (r.latestTime ? iso(r.latestTime) : null)), 'timestamptz'],
  ]);
  const { rows: out } = await client.query<{
    id: number;
    namespace: string;
    name: string;
    inserted: boolean;
  }>(
    `INSERT INTO lineage_jobs AS t (namespace, name, first_seen, updated_at, facets, latest_run_id, latest_state, latest_event_time)
     SELECT ns, name, first, last, facets, run, state, at
       FROM ${u.sql} AS u(ns, name, first, last, facets, run, state, at)
     ON CONFLICT (namespace, name) DO UPDATE SET
       first_seen = least(t.first_seen, excluded.first_seen),
       updated_at = greatest(t.updated_at, excluded.updated_at),
       facets = CASE WHEN excluded.updated_at >= t.updated_at THEN t.facets || excluded.facets ELSE excluded.facets || t.facets END,
       latest_run_id = CASE WHEN excluded.latest_event_time >= coalesce(t.latest_event_time, '-infinity') THEN excluded.latest_run_id ELSE t.latest_run_id END,
       latest_state = CASE WHEN excluded.latest_event_time >= coalesce(t.latest_event_time, '-infinity') THEN excluded.latest_state ELSE t.latest_state END,
       latest_event_time = greatest(t.latest_event_time, excluded.latest_event_time)
     RETURNING id, namespace, name, (xmax = 0) AS inserted`,
    u.values,
  );
  const deleted = rows.filter((r) => r.deleted.length);
  if (deleted.length) {
    await client.query(
      `UPDATE lineage_jobs t SET facets = t.facets - string_to_array(u.deleted, ',')
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(ns, name, deleted) WHERE t.namespace = u.ns AND t.name = u.name`,
      [deleted.map((r) => r.namespace), deleted.map((r) => r.name), deleted.map((r) => r.deleted.join(','))],
    );
  }
  const ids: Ids = new Map();
  for (const row of out) {
    const id = nodeKey('job', row.namespace, row.name);
    ids.set(id, row.id);
    if (row.inserted)
      change.nodes.push({ id, kind: 'job', dbId: row.id, namespace: row.namespace, name: row.name });
  }
  return ids;
}

async function upsertRuns(client: pg.PoolClient, d: Derived, jobIds: Ids, change: LineageChange) {
  const runs = [...d.runs.values()].sort((a, b) => (a.runId < b.runId ? -1 : 1));
  if (runs.length === 0) return;
  const u = unnest([
    [runs.map((r) => r.runId), 'uuid'],
    [runs.map((r) => jobIds.get(r.jobKey)), 'bigint'],
    [runs.map((r) => r.state), 'text'],
    [runs.map((r) => iso(r.stateTime)), 'timestamptz'],
    [runs.map((r) => (r.startedAt ? iso(r.startedAt) : null)), 'timestamptz'],
    [runs.map((r) => (r.endedAt ? iso(r.endedAt) : null)), 'timestamptz'],
    [runs.map((r) => r.parentRunId), 'uuid'],
    [runs.map((r) => r.errorMessage), 'text'],
    [runs.map((r) => JSON.stringify(r.facets)), 'jsonb'],
  ]);
  await client.query(
    `INSERT INTO lineage_runs AS t (run_id, job_id, state, state_time, started_at, ended_at, parent_run_id, error_message, facets)
     SELECT * FROM ${u.sql}
     ON CONFLICT (run_id) DO UPDATE SET
       state = CASE WHEN excluded.state <> 'NEW' AND (t.state = 'NEW' OR excluded.state_time >= t.state_time) THEN excluded.state ELSE t.state END,
       state_time = CASE WHEN excluded.state <> 'NEW' AND (t.state = 'NEW' OR excluded.state_time >= t.state_time) THEN excluded.state_time ELSE t.state_time END,
       started_at = least(t.started_at, excluded.started_at),
       ended_at = greatest(t.ended_at, excluded.ended_at),
       parent_run_id = coalesce(excluded.parent_run_id, t.parent_run_id),
       error_message = coalesce(excluded.error_message, t.error_message),
       facets = t.facets || excluded.facets,
       changed_at = now()`,
    u.values,
  );
  for (const s of d.states) {
    const run = d.runs.get(s.runId)!;
    change.runs.push({
      job: run.jobKey,
      name: d.jobs.get(run.jobKey)?.name ?? run.jobKey,
      runId: s.runId,
      eventType: s.state,
      state: run.state,
      at: iso(s.at),
    });
  }
}

async function upsertEdges(
  client: pg.PoolClient,
  d: Derived,
  jobIds: Ids,
  datasetIds: Ids,
  change: LineageChange,
) {
  const edges = [...d.edges.values()].sort((a, b) =>
    a.jobKey === b.jobKey ? (a.datasetKey < b.datasetKey ? -1 : 1) : a.jobKey < b.jobKey ? -1 : 1,
  );
  const io = [...d.io.values()].sort((a, b) =>
    a.runId === b.runId ? (a.datasetKey < b.datasetKey ? -1 : 1) : a.runId < b.runId ? -1 : 1,
  );
  if (io.length) {
    await client.query(
      `INSERT INTO lineage_run_io (run_id, dataset_id, direction, at)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[]) ON CONFLICT DO NOTHING`,
      [
        io.map((e) => e.runId),
        io.map((e) => datasetIds.get(e.datasetKey)),
        io.map((e) => e.direction),
        io.map((e) => iso(e.at)),
      ],
    );
  }
  const dsKey = new Map([...datasetIds].map(([k, v]) => [v, k]));
  const jobKey = new Map([...jobIds].map(([k, v]) => [v, k]));
  const pair = (job: number, dataset: number, direction: string): [string, string] =>
    direction === 'in' ? [dsKey.get(dataset)!, jobKey.get(job)!] : [jobKey.get(job)!, dsKey.get(dataset)!];
  if (edges.length) {
    const { rows } = await client.query<{ job_id: number; dataset_id: number; direction: string }>(
      `INSERT INTO lineage_edges (job_id, dataset_id, direction, valid_from)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[])
       ON CONFLICT (job_id, dataset_id, direction) WHERE valid_to IS NULL DO NOTHING
       RETURNING job_id, dataset_id, direction`,
      [
        edges.map((e) => jobIds.get(e.jobKey)),
        edges.map((e) => datasetIds.get(e.datasetKey)),
        edges.map((e) => e.direction),
        edges.map((e) => iso(e.first)),
      ],
    );
    for (const row of rows) change.edgesAdded.push(pair(row.job_id, row.dataset_id, row.direction));
  }
  // A COMPLETE run states the job's inputs and outputs: edges its run did not touch end here,
  // per direction the run reported at all.
  const completes = [...d.completes].sort(([a], [b]) => (a < b ? -1 : 1));
  if (completes.length) {
    // Simple `= ANY` lookups and the decision in JS: a join here was planned as nested loops over
    // "empty" tables while their statistics lagged, and took minutes.
    const runs = new Map(completes.map(([job, c]) => [jobIds.get(job)!, c]));
    const current = await client.query<{
      id: number;
      job_id: number;
      dataset_id: number;
      direction: string;
      valid_from: Date;
    }>(
      'SELECT id, job_id, dataset_id, direction, valid_from FROM lineage_edges WHERE job_id = ANY($1::bigint[]) AND valid_to IS NULL',
      [[...runs.keys()]],
    );
    const io = await client.query<{ run_id: string; dataset_id: number; direction: string }>(
      'SELECT run_id, dataset_id, direction FROM lineage_run_io WHERE run_id = ANY($1::uuid[])',
      [[...runs.values()].map((c) => c.runId)],
    );
    const touched = new Set(io.rows.map((r) => `${r.run_id}|${r.direction}|${r.dataset_id}`));
    const reported = new Set(io.rows.map((r) => `${r.run_id}|${r.direction}`));
    const rows = current.rows.filter((e) => {
      const run = runs.get(e.job_id)!;
      return (
        e.valid_from < run.at &&
        reported.has(`${run.runId}|${e.direction}`) &&
        !touched.has(`${run.runId}|${e.direction}|${e.dataset_id}`)
      );
    });
    if (rows.length) {
      await client.query(
        `UPDATE lineage_edges e SET valid_to = u.at FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, at)
          WHERE e.id = u.id AND e.id = ANY($1::bigint[])`,
        [rows.map((r) => r.id), rows.map((r) => iso(runs.get(r.job_id)!.at))],
      );
    }
    const missing = rows.filter((r) => !dsKey.has(r.dataset_id));
    if (missing.length) {
      const named = await client.query<{ id: number; namespace: string; name: string }>(
        'SELECT id, namespace, name FROM lineage_datasets WHERE id = ANY($1::bigint[])',
        [missing.map((r) => r.dataset_id)],
      );
      for (const row of named.rows) dsKey.set(row.id, nodeKey('dataset', row.namespace, row.name));
    }
    for (const row of rows) change.edgesRemoved.push(pair(row.job_id, row.dataset_id, row.direction));
  }
}

/**
 * SQL for the fields of schema `hash` of dataset `datasetId` (SQL expressions): a version keeps its
 * fields only when its schema differed from the dataset's when it was stored; the others share them.
 */
export const schemaFieldsSql = (datasetId: string, hash: string) =>
  `(SELECT p.fields FROM lineage_dataset_versions p WHERE p.dataset_id = ${datasetId} AND p.schema_hash = ${hash}
       AND p.fields IS NOT NULL ORDER BY p.created_at DESC LIMIT 1)`;

async function insertVersions(
  client: pg.PoolClient,
  d: Derived,
  datasetIds: Ids,
  knownSchemas: KnownSchemas,
  change: LineageChange,
) {
  const versions = [...d.versions.values()].sort((a, b) => (a.datasetKey < b.datasetKey ? -1 : 1));
  if (versions.length === 0) return;
  // Most writes repeat the schema the dataset has: its fields are not sent again (parsing them as
  // jsonb was a third of this statement).
  const fieldsOf = (v: VersionRow) =>
    v.schemaHash !== null && knownSchemas.get(v.datasetKey) === v.schemaHash ? null : json(v.fields);
  const u = unnest([
    [versions.map((v) => datasetIds.get(v.datasetKey)), 'bigint'],
    [versions.map((v) => v.runId), 'uuid'],
    [versions.map((v) => iso(v.at)), 'timestamptz'],
    [versions.map((v) => v.schemaHash), 'text'],
    [versions.map(fieldsOf), 'jsonb'],
    [versions.map((v) => v.isWrite), 'bool'],
  ]);
  const { rows } = await client.query<{ id: number; version_count: number; namespace: string; name: string }>(
    `WITH v AS (
       INSERT INTO lineage_dataset_versions AS t (dataset_id, run_id, created_at, schema_hash, fields)
       -- Fields are kept only where the schema changed; the version before holds them otherwise. Fields
       -- not sent (the schema the dataset had when read) are those of the last version with that schema,
       -- should another transaction have changed the dataset's schema since.
       SELECT u.dataset_id, u.run_id, u.at, u.hash, CASE WHEN u.hash IS DISTINCT FROM d.schema_hash THEN coalesce(u.fields,
         ${schemaFieldsSql('u.dataset_id', 'u.hash')}) END
         FROM ${u.sql} AS u(dataset_id, run_id, at, hash, fields, is_write)
         JOIN lineage_datasets d ON d.id = u.dataset_id
        WHERE u.is_write OR (u.hash IS NOT NULL AND u.hash IS DISTINCT FROM d.schema_hash)
       ON CONFLICT (dataset_id, run_id) DO UPDATE SET
         created_at = least(t.created_at, excluded.created_at),
         schema_hash = coalesce(excluded.schema_hash, t.schema_hash),
         fields = coalesce(excluded.fields, t.fields)
       RETURNING t.dataset_id, t.run_id, t.created_at, t.schema_hash, (xmax = 0) AS inserted
     ), per AS (
       SELECT dataset_id, count(*) FILTER (WHERE inserted) AS added,
              max(created_at) FILTER (WHERE run_id IS NOT NULL) AS write_at,
              (array_agg(run_id ORDER BY created_at DESC) FILTER (WHERE run_id IS NOT NULL))[1] AS write_run,
              (array_agg(schema_hash ORDER BY created_at DESC) FILTER (WHERE schema_hash IS NOT NULL))[1] AS hash
         FROM v GROUP BY dataset_id
     )
     UPDATE lineage_datasets d SET
       version_count = d.version_count + per.added,
       schema_hash = coalesce(per.hash, d.schema_hash),
       last_write_at = CASE WHEN per.write_at >= coalesce(d.last_write_at, '-infinity') THEN per.write_at ELSE d.last_write_at END,
       last_write_run = CASE WHEN per.write_at >= coalesce(d.last_write_at, '-infinity') THEN per.write_run ELSE d.last_write_run END
     FROM per WHERE d.id = per.dataset_id AND per.added > 0
     RETURNING d.id, d.version_count, d.namespace, d.name`,
    u.values,
  );
  for (const row of rows)
    change.versions.push({ dataset: nodeKey('dataset', row.namespace, row.name), count: row.version_count });
}

/** Output datasets whose columnLineage facet differs from the one last applied (the others are skipped). */
async function changedColumnLineage(
  client: pg.PoolClient,
  d: Derived,
  datasetIds: Ids,
): Promise<Set<string>> {
  const candidates = [...d.columnSupersede].sort(([a], [b]) => (a < b ? -1 : 1));
  if (!candidates.length) return new Set();
  const { rows } = await client.query<{ id: number }>(
    `UPDATE lineage_datasets t SET column_lineage_hash = u.hash
       FROM unnest($1::bigint[], $2::text[]) AS u(id, hash)
      WHERE t.id = u.id AND t.column_lineage_hash IS DISTINCT FROM u.hash
      RETURNING t.id`,
    [candidates.map(([k]) => datasetIds.get(k)), candidates.map(([, c]) => c.hash)],
  );
  const changed = new Set(rows.map((r) => r.id));
  return new Set(candidates.filter(([k]) => changed.has(datasetIds.get(k)!)).map(([k]) => k));
}

async function upsertColumnEdges(
  client: pg.PoolClient,
  d: Derived,
  jobIds: Ids,
  datasetIds: Ids,
  change: LineageChange,
) {
  const changed = await changedColumnLineage(client, d, datasetIds);
  if (!changed.size) return;
  const edges = [...changed]
    .flatMap((key) => columnEdgesOf(key, d.columnSupersede.get(key)!))
    .sort((a, b) =>
      a.outKey === b.outKey
        ? a.outField < b.outField
          ? -1
          : a.outField > b.outField
            ? 1
            : a.inKey < b.inKey
              ? -1
              : 1
        : a.outKey < b.outKey
          ? -1
          : 1,
    );
  await addColumnInputs(client, edges, datasetIds, change);
  const cols = {
    out: edges.map((e) => datasetIds.get(e.outKey)),
    outField: edges.map((e) => e.outField),
    in: edges.map((e) => datasetIds.get(e.inKey)),
    inField: edges.map((e) => e.inField),
  };
  // A columnLineage facet states all of its dataset's column edges: current ones it no longer lists end.
  const superseded = [...d.columnSupersede]
    .filter(([k]) => changed.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  if (superseded.length) {
    await client.query(
      `WITH listed AS (SELECT * FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[]) AS l(o, of, i, inf))
       UPDATE lineage_column_edges e SET valid_to = c.at
       FROM unnest($1::bigint[], $2::timestamptz[]) AS c(ds, at)
       WHERE e.out_dataset_id = c.ds AND e.valid_to IS NULL AND e.valid_from < c.at
         AND NOT EXISTS (SELECT 1 FROM listed l WHERE l.o = e.out_dataset_id AND l.of = e.out_field AND l.i = e.in_dataset_id AND l.inf = e.in_field)`,
      [
        superseded.map(([k]) => datasetIds.get(k)),
        superseded.map(([, c]) => iso(c.at)),
        cols.out,
        cols.outField,
        cols.in,
        cols.inField,
      ],
    );
    change.columnLineage.push(...superseded.map(([k]) => k));
  }
  if (edges.length) {
    const u = unnest([
      [cols.out, 'bigint'],
      [cols.outField, 'text'],
      [cols.in, 'bigint'],
      [cols.inField, 'text'],
      [edges.map((e) => (e.jobKey ? jobIds.get(e.jobKey) : null)), 'bigint'],
      [edges.map((e) => json(e.transformations)), 'jsonb'],
      [edges.map((e) => iso(e.at)), 'timestamptz'],
    ]);
    await client.query(
      `INSERT INTO lineage_column_edges (out_dataset_id, out_field, in_dataset_id, in_field, job_id, transformations, valid_from)
       SELECT * FROM ${u.sql}
       ON CONFLICT (out_dataset_id, out_field, in_dataset_id, in_field) WHERE valid_to IS NULL DO NOTHING`,
      u.values,
    );
  }
}

/**
 * Datasets a column edge reads that this batch names nowhere else (usually they are the run's inputs
 * too): stored before their edges are.
 */
async function addColumnInputs(
  client: pg.PoolClient,
  edges: ColumnEdgeRow[],
  datasetIds: Ids,
  change: LineageChange,
) {
  const missing = new Map<string, DatasetRow>();
  const namespaces: Derived['namespaces'] = new Map();
  for (const edge of edges) {
    if (datasetIds.has(edge.inKey) || missing.has(edge.inKey)) continue;
    const seen = { first: edge.at, last: edge.at };
    namespaces.set(edge.inNamespace, seen);
    missing.set(edge.inKey, {
      key: edge.inKey,
      namespace: edge.inNamespace,
      name: edge.inName,
      ...seen,
      facets: {},
      deleted: [],
      hashes: {},
      seenOutsideRuns: false,
    });
  }
  if (!missing.size) return;
  await upsertNamespaces(client, namespaces);
  for (const [key, id] of await upsertDatasets(client, [...missing.values()], change))
    datasetIds.set(key, id);
}

async function insertJobVersions(client: pg.PoolClient, d: Derived, jobIds: Ids) {
  const versions = [...d.jobVersions.values()].sort((a, b) => (a.jobKey < b.jobKey ? -1 : 1));
  if (versions.length === 0) return;
  await client.query(
    `WITH v AS (
       INSERT INTO lineage_job_versions (job_id, version_hash, created_at, run_id)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::uuid[]) ON CONFLICT DO NOTHING
       RETURNING job_id, version_hash, created_at
     ), per AS (
       SELECT job_id, count(*) AS added, (array_agg(version_hash ORDER BY created_at DESC))[1] AS hash FROM v GROUP BY job_id
     )
     UPDATE lineage_jobs j SET version_count = j.version_count + per.added, version_hash = per.hash FROM per WHERE j.id = per.job_id`,
    [
      versions.map((v) => jobIds.get(v.jobKey)),
      versions.map((v) => v.hash),
      versions.map((v) => iso(v.at)),
      versions.map((v) => v.runId),
    ],
  );
}
