// Realistic synthetic OpenLineage traffic for benchmarks: dbt- and Spark-like jobs in layers, each
// reading a few datasets of earlier layers (some hub datasets read by many) and writing one or two,
// with schema and columnLineage facets and START + COMPLETE per run. Schemas are stable, as in real
// pipelines: each dataset keeps its columns, and 1% of writes add one (schema evolution).
import { randomUUID } from 'node:crypto';

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/dbt';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const facet = (name: string) => ({
  _producer: PRODUCER,
  _schemaURL: `https://openlineage.io/spec/facets/1-1-1/${name}.json#/$defs/${name}`,
});

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlannedJob {
  namespace: string;
  name: string;
  inputs: string[];
  outputs: string[];
}

export interface GraphPlan {
  jobs: PlannedJob[];
  datasets: string[];
  /** Current column count per dataset; runs that evolve a schema raise it. */
  columns: Map<string, number>;
}

const NAMESPACES = ['postgres://warehouse:5432', 's3://lake', 'trino://trino:8080', 'kafka://broker:9092'];
const JOB_NAMESPACES = ['dbt', 'spark://spark-master:7077', 'airflow://scheduler:8080'];

/** A layered graph with `jobs` jobs and about `datasetsPerJob` × jobs datasets. */
export function planGraph(jobCount: number, seed = 1, layers = 12): GraphPlan {
  const random = rng(seed);
  const datasets: string[] = [];
  const byLayer: string[][] = [[]];
  const newDataset = (layer: number) => {
    const ns = NAMESPACES[datasets.length % NAMESPACES.length]!;
    const name = `${ns}|l${layer}.schema_${datasets.length % 97}.table_${datasets.length}`;
    datasets.push(name);
    const list = byLayer[layer] ?? [];
    list.push(name);
    byLayer[layer] = list;
    return name;
  };
  const sourceCount = Math.max(10, Math.floor(jobCount * 0.3));
  for (let i = 0; i < sourceCount; i++) newDataset(0);
  const jobs: PlannedJob[] = [];
  for (let i = 0; i < jobCount; i++) {
    const layer = 1 + Math.floor((i / jobCount) * (layers - 1));
    const inputs = new Set<string>();
    const fanIn = 1 + Math.floor(random() * random() * 5);
    for (let k = 0; k < fanIn; k++) {
      const from = Math.floor(random() * layer);
      const pool = byLayer[from]!.length ? byLayer[from]! : byLayer[0]!;
      // Skewed choice: a few hub datasets are read by many jobs.
      const index =
        random() < 0.2
          ? Math.floor(random() * Math.min(20, pool.length))
          : Math.floor(random() * pool.length);
      inputs.add(pool[index]!);
    }
    const outputs = [newDataset(layer)];
    if (random() < 0.25) outputs.push(newDataset(layer));
    const ns = JOB_NAMESPACES[i % JOB_NAMESPACES.length]!;
    jobs.push({ namespace: ns, name: `project_${i % 53}.model_${i}`, inputs: [...inputs], outputs });
  }
  const columns = new Map(datasets.map((d) => [d, 4 + Math.floor(random() * 6)]));
  return { jobs, datasets, columns };
}

const split = (ref: string) => {
  const at = ref.indexOf('|');
  return { namespace: ref.slice(0, at), name: ref.slice(at + 1) };
};
const FIELDS = [
  'id',
  'customer_id',
  'order_id',
  'amount',
  'currency',
  'status',
  'created_at',
  'updated_at',
  'country',
  'email',
];

const SCHEMA_EVOLUTION = 0.01;

const fieldsOf = (count: number) =>
  FIELDS.slice(0, count).map((name) => ({
    name,
    type: name.endsWith('_at') ? 'timestamp' : 'text',
    description: `The ${name}.`,
  }));

export interface RunOptions {
  /** Datasets without facets (graph-shape benchmarks). */
  lean?: boolean;
  /** The plan's column counts, read for inputs and evolved by outputs; without it, 6 columns. */
  columns?: Map<string, number>;
}

/** START + COMPLETE of one run of `job` at `time`, shaped like dbt-ol's events. */
export function runEvents(
  job: PlannedJob,
  time: number,
  random: () => number,
  { lean = false, columns }: RunOptions = {},
): Record<string, unknown>[] {
  const runId = randomUUID();
  const columnCount = (ref: string, output: boolean) => {
    const count = columns?.get(ref) ?? 6;
    if (!output || !columns || random() >= SCHEMA_EVOLUTION || count >= FIELDS.length) return count;
    columns.set(ref, count + 1);
    return count + 1;
  };
  const dataset = (ref: string, output: boolean) => {
    const { namespace, name } = split(ref);
    if (lean) return { namespace, name };
    const fields = fieldsOf(columnCount(ref, output));
    const facets: Record<string, unknown> = {
      schema: { ...facet('SchemaDatasetFacet'), fields },
      dataSource: { ...facet('DatasourceDatasetFacet'), name: namespace, uri: namespace },
    };
    if (output) {
      facets.columnLineage = {
        ...facet('ColumnLineageDatasetFacet'),
        fields: Object.fromEntries(
          fields.map((f) => [
            f.name,
            {
              inputFields: job.inputs
                .slice(0, 2)
                .map((input) => ({ ...split(input), field: f.name, transformations: [] })),
            },
          ]),
        ),
      };
    }
    return { namespace, name, facets };
  };
  const outputs = job.outputs.map((o) => dataset(o, true));
  const selected = fieldsOf(columns?.get(job.outputs[0]!) ?? 6).map((f) => f.name);
  const base = {
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    job: {
      namespace: job.namespace,
      name: job.name,
      facets: {
        sql: {
          ...facet('SQLJobFacet'),
          query: `select ${selected.join(', ')} from ${job.inputs.map((i) => split(i).name).join(' join ')}`,
        },
      },
    },
    inputs: job.inputs.map((i) => dataset(i, false)),
    outputs,
  };
  const parent = {
    parent: {
      ...facet('ParentRunFacet'),
      run: { runId: '01a20081-9144-7d84-bfd8-395be0f3813c' },
      job: { namespace: 'dbt', name: 'dbt-run-project' },
    },
  };
  return [
    { ...base, eventType: 'START', eventTime: new Date(time).toISOString(), run: { runId, facets: parent } },
    {
      ...base,
      eventType: 'COMPLETE',
      eventTime: new Date(time + 1000 + Math.floor(random() * 60_000)).toISOString(),
      run: { runId, facets: parent },
    },
  ];
}
