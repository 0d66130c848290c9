// Runs the real OpenLineage producer (dbt-ol + dbt-postgres) against a throwaway
// PostgreSQL 18 and checks the events it POSTs. Needs the venv: bash lab/dbt/install.sh
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type LabPostgres, startLabPostgres } from './postgres.ts';
import {
  type CaptureResult,
  captureDbtOlEvents,
  dbtOlBin,
  INSTALL_HINT,
  type OlDataset,
  type OlFacet,
  type OlRunEvent,
} from './run.ts';

const MODELS = ['stg_customers', 'stg_orders', 'client_orders', 'daily_revenue'] as const;
const NAMESPACE = 'labdeck-test';
const API_KEY = 'lab-test-key';

interface SchemaFacet extends OlFacet {
  fields: { name: string; type?: string; description?: string }[];
}
interface InputField {
  namespace: string;
  name: string;
  field: string;
}
interface ColumnLineageFacet extends OlFacet {
  fields: Record<string, { inputFields: InputField[] }>;
}
interface ParentRunFacet extends OlFacet {
  run: { runId: string };
  job: { namespace: string; name: string };
}

let pg: LabPostgres | undefined;
let capture: Promise<CaptureResult> | undefined;

// One dbt-ol run shared by all tests; a missing venv fails every test with the install hint.
function run(): Promise<CaptureResult> {
  capture ??= (async () => {
    if (!existsSync(dbtOlBin)) {
      throw new Error(`dbt-ol venv missing (${dbtOlBin}): run \`${INSTALL_HINT}\` from the repo root`);
    }
    pg = await startLabPostgres();
    const result = await captureDbtOlEvents({ pg, apiKey: API_KEY, namespace: NAMESPACE });
    if (result.code !== 0) throw new Error(`dbt-ol run exited ${result.code}:\n${result.output}`);
    return result;
  })();
  return capture;
}

afterAll(async () => {
  await pg?.stop();
});

const outputsOf = (e: OlRunEvent): OlDataset[] => e.outputs ?? [];
const modelEvents = (events: OlRunEvent[], model: string) =>
  events.filter((e) => outputsOf(e).some((o) => o.name.endsWith(`.${model}`)));
const modelEvent = (events: OlRunEvent[], model: string, type: OlRunEvent['eventType']): OlRunEvent => {
  const found = modelEvents(events, model).filter((e) => e.eventType === type);
  expect(found, `${type} of ${model}`).toHaveLength(1);
  return found[0] as OlRunEvent;
};
const wrapper = (events: OlRunEvent[], type: OlRunEvent['eventType']) =>
  events.find((e) => e.eventType === type && outputsOf(e).length === 0 && e.job.name.startsWith('dbt-run-'));
const facet = <T extends OlFacet>(d: OlDataset | undefined, name: string) =>
  d?.facets?.[name] as T | undefined;
const dsNamespace = () => `postgres://${pg?.host}:${pg?.port}`;

describe('dbt-ol run (openlineage-dbt) against PostgreSQL', { timeout: 240_000 }, () => {
  it('POSTs JSON RunEvents to /api/v1/lineage with the API key as a Bearer token', async () => {
    const { requests, events } = await run();
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/api/v1/lineage');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
    }
    expect(events).toHaveLength(requests.length); // one event per request, no batching
    for (const e of events) {
      expect(e.schemaURL).toMatch(
        /^https:\/\/openlineage\.io\/spec\/2-\d+-\d+\/OpenLineage\.json#\/\$defs\/RunEvent$/,
      );
      expect(e.producer).toMatch(/OpenLineage\/tree\/[\d.]+\/integration\/dbt$/);
      expect(e.job.namespace).toBe(NAMESPACE);
    }
  });

  it('sends START and COMPLETE for every model, sharing one runId', async () => {
    const { events } = await run();
    for (const model of MODELS) {
      const start = modelEvent(events, model, 'START');
      const complete = modelEvent(events, model, 'COMPLETE');
      expect(complete.run.runId).toBe(start.run.runId);
      expect(complete.job.name).toBe(start.job.name);
    }
    // 4 models x (START, COMPLETE) + the wrapping dbt-run job's START and COMPLETE.
    expect(events).toHaveLength(MODELS.length * 2 + 2);
  });

  it('names datasets <db>.<schema>.<table> in namespace postgres://<host>:<port>', async () => {
    const { events } = await run();
    const mart = modelEvent(events, 'client_orders', 'COMPLETE');
    expect(mart.outputs).toEqual([
      expect.objectContaining({ namespace: dsNamespace(), name: 'lab.marts.client_orders' }),
    ]);
    expect((mart.inputs ?? []).map((i) => `${i.namespace}/${i.name}`).sort()).toEqual([
      `${dsNamespace()}/lab.staging.stg_customers`,
      `${dsNamespace()}/lab.staging.stg_orders`,
    ]);
    const stg = modelEvent(events, 'stg_customers', 'COMPLETE');
    expect((stg.inputs ?? []).map((i) => i.name)).toEqual(['lab.raw.customers']);
  });

  it('puts the schema facet (from schema.yml) on every model output', async () => {
    const { events } = await run();
    for (const e of events.filter((ev) => outputsOf(ev).length > 0)) {
      const schema = facet<SchemaFacet>(outputsOf(e)[0], 'schema');
      expect(schema, e.job.name).toBeDefined();
      expect(schema?._schemaURL).toMatch(/SchemaDatasetFacet\.json/);
      expect(schema?.fields.length).toBeGreaterThan(0);
      for (const f of schema?.fields ?? []) expect(f.description, `${e.job.name}.${f.name}`).toBeTruthy();
    }
    const stg = modelEvent(events, 'stg_customers', 'COMPLETE');
    expect(facet<SchemaFacet>(outputsOf(stg)[0], 'schema')?.fields.map((f) => f.name)).toEqual([
      'client_id',
      'full_name',
      'email',
      'country',
      'signed_up_at',
    ]);
  });

  it('maps client_id to the upstream customer_id in the columnLineage facet', async () => {
    const { events } = await run();
    const stg = modelEvent(events, 'stg_customers', 'COMPLETE');
    const cll = facet<ColumnLineageFacet>(outputsOf(stg)[0], 'columnLineage');
    expect(cll?._schemaURL).toMatch(/ColumnLineageDatasetFacet\.json/);
    expect(cll?.fields.client_id?.inputFields).toEqual([
      expect.objectContaining({ namespace: dsNamespace(), name: 'lab.raw.customers', field: 'customer_id' }),
    ]);
    expect(cll?.fields.full_name?.inputFields.map((f) => f.field).sort()).toEqual([
      'first_name',
      'last_name',
    ]);
    // Through the join in client_orders, one hop downstream of the rename.
    const mart = modelEvent(events, 'client_orders', 'COMPLETE');
    expect(
      facet<ColumnLineageFacet>(outputsOf(mart)[0], 'columnLineage')?.fields.client_id?.inputFields,
    ).toEqual([expect.objectContaining({ name: 'lab.staging.stg_customers', field: 'client_id' })]);
  });

  it('wraps the models in a dbt-run job and links them with the parent run facet', async () => {
    const { events } = await run();
    const start = wrapper(events, 'START');
    const complete = wrapper(events, 'COMPLETE');
    expect(start, 'wrapper START').toBeDefined();
    expect(complete, 'wrapper COMPLETE').toBeDefined();
    expect(complete?.run.runId).toBe(start?.run.runId);
    expect(start?.job.name).toBe('dbt-run-labdeck_lab');
    for (const model of MODELS) {
      for (const e of modelEvents(events, model)) {
        const parent = e.run.facets?.parent as ParentRunFacet | undefined;
        expect(parent, `${model} ${e.eventType}`).toBeDefined();
        expect(parent?._schemaURL).toMatch(/ParentRunFacet\.json/);
        expect(parent?.run.runId).toBe(start?.run.runId);
        expect(parent?.job).toEqual({ namespace: NAMESPACE, name: 'dbt-run-labdeck_lab' });
      }
    }
  });
});
