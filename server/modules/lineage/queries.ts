// Read-side SQL: loading the index, the graph as of a past time, column lineage, details.
import type { Db } from '../../platform/db/pool.ts';
import type {
  ColumnGraph,
  ColumnRef,
  DatasetDetail,
  JobDetail,
  Link,
  NodeRef,
  RunState,
  SchemaDiff,
  SchemaField,
} from './contract.ts';
import { nodeKey } from './derive.ts';
import type { Adjacency, GraphIndex, NodeInfo } from './graph-index.ts';
import { schemaFieldsSql } from './store.ts';

export async function loadIndex(db: Db, index: GraphIndex): Promise<void> {
  const datasets = await db.query<{ id: number; namespace: string; name: string; version_count: number }>(
    'SELECT id, namespace, name, version_count FROM lineage_datasets',
  );
  for (const r of datasets.rows) {
    index.addNode({
      id: nodeKey('dataset', r.namespace, r.name),
      kind: 'dataset',
      dbId: r.id,
      namespace: r.namespace,
      name: r.name,
      versions: r.version_count,
    });
  }
  const jobs = await db.query<{
    id: number;
    namespace: string;
    name: string;
    latest_run_id: string | null;
    latest_state: RunState | null;
    latest_event_time: Date | null;
  }>('SELECT id, namespace, name, latest_run_id, latest_state, latest_event_time FROM lineage_jobs');
  for (const r of jobs.rows) {
    const node: NodeInfo = {
      id: nodeKey('job', r.namespace, r.name),
      kind: 'job',
      dbId: r.id,
      namespace: r.namespace,
      name: r.name,
    };
    if (r.latest_state)
      Object.assign(node, {
        state: r.latest_state,
        runId: r.latest_run_id,
        stateTime: r.latest_event_time?.toISOString(),
      });
    index.addNode(node);
  }
  const edges = await db.query<{ job_id: number; dataset_id: number; direction: string }>(
    'SELECT job_id, dataset_id, direction FROM lineage_edges WHERE valid_to IS NULL',
  );
  for (const e of edges.rows) {
    const job = index.idOf('job', e.job_id);
    const dataset = index.idOf('dataset', e.dataset_id);
    if (!job || !dataset) continue;
    if (e.direction === 'in') index.addEdge(dataset, job);
    else index.addEdge(job, dataset);
  }
}

/** Adjacency of the graph as it was at `asOf`, loaded level by level around `start` (indexed range scans). */
export async function pastAdjacency(
  db: Db,
  index: GraphIndex,
  start: string,
  depth: number,
  sides: ('up' | 'down')[],
  asOf: Date,
  maxNodes = Number.POSITIVE_INFINITY,
): Promise<Adjacency> {
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const infos = new Map<string, NodeInfo>();
  const push = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  const startInfo = index.node(start);
  if (startInfo) {
    for (const side of sides) {
      const seen = new Set([start]);
      let frontier = [startInfo];
      for (let level = 0; level < depth && frontier.length; level++) {
        const datasets = frontier.filter((n) => n.kind === 'dataset').map((n) => n.dbId);
        const jobs = frontier.filter((n) => n.kind === 'job').map((n) => n.dbId);
        // Upstream of a dataset: jobs writing it; of a job: datasets it reads. Downstream the reverse.
        const [datasetDir, jobDir] = side === 'up' ? ['out', 'in'] : ['in', 'out'];
        const { rows } = await db.query<{ job_id: number; dataset_id: number; from_dataset: boolean }>(
          `SELECT DISTINCT job_id, dataset_id, dataset_id = ANY($1::bigint[]) AS from_dataset FROM lineage_edges
            WHERE ((dataset_id = ANY($1::bigint[]) AND direction = $3) OR (job_id = ANY($2::bigint[]) AND direction = $4))
              AND valid_from <= $5 AND (valid_to IS NULL OR valid_to > $5)`,
          [datasets, jobs, datasetDir, jobDir, asOf],
        );
        const next: NodeInfo[] = [];
        for (const row of rows) {
          const jobId = index.idOf('job', row.job_id);
          const datasetId = index.idOf('dataset', row.dataset_id);
          if (!jobId || !datasetId) continue;
          const [from, to] = row.from_dataset ? [datasetId, jobId] : [jobId, datasetId];
          push(side === 'up' ? up : down, from, to);
          if (!seen.has(to)) {
            seen.add(to);
            next.push(index.node(to)!);
          }
        }
        frontier = next;
        if (seen.size > maxNodes) break;
      }
    }
  }
  const all = new Set([start, ...up.keys(), ...down.keys(), ...[...up.values(), ...down.values()].flat()]);
  for (const id of all) {
    const info = index.node(id);
    if (info)
      infos.set(id, {
        id: info.id,
        kind: info.kind,
        dbId: info.dbId,
        namespace: info.namespace,
        name: info.name,
      });
  }
  await pastStates(db, infos, asOf);
  for (const list of [...up.values(), ...down.values()]) list.sort();
  return {
    node: (id) => infos.get(id),
    up: (id) => up.get(id) ?? [],
    down: (id) => down.get(id) ?? [],
  };
}

async function pastStates(db: Db, infos: Map<string, NodeInfo>, asOf: Date) {
  const jobs = [...infos.values()].filter((n) => n.kind === 'job');
  const datasets = [...infos.values()].filter((n) => n.kind === 'dataset');
  if (jobs.length) {
    const { rows } = await db.query<{ job_id: number; state: RunState | null; at: Date; run_id: string }>(
      `SELECT j.id AS job_id, s.state, s.at, s.run_id FROM unnest($1::bigint[]) AS j(id)
         CROSS JOIN LATERAL (
           SELECT r.run_id, r.state_time AS at, CASE WHEN r.state_time <= $2 THEN r.state ELSE (
             SELECT CASE e.event_type WHEN 'START' THEN 'RUNNING' WHEN 'COMPLETE' THEN 'COMPLETED' WHEN 'FAIL' THEN 'FAILED'
                                      WHEN 'ABORT' THEN 'ABORTED' ELSE e.event_type END
               FROM lineage_events e WHERE e.run_id = r.run_id AND e.event_time <= $2 AND e.event_type <> 'OTHER'
              ORDER BY e.event_time DESC LIMIT 1) END AS state
             FROM lineage_runs r WHERE r.job_id = j.id AND coalesce(r.started_at, r.state_time) <= $2
            ORDER BY coalesce(r.started_at, r.state_time) DESC LIMIT 1
         ) s`,
      [jobs.map((j) => j.dbId), asOf],
    );
    const byDb = new Map(jobs.map((j) => [j.dbId, j]));
    for (const row of rows) {
      const job = byDb.get(row.job_id);
      if (job && row.state)
        Object.assign(job, { state: row.state, runId: row.run_id, stateTime: row.at.toISOString() });
    }
  }
  if (datasets.length) {
    const { rows } = await db.query<{ dataset_id: number; n: number }>(
      `SELECT dataset_id, count(*)::int AS n FROM lineage_dataset_versions
        WHERE dataset_id = ANY($1::bigint[]) AND created_at <= $2 GROUP BY dataset_id`,
      [datasets.map((d) => d.dbId), asOf],
    );
    const counts = new Map(rows.map((r) => [r.dataset_id, r.n]));
    for (const d of datasets) d.versions = counts.get(d.dbId) ?? 0;
  }
}

/** Column-level lineage around one field: upstream and downstream through columnLineage edges. */
export async function columnLineage(
  db: Db,
  index: GraphIndex,
  dataset: NodeInfo,
  field: string,
  depth: number,
  asOf: Date | null,
): Promise<ColumnGraph> {
  const at: Date | string = asOf ?? 'infinity';
  const columns = new Map<string, ColumnRef>();
  const edges = new Map<string, ColumnGraph['edges'][number]>();
  const key = (c: { ds: number; field: string }) => `${c.ds}\u0000${c.field}`;
  const toRef = (ds: number, f: string): ColumnRef | null => {
    const id = index.idOf('dataset', ds);
    return id ? { dataset: id, field: f } : null;
  };
  columns.set(key({ ds: dataset.dbId, field }), { dataset: dataset.id, field });
  for (const side of ['up', 'down'] as const) {
    let frontier = [{ ds: dataset.dbId, field }];
    const seen = new Set(frontier.map(key));
    for (let level = 0; level < depth && frontier.length; level++) {
      const [fromDs, fromField] =
        side === 'up' ? ['out_dataset_id', 'out_field'] : ['in_dataset_id', 'in_field'];
      const { rows } = await db.query<{
        out_ds: number;
        out_field: string;
        in_ds: number;
        in_field: string;
        transformations: unknown;
      }>(
        `SELECT out_dataset_id AS out_ds, out_field, in_dataset_id AS in_ds, in_field, transformations
           FROM lineage_column_edges e JOIN unnest($1::bigint[], $2::text[]) AS f(ds, field) ON e.${fromDs} = f.ds AND e.${fromField} = f.field
          WHERE e.valid_from <= $3 AND (e.valid_to IS NULL OR e.valid_to > $3)`,
        [frontier.map((f) => f.ds), frontier.map((f) => f.field), at],
      );
      const next: { ds: number; field: string }[] = [];
      for (const row of rows) {
        const source = toRef(row.in_ds, row.in_field);
        const target = toRef(row.out_ds, row.out_field);
        if (!source || !target) continue;
        edges.set(
          `${key({ ds: row.in_ds, field: row.in_field })}\u0001${key({ ds: row.out_ds, field: row.out_field })}`,
          {
            source,
            target,
            transformations: row.transformations,
          },
        );
        const other =
          side === 'up' ? { ds: row.in_ds, field: row.in_field } : { ds: row.out_ds, field: row.out_field };
        if (!seen.has(key(other))) {
          seen.add(key(other));
          next.push(other);
          columns.set(key(other), side === 'up' ? source : target);
        }
      }
      frontier = next;
    }
  }
  const dbIds = [...new Set([...columns.values()].map((c) => index.node(c.dataset)!.dbId))];
  const fields: Record<string, string[]> = {};
  // The schema each dataset had then: that of its latest version with one, whose fields another
  // version with the same digest may keep (an earlier one, or a later one when events came late).
  const { rows } = await db.query<{ dataset_id: number; fields: { name: string }[] | null }>(
    `SELECT l.dataset_id, coalesce(l.fields, ${schemaFieldsSql('l.dataset_id', 'l.schema_hash')}) AS fields
       FROM (SELECT DISTINCT ON (dataset_id) dataset_id, schema_hash, fields FROM lineage_dataset_versions
              WHERE dataset_id = ANY($1::bigint[]) AND schema_hash IS NOT NULL AND created_at <= $2
              ORDER BY dataset_id, created_at DESC) AS l`,
    [dbIds, at],
  );
  for (const row of rows) {
    const id = index.idOf('dataset', row.dataset_id);
    if (id) fields[id] = (row.fields ?? []).map((f) => f.name);
  }
  for (const c of columns.values()) {
    const list = fields[c.dataset] ?? [];
    if (!list.includes(c.field)) list.push(c.field);
    fields[c.dataset] = list;
  }
  return { columns: [...columns.values()], edges: [...edges.values()], fields };
}

export async function datasetDetail(db: Db, index: GraphIndex, node: NodeInfo, asOf: Date | null) {
  const at: Date | string = asOf ?? 'infinity';
  const {
    rows: [row],
  } = await db.query<{
    facets: Record<string, unknown>;
    first_seen: Date;
    updated_at: Date;
    last_write_at: Date | null;
    last_write_run: string | null;
  }>(
    // The row itself is rewritten only when its facets change (or hourly); runs that read or wrote it
    // since then are in lineage_run_io.
    `SELECT facets, first_seen, last_write_at, last_write_run,
            greatest(updated_at, (SELECT max(at) FROM lineage_run_io WHERE dataset_id = $1 AND direction = 'in'),
                                 (SELECT max(at) FROM lineage_run_io WHERE dataset_id = $1 AND direction = 'out')) AS updated_at
       FROM lineage_datasets WHERE id = $1`,
    [node.dbId],
  );
  const { rows: versions } = await db.query<{
    id: number;
    run_id: string | null;
    created_at: Date;
    schema_hash: string | null;
    fields: SchemaField[] | null;
    job_id: number | null;
  }>(
    `SELECT v.id, v.run_id, v.created_at, v.schema_hash, v.fields, r.job_id FROM lineage_dataset_versions v
       LEFT JOIN lineage_runs r ON r.run_id = v.run_id
      WHERE v.dataset_id = $1 AND v.created_at <= $2 ORDER BY v.created_at DESC LIMIT 100`,
    [node.dbId, at],
  );
  const fieldsOf = await schemasOf(db, node.dbId, versions);
  const chronological = [...versions].reverse();
  const diffs: SchemaDiff[] = [];
  let previous: (typeof versions)[number] | undefined;
  chronological.forEach((v, i) => {
    if (!v.schema_hash) return;
    if (previous && previous.schema_hash !== v.schema_hash)
      diffs.push(diff(fieldsOf(previous), fieldsOf(v), i - 1, i, v.created_at));
    previous = v;
  });
  const current = versions.find((v) => v.schema_hash);
  const jobs = (ids: readonly string[]) => neighbours(index, ids, true);
  const lastWrite = versions.find((v) => v.run_id);
  return {
    id: node.id,
    kind: 'dataset',
    namespace: node.namespace,
    name: node.name,
    firstSeen: row?.first_seen.toISOString(),
    updatedAt: row?.updated_at.toISOString(),
    facets: asOf ? undefined : row?.facets,
    fields: current ? fieldsOf(current) : [],
    versions: versions.map((v, i) => ({
      number: versions.length - i,
      runId: v.run_id,
      createdAt: v.created_at.toISOString(),
      schemaHash: v.schema_hash,
      job: v.job_id ? (index.idOf('job', v.job_id) ?? null) : null,
    })),
    schemaDiffs: diffs.reverse(),
    producers: jobs(index.up(node.id)),
    consumers: jobs(index.down(node.id)),
    lastWrite: lastWrite
      ? {
          at: lastWrite.created_at.toISOString(),
          runId: lastWrite.run_id,
          job: lastWrite.job_id ? (index.idOf('job', lastWrite.job_id) ?? null) : null,
        }
      : null,
    links: datasetLinks(row?.facets ?? {}),
  } satisfies DatasetDetail;
}

function diff(before: SchemaField[], after: SchemaField[], from: number, to: number, at: Date): SchemaDiff {
  const old = new Map(before.map((f) => [f.name, f]));
  const now = new Map(after.map((f) => [f.name, f]));
  return {
    from: from + 1,
    to: to + 1,
    at: at.toISOString(),
    added: after.filter((f) => !old.has(f.name)).map((f) => f.name),
    removed: before.filter((f) => !now.has(f.name)).map((f) => f.name),
    changed: after
      .filter((f) => old.has(f.name) && (old.get(f.name)!.type ?? '') !== (f.type ?? ''))
      .map((f) => ({ name: f.name, from: old.get(f.name)!.type, to: f.type })),
  };
}

const httpUrl = (value: unknown) => (typeof value === 'string' && /^https?:\/\//i.test(value) ? value : null);

function datasetLinks(facets: Record<string, unknown>) {
  const links: Link[] = [];
  const source = facets.dataSource as { uri?: string } | undefined;
  const uri = httpUrl(source?.uri);
  if (uri) links.push({ label: 'Data source', url: uri });
  const doc = httpUrl((facets.documentation as { url?: string } | undefined)?.url);
  if (doc) links.push({ label: 'Documentation', url: doc });
  return links;
}

/** Jobs or datasets by node id, with their run state where `withState`. */
function neighbours(index: GraphIndex, ids: readonly string[], withState: boolean): NodeRef[] {
  return ids
    .map((id) => index.node(id))
    .filter((n) => n !== undefined)
    .map((n) =>
      withState
        ? { id: n.id, namespace: n.namespace, name: n.name, state: n.state }
        : { id: n.id, namespace: n.namespace, name: n.name },
    );
}

export async function jobDetail(db: Db, index: GraphIndex, node: NodeInfo, asOf: Date | null) {
  const at: Date | string = asOf ?? 'infinity';
  const {
    rows: [row],
  } = await db.query<{
    facets: Record<string, unknown>;
    first_seen: Date;
    updated_at: Date;
    version_count: number;
  }>('SELECT facets, first_seen, updated_at, version_count FROM lineage_jobs WHERE id = $1', [node.dbId]);
  const { rows: runs } = await db.query<{
    run_id: string;
    state: RunState;
    state_time: Date;
    started_at: Date | null;
    ended_at: Date | null;
    error_message: string | null;
    parent_run_id: string | null;
    facets: Record<string, unknown>;
  }>(
    `SELECT run_id, state, state_time, started_at, ended_at, error_message, parent_run_id, facets FROM lineage_runs
      WHERE job_id = $1 AND coalesce(started_at, state_time) <= $2 ORDER BY coalesce(started_at, state_time) DESC LIMIT 50`,
    [node.dbId, at],
  );
  const latest = runs[0];
  const producer = latest
    ? (
        await db.query<{ producer: string | null }>(
          `SELECT body->>'producer' AS producer FROM lineage_events WHERE run_id = $1 ORDER BY id DESC LIMIT 1`,
          [latest.run_id],
        )
      ).rows[0]?.producer
    : null;
  const facets = row?.facets ?? {};
  const sql = (facets.sql as { query?: string; dialect?: string } | undefined) ?? null;
  const links: Link[] = [];
  const source = httpUrl((facets.sourceCodeLocation as { url?: string } | undefined)?.url);
  if (source) links.push({ label: 'Source code', url: source });
  const doc = httpUrl((facets.documentation as { url?: string } | undefined)?.url);
  if (doc) links.push({ label: 'Documentation', url: doc });
  if (httpUrl(producer)) links.push({ label: 'Producer', url: producer! });
  return {
    id: node.id,
    kind: 'job',
    namespace: node.namespace,
    name: node.name,
    firstSeen: row?.first_seen.toISOString(),
    updatedAt: row?.updated_at.toISOString(),
    versions: row?.version_count ?? 0,
    state: latest?.state ?? null,
    facets,
    sql: sql?.query ? { query: sql.query, dialect: sql.dialect ?? null } : null,
    runs: runs.map((r) => ({
      runId: r.run_id,
      state: r.state,
      stateTime: r.state_time.toISOString(),
      startedAt: r.started_at?.toISOString() ?? null,
      endedAt: r.ended_at?.toISOString() ?? null,
      durationMs: r.started_at && r.ended_at ? r.ended_at.getTime() - r.started_at.getTime() : null,
      errorMessage: r.error_message,
      stackTrace: (r.facets.errorMessage as { stackTrace?: string } | undefined)?.stackTrace ?? null,
      parentRunId: r.parent_run_id,
    })),
    inputs: neighbours(index, index.up(node.id), false),
    outputs: neighbours(index, index.down(node.id), false),
    links,
  } satisfies JobDetail;
}

type VersionSchema = { schema_hash: string | null; fields: SchemaField[] | null };

/** The fields of each listed version, looking up those kept by another version with the same schema. */
async function schemasOf(
  db: Db,
  datasetId: number,
  versions: VersionSchema[],
): Promise<(v: VersionSchema) => SchemaField[]> {
  const known = new Map<string, SchemaField[]>();
  for (const v of versions) if (v.schema_hash && v.fields) known.set(v.schema_hash, v.fields);
  const missing = [...new Set(versions.map((v) => v.schema_hash))].filter(
    (hash): hash is string => hash !== null && !known.has(hash),
  );
  if (missing.length) {
    const { rows } = await db.query<{ schema_hash: string; fields: SchemaField[] | null }>(
      `SELECT h AS schema_hash, ${schemaFieldsSql('$1::bigint', 'h')} AS fields FROM unnest($2::text[]) AS h`,
      [datasetId, missing],
    );
    for (const row of rows) if (row.fields) known.set(row.schema_hash, row.fields);
  }
  return (v) => v.fields ?? (v.schema_hash ? known.get(v.schema_hash) : undefined) ?? [];
}
