// The real producer: `dbt-ol run` (lab/dbt) against a lab PostgreSQL, sending to a real Labdeck.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabPostgres, startLabPostgres } from '../../../lab/dbt/postgres.ts';
import { runDbtOl } from '../../../lab/dbt/run.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';

const KEY = 'dbt-lab-key-0123456789';
let app: TestApp;
let pg: LabPostgres;
// biome-ignore lint/suspicious/noExplicitAny: responses are inspected loosely in tests
type Json = any;

beforeAll(async () => {
  app = await startTestApp({
    config: `lineage:\n  ingest:\n    keys:\n      - producer: dbt\n        key: ${KEY}\n`,
  });
  pg = await startLabPostgres();
});
afterAll(async () => {
  await app?.close();
  await pg?.stop();
});

const get = async (path: string, params: Record<string, string | number>): Promise<Json> => {
  const res = await app.fetch(
    `${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`,
  );
  expect(res.status, `${path} ${JSON.stringify(params)}`).toBe(200);
  return res.json();
};

describe('dbt-ol run into Labdeck', { timeout: 300_000 }, () => {
  it('shows the models, their columns and the column lineage the events carry', async () => {
    const run = await runDbtOl({
      pg,
      openLineageUrl: app.url,
      apiKey: KEY,
      namespace: 'labdeck-lab',
      compression: 'gzip',
      catalog: true,
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toMatch(/Failed to emit|status code 4\d\d|status code 5\d\d/i);
    const ns = `postgres://${pg.host}:${pg.port}`;
    const ds = (name: string) => `dataset:${ns}:lab.${name}`;

    const graph = await get('/api/lineage', { nodeId: ds('marts.client_orders'), depth: 4, direction: 'up' });
    const ids = graph.nodes.map((n: { id: string }) => n.id);
    for (const model of ['stg_customers', 'stg_orders', 'client_orders']) {
      const schema = model.startsWith('stg') ? 'staging' : 'marts';
      expect(ids).toContain(`job:labdeck-lab:lab.${schema}.labdeck_lab.${model}`);
      expect(ids).toContain(ds(`${schema}.${model}`));
    }
    expect(ids).toContain(ds('raw.customers'));
    for (const node of graph.nodes.filter((n: { kind: string }) => n.kind === 'job'))
      expect(node.state).toBe('COMPLETED');

    const detail = await get('/api/lineage/node', { nodeId: ds('marts.client_orders') });
    expect(detail.fields.map((f: { name: string }) => f.name)).toEqual([
      'client_id',
      'full_name',
      'country',
      'order_count',
      'lifetime_value',
      'first_order_date',
      'last_order_date',
    ]);
    expect(detail.producers.map((p: { name: string }) => p.name)).toEqual([
      'lab.marts.labdeck_lab.client_orders',
    ]);

    const columns = await get('/api/lineage/columns', {
      nodeId: ds('marts.client_orders'),
      field: 'client_id',
    });
    const refs = columns.columns.map(
      (c: { dataset: string; field: string }) => `${c.dataset.slice(ns.length + 13)}.${c.field}`,
    );
    expect(refs).toEqual(
      expect.arrayContaining(['staging.stg_customers.client_id', 'raw.customers.customer_id']),
    );
    const job = await get('/api/lineage/node', {
      nodeId: 'job:labdeck-lab:lab.marts.labdeck_lab.client_orders',
    });
    expect(job.sql.query).toMatch(/left join/);
    expect(job.runs[0]).toMatchObject({ state: 'COMPLETED', parentRunId: expect.any(String) });

    // A second run: new dataset versions, no duplicated edges, the earlier graph still answerable.
    const between = new Date().toISOString();
    const again = await runDbtOl({ pg, openLineageUrl: app.url, apiKey: KEY, namespace: 'labdeck-lab' });
    expect(again.code, again.output).toBe(0);
    const after = await get('/api/lineage/node', { nodeId: ds('marts.client_orders') });
    expect(after.versions).toHaveLength(2);
    const past = await get('/api/lineage/node', { nodeId: ds('marts.client_orders'), asOf: between });
    expect(past.versions).toHaveLength(1);
    const { rows } = await app.context.db.query(
      `SELECT count(*)::int AS n FROM lineage_edges e JOIN lineage_jobs j ON j.id = e.job_id WHERE j.name = 'lab.marts.labdeck_lab.client_orders' AND e.valid_to IS NULL`,
    );
    expect(rows[0]?.n).toBe(3);
  });
});
