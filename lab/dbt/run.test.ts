// Runs the real OpenLineage producer (dbt-ol + dbt-postgres) against a throwaway
// PostgreSQL 18 and checks the events it POSTs. Needs the venv: bash lab/dbt/install.sh
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type LabPostgres, startLabPostgres } from './postgres.ts';
import { type CaptureResult, captureDbtOlEvents, dbtOlBin, INSTALL_HINT } from './run.ts';

const MODELS = ['stg_customers', 'stg_orders', 'client_orders', 'daily_revenue'] as const;
const NAMESPACE = 'labdeck-test';
const API_KEY = 'lab-test-key';

type OlEvent = Record<string, any>;

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

const modelEvents = (events: OlEvent[], model: string) =>
  events.filter((e) => e.outputs?.some((o: OlEvent) => o.name.endsWith(`.${model}`)));
const wrapper = (events: OlEvent[], type: string) =>
  events.find(
    (e) => e.eventType === type && (e.outputs ?? []).length === 0 && e.job.name.startsWith('dbt-run-'),
  );

describe('dbt-ol run (openlineage-dbt) against PostgreSQL', { timeout: 240_000 }, () => {
  it('POSTs JSON RunEvents to /api/v1/lineage with the API key as a Bearer token', async () => {
    const { requests, events } = await run();
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/api/v1/lineage');
      expect(r.headers['content-type']).toBe('application/json');
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
      const evs = modelEvents(events, model);
      const start = evs.filter((e) => e.eventType === 'START');
      const complete = evs.filter((e) => e.eventType === 'COMPLETE');
      expect(start, model).toHaveLength(1);
      expect(complete, model).toHaveLength(1);
      expect(complete[0].run.runId).toBe(start[0].run.runId);
      expect(complete[0].job.name).toBe(start[0].job.name);
    }
  });

  it('names datasets <db>.<schema>.<table> in namespace postgres://<host>:<port>', async () => {
    const { events } = await run();
    const ns = `postgres://${pg?.host}:${pg?.port}`;
    const [complete] = modelEvents(events, 'client_orders').filter((e) => e.eventType === 'COMPLETE');
    expect(complete.outputs).toEqual([
      expect.objectContaining({ namespace: ns, name: 'lab.marts.client_orders' }),
    ]);
    expect(complete.inputs.map((i: OlEvent) => `${i.namespace}/${i.name}`).sort()).toEqual([
      `${ns}/lab.staging.stg_customers`,
      `${ns}/lab.staging.stg_orders`,
    ]);
    const [src] = modelEvents(events, 'stg_customers').filter((e) => e.eventType === 'COMPLETE');
    expect(src.inputs.map((i: OlEvent) => i.name)).toEqual(['lab.raw.customers']);
  });

  it('puts the schema facet (from schema.yml) on every model output', async () => {
    const { events } = await run();
    for (const e of events.filter((ev) => ev.outputs.length > 0)) {
      const schema = e.outputs[0].facets.schema;
      expect(schema, e.job.name).toBeDefined();
      expect(schema._schemaURL).toMatch(/SchemaDatasetFacet\.json/);
      expect(schema.fields.length).toBeGreaterThan(0);
      for (const f of schema.fields) expect(f.description, `${e.job.name}.${f.name}`).toBeTruthy();
    }
    const [stg] = modelEvents(events, 'stg_customers');
    expect(stg.outputs[0].facets.schema.fields.map((f: OlEvent) => f.name)).toEqual([
      'client_id',
      'full_name',
      'email',
      'country',
      'signed_up_at',
    ]);
  });

  it('maps client_id to the upstream customer_id in the columnLineage facet', async () => {
    const { events } = await run();
    const ns = `postgres://${pg?.host}:${pg?.port}`;
    const withCll = events.filter((e) => e.outputs.some((o: OlEvent) => o.facets.columnLineage));
    expect(withCll.length).toBeGreaterThan(0);
    const [complete] = modelEvents(events, 'stg_customers').filter((e) => e.eventType === 'COMPLETE');
    const cll = complete.outputs[0].facets.columnLineage;
    expect(cll._schemaURL).toMatch(/ColumnLineageDatasetFacet\.json/);
    expect(cll.fields.client_id.inputFields).toEqual([
      expect.objectContaining({ namespace: ns, name: 'lab.raw.customers', field: 'customer_id' }),
    ]);
    expect(cll.fields.full_name.inputFields.map((f: OlEvent) => f.field).sort()).toEqual([
      'first_name',
      'last_name',
    ]);
    // Through a join, two hops downstream of the rename.
    const [mart] = modelEvents(events, 'client_orders').filter((e) => e.eventType === 'COMPLETE');
    expect(mart.outputs[0].facets.columnLineage.fields.client_id.inputFields).toEqual([
      expect.objectContaining({ name: 'lab.staging.stg_customers', field: 'client_id' }),
    ]);
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
        const parent = e.run.facets.parent;
        expect(parent, `${model} ${e.eventType}`).toBeDefined();
        expect(parent._schemaURL).toMatch(/ParentRunFacet\.json/);
        expect(parent.run.runId).toBe(start?.run.runId);
        expect(parent.job).toEqual({ namespace: NAMESPACE, name: 'dbt-run-labdeck_lab' });
      }
    }
  });
});
