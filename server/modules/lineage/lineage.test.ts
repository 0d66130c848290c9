import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { LineageService } from './service.ts';
import { type DsSpec, fixture, runEvent } from './test/events.ts';

// biome-ignore lint/suspicious/noExplicitAny: responses are inspected loosely in tests
type Json = any;
const json = (res: Response): Promise<Json> => res.json();

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
const get = async (path: string) => {
  const res = await app.fetch(path);
  return { status: res.status, body: await json(res) };
};
const q = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
/** Writes of dataset `<job>_out` by `job`, with the given fields, at minute `m` of its own day. */
const schemaWrites = (job: string, day: number) => {
  const at = (m: number) => new Date(Date.UTC(2026, 2, day, 12, m)).toISOString();
  const write = async (fields: readonly string[], m: number) => {
    const outputs = [{ name: `${job}_out`, fields: [...fields] }];
    expect((await post('/api/v1/lineage', runEvent({ job, time: at(m), outputs }))).status).toBe(201);
  };
  return { at, write };
};
const dbtFixture = (name: string) =>
  import(`../../../lab/dbt/fixtures/${name}.json`, { with: { type: 'json' } }).then((m) => m.default);

describe('OpenLineage ingestion', () => {
  it("accepts the captured dbt-ol events at Marquez's endpoint and derives the graph", async () => {
    for (const name of ['dbt-run-start', 'stg_customers-complete', 'client_orders-complete']) {
      const res = await post('/api/v1/lineage', await dbtFixture(name));
      expect(res.status, name).toBe(201);
    }
    const model = (await dbtFixture('client_orders-complete')) as {
      outputs: { namespace: string; name: string }[];
    };
    const nodeId = `dataset:${model.outputs[0]!.namespace}:${model.outputs[0]!.name}`;
    const { status, body } = await get(`/api/lineage?${q({ nodeId, depth: 2, direction: 'up' })}`);
    expect(status).toBe(200);
    const ids = body.nodes.map((n: { id: string }) => n.id);
    expect(ids).toContain('job:dbt:lab.marts.labdeck_lab.client_orders');
    expect(ids.some((id: string) => id.endsWith(':lab.staging.stg_customers'))).toBe(true);
    const job = body.nodes.find(
      (n: { id: string }) => n.id === 'job:dbt:lab.marts.labdeck_lab.client_orders',
    );
    expect(job.state).toBe('COMPLETED');
    expect(body.edges).toContainEqual({
      source: 'job:dbt:lab.marts.labdeck_lab.client_orders',
      target: nodeId,
    });

    const columns = await get(`/api/lineage/columns?${q({ nodeId, field: 'lifetime_value' })}`);
    expect(columns.status).toBe(200);
    const upstream = columns.body.columns.map(
      (c: { dataset: string; field: string }) => `${c.dataset.split(':').pop()}.${c.field}`,
    );
    expect(upstream).toEqual(
      expect.arrayContaining(['lab.staging.stg_orders.amount', 'lab.staging.stg_orders.status']),
    );
  });

  it('is idempotent on (runId, eventType, eventTime)', async () => {
    const event = runEvent({ job: 'idem', outputs: [{ name: 'idem_out' }] });
    expect((await post('/api/v1/lineage', event)).status).toBe(201);
    const again = await post('/api/v1/lineage', event);
    expect(await json(again)).toEqual({ status: 'duplicate' });
    const batch = await post('/api/v1/lineage/batch', [event, event]);
    expect((await json(batch)).duplicates).toBe(2);
    const { rows } = await app.context.db.query(
      'SELECT count(*)::int AS n FROM lineage_events WHERE run_id = $1',
      [event.run.runId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('accepts gzip bodies and refuses truncated gzip with 400', async () => {
    const event = runEvent({ job: 'gz', outputs: [{ name: 'gz_out' }] });
    const gz = gzipSync(JSON.stringify(event));
    expect((await post('/api/v1/lineage', gz, { 'content-encoding': 'gzip' })).status).toBe(201);
    const cut = await post('/api/v1/lineage', gz.subarray(0, gz.length - 10), { 'content-encoding': 'gzip' });
    expect(cut.status).toBe(400);
    expect((await json(cut)).error.message).toMatch(/gzip/);
  });

  it('rejects a bad event with the JSON path of each problem, and keeps no row', async () => {
    const event = runEvent({ job: 'bad' }) as {
      run: { runId: string };
      eventTime: string;
      job: { namespace?: string };
    };
    event.run.runId = 'nope';
    event.eventTime = 'yesterday';
    delete event.job.namespace;
    const res = await post('/api/v1/lineage', event);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.details.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      '$.eventTime',
      '$.job.namespace',
      '$.run.runId',
    ]);
  });

  it('reports per-event results for a batch and stores the valid ones', async () => {
    const good = runEvent({ job: 'batch_good' });
    const res = await post('/api/v1/lineage/batch', [good, { eventTime: 'x' }]);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.details.results[0]).toEqual({ index: 0, status: 'stored' });
    expect(body.error.details.results[1].status).toBe('rejected');
  });

  it('keeps hand-written facets dbt does not emit: parent run, errorMessage, symlinks, DatasetEvent, JobEvent', async () => {
    for (const name of ['spark-parent-start', 'spark-fail', 'dataset-event', 'job-event']) {
      const res = await post('/api/v1/lineage', fixture(name));
      expect(res.status, name).toBe(201);
    }
    const jobId =
      'job:spark://spark-master:7077:orders_enrich.execute_insert_into_hadoop_fs_relation_command';
    const job = await get(`/api/lineage/node?${q({ nodeId: jobId })}`);
    expect(job.body.state).toBe('FAILED');
    expect(job.body.runs[0].errorMessage).toMatch(/Job aborted/);
    expect(job.body.runs[0].parentRunId).toBe('0190a8c4-0000-7000-8000-000000000001');
    const dsId = 'dataset:s3://lake:curated/orders_enriched';
    const ds = await get(`/api/lineage/node?${q({ nodeId: dsId })}`);
    expect(ds.body.fields.map((f: { name: string }) => f.name)).toContain('country');
    expect(ds.body.schemaDiffs[0]).toMatchObject({ added: ['country'], changed: [{ name: 'amount_eur' }] });
    expect(ds.body.facets.x_custom_quality.score).toBe(0.97);
    const down = await get(`/api/lineage?${q({ nodeId: dsId, depth: 2, direction: 'down' })}`);
    expect(down.body.nodes.map((n: { id: string }) => n.id)).toContain(
      'dataset:trino://trino:8080:lake.analytics.orders_by_country',
    );
    const raw = await app.context.db.query(
      `SELECT body FROM lineage_events WHERE kind = 'run' AND run_id = '0190a8c4-1111-7000-8000-000000000001' AND event_type = 'START'`,
    );
    expect(raw.rows[0]?.body.inputs[0].facets.symlinks.identifiers[0].name).toBe('raw.orders');
    expect(raw.rows[0]?.body.run.facets.spark_version['spark-version']).toBe('3.5.1');
  });

  it('answers as of a past time with the edges of that time', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 2, 1, 12, m)).toISOString();
    await post('/api/v1/lineage/batch', [
      runEvent({
        job: 'tt',
        time: t(0),
        inputs: [{ name: 'tt_a' }],
        outputs: [{ name: 'tt_out', fields: ['x'] }],
      }),
      runEvent({
        job: 'tt',
        time: t(10),
        inputs: [{ name: 'tt_b' }],
        outputs: [{ name: 'tt_out', fields: ['x', 'y'] }],
      }),
    ]);
    const nodeId = 'dataset:postgres://db:5432:tt_out';
    const now = await get(`/api/lineage?${q({ nodeId, depth: 2, direction: 'up' })}`);
    const names = (g: { nodes: { name: string }[] }) => g.nodes.map((n) => n.name).sort();
    expect(names(now.body)).toEqual(['tt', 'tt_b', 'tt_out']);
    const before = await get(`/api/lineage?${q({ nodeId, depth: 2, direction: 'up', asOf: t(5) })}`);
    expect(names(before.body)).toEqual(['tt', 'tt_a', 'tt_out']);
    const old = await get(`/api/lineage/node?${q({ nodeId, asOf: t(5) })}`);
    expect(old.body.fields.map((f: { name: string }) => f.name)).toEqual(['x']);
  });

  it("answers a job's run state as of a time between its run's events", async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 2, 2, 12, m)).toISOString();
    const runId = crypto.randomUUID();
    const run = (eventType: string, m: number) =>
      runEvent({ job: 'tt_state', runId, eventType, time: t(m), outputs: [{ name: 'tt_state_out' }] });
    expect((await post('/api/v1/lineage/batch', [run('START', 0), run('COMPLETE', 10)])).status).toBe(200);
    const nodeId = 'job:dbt:tt_state';
    const state = async (asOf?: string) => {
      const { body } = await get(
        `/api/lineage?${q({ nodeId, depth: 1, direction: 'down', ...(asOf ? { asOf } : {}) })}`,
      );
      return body.nodes.find((n: { id: string }) => n.id === nodeId).state;
    };
    expect(await state()).toBe('COMPLETED');
    expect(await state(t(5))).toBe('RUNNING');
  });

  it('keeps one version per write and the fields of each schema, sending repeated schemas once', async () => {
    const { at, write } = schemaWrites('sv', 4);
    await write(['a'], 0);
    await write(['a'], 1);
    await write(['a', 'b'], 2);
    await write(['a', 'b'], 3);
    const nodeId = 'dataset:postgres://db:5432:sv_out';
    const names = (body: { fields: { name: string }[] }) => body.fields.map((f) => f.name);
    const now = (await get(`/api/lineage/node?${q({ nodeId })}`)).body;
    expect(now.versions).toHaveLength(4);
    expect(names(now)).toEqual(['a', 'b']);
    expect(now.schemaDiffs).toHaveLength(1);
    const before = (await get(`/api/lineage/node?${q({ nodeId, asOf: at(1) })}`)).body;
    expect(before.versions).toHaveLength(2);
    expect(names(before)).toEqual(['a']);
    const stored = await app.context.db.query(
      `SELECT count(*)::int AS n FROM lineage_dataset_versions v JOIN lineage_datasets d ON d.id = v.dataset_id
        WHERE d.name = 'sv_out' AND v.fields IS NOT NULL`,
    );
    expect(stored.rows[0]?.n).toBe(2);
  });

  it('takes a late, older event as an earlier sighting: first seen moves back, newer facets stay', async () => {
    const { at, write } = schemaWrites('late', 5);
    await write(['a', 'b'], 10);
    await write(['a', 'b'], 5); // same facets, earlier
    await write(['a'], 1); // older schema, earliest
    const { rows } = await app.context.db.query(
      `SELECT first_seen, facets->'schema'->'fields' AS fields FROM lineage_datasets WHERE name = 'late_out'`,
    );
    expect(rows[0]?.first_seen.toISOString()).toBe(at(1));
    expect(rows[0]?.fields.map((f: { name: string }) => f.name)).toEqual(['a', 'b']);
  });

  it('answers the schema a dataset had at a time even when an older event arrived late', async () => {
    const { at, write } = schemaWrites('tt', 6);
    await write(['a'], 10);
    await write(['a'], 20); // same schema: its fields are not stored again
    await write(['a', 'b'], 30);
    await write(['a', 'c'], 15); // late
    const nodeId = 'dataset:postgres://db:5432:tt_out';
    const detail = async (m: number) =>
      (await get(`/api/lineage/node?${q({ nodeId, asOf: at(m) })}`)).body.fields.map(
        (f: { name: string }) => f.name,
      );
    expect(await detail(20)).toEqual(['a']);
    expect(await detail(16)).toEqual(['a', 'c']);
    expect(await detail(40)).toEqual(['a', 'b']);
    const columns = await get(`/api/lineage/columns?${q({ nodeId, field: 'a', asOf: at(20) })}`);
    expect(columns.status).toBe(200);
    expect(columns.body.fields[nodeId]).toEqual(['a']);
  });

  it('stores column lineage from datasets the event names nowhere else, once per change of the facet', async () => {
    const columns = (field: string): DsSpec => ({
      name: 'cl_out',
      fields: ['id'],
      columns: { id: [['cl_only_in_lineage', field]] },
    });
    const send = (field: string, m: number) =>
      post(
        '/api/v1/lineage',
        runEvent({ job: 'cl', time: new Date(Date.UTC(2026, 2, 3, 12, m)), outputs: [columns(field)] }),
      );
    expect((await send('key', 0)).status).toBe(201);
    expect((await send('key', 1)).status).toBe(201);
    const nodeId = 'dataset:postgres://db:5432:cl_out';
    const upstream = async () =>
      (await get(`/api/lineage/columns?${q({ nodeId, field: 'id' })}`)).body.columns
        .filter((c: { dataset: string }) => c.dataset !== nodeId)
        .map((c: { dataset: string; field: string }) => `${c.dataset}.${c.field}`);
    expect(await upstream()).toEqual(['dataset:postgres://db:5432:cl_only_in_lineage.key']);
    const search = await get(`/api/lineage/search?${q({ q: 'cl_only_in_lineage' })}`);
    expect(search.body.results.map((r: { id: string }) => r.id)).toContain(
      'dataset:postgres://db:5432:cl_only_in_lineage',
    );
    const edges = await app.context.db.query(
      `SELECT count(*)::int AS n FROM lineage_column_edges e JOIN lineage_datasets d ON d.id = e.out_dataset_id WHERE d.name = 'cl_out'`,
    );
    expect(edges.rows[0]?.n).toBe(1);
    expect((await send('other_key', 2)).status).toBe(201);
    expect(await upstream()).toEqual(['dataset:postgres://db:5432:cl_only_in_lineage.other_key']);
  });

  it('pages very wide nodes with a "+N more" node', async () => {
    const outputs = Array.from({ length: 120 }, (_, i) => ({ name: `wide_${String(i).padStart(3, '0')}` }));
    await post('/api/v1/lineage', runEvent({ job: 'wide', outputs }));
    const { body } = await get(
      `/api/lineage?${q({ nodeId: 'job:dbt:wide', depth: 1, direction: 'down', pageSize: 50 })}`,
    );
    const more = body.nodes.find((n: { kind: string }) => n.kind === 'more');
    expect(more.more).toMatchObject({ count: 70, offset: 50 });
    expect(body.nodes).toHaveLength(52);
    const next = await get(
      `/api/lineage?${q({ nodeId: 'job:dbt:wide', depth: 1, direction: 'down', pageSize: 50, offset: 100 })}`,
    );
    expect(next.body.nodes.filter((n: { kind: string }) => n.kind === 'dataset')).toHaveLength(20);
  });

  it('searches jobs and datasets by name and namespace', async () => {
    const { body } = await get('/api/lineage/search?q=client_orders');
    expect(body.results[0].name).toMatch(/client_orders/);
    const byNs = await get(`/api/lineage/search?${q({ q: 'spark-master' })}`);
    expect(byNs.body.results[0].kind).toBe('job');
  });

  it('lists the jobs whose runs changed state last, latest first, with their state', async () => {
    const at = (m: number) => new Date(Date.UTC(2099, 0, 1, 12, m)).toISOString();
    const events = [
      runEvent({ job: 'recent_a', jobNamespace: 'recent', eventType: 'START', time: at(0) }),
      runEvent({ job: 'recent_b', jobNamespace: 'recent', eventType: 'COMPLETE', time: at(2) }),
      runEvent({ job: 'recent_c', jobNamespace: 'recent', eventType: 'COMPLETE', time: at(1) }),
      runEvent({ job: 'recent_a', jobNamespace: 'recent', eventType: 'FAIL', time: at(3) }),
    ];
    for (const event of events) expect((await post('/api/v1/lineage', event)).status).toBe(201);
    const { status, body } = await get('/api/lineage/recent?limit=2');
    expect(status).toBe(200);
    expect(body.jobs).toEqual([
      {
        id: 'job:recent:recent_a',
        kind: 'job',
        namespace: 'recent',
        name: 'recent_a',
        state: 'FAILED',
        stateTime: at(3),
      },
      {
        id: 'job:recent:recent_b',
        kind: 'job',
        namespace: 'recent',
        name: 'recent_b',
        state: 'COMPLETED',
        stateTime: at(2),
      },
    ]);
    expect((await get('/api/lineage/recent')).body.jobs.length).toBeGreaterThan(2);
    const bad = await get('/api/lineage/recent?limit=0');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('limit');
  });

  it('refuses a bad graph query with 400 in the one shape, naming every problem', async () => {
    const res = await get(
      `/api/lineage?${q({ nodeId: 'orders', depth: 99, direction: 'sideways', asOf: '2026-03-01' })}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.message).toMatch(/^query\.nodeId: expected a node id like dataset:/);
    expect(res.body.error.details.problems).toEqual([
      { in: 'query', path: 'nodeId', message: expect.stringMatching(/^expected a node id/) },
      { in: 'query', path: 'depth', message: expect.stringMatching(/<=20/) },
      { in: 'query', path: 'direction', message: expect.stringMatching(/"up"\|"down"\|"both"/) },
      { in: 'query', path: 'asOf', message: 'expected an ISO 8601 date-time with a time zone' },
    ]);
  });

  it('answers a stored batch even when publishing its change fails, and keeps running', async () => {
    const failingBus = {
      ...app.context.bus,
      subscribe: app.context.bus.subscribe.bind(app.context.bus),
      publish: () => {
        throw new Error('bus down');
      },
    } as typeof app.context.bus;
    const service = new LineageService(app.context.db, failingBus, app.context.log);
    await service.start();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const result = await service.ingest(
        [runEvent({ job: 'bus_down', outputs: [{ name: 'bus_down_out' }] })],
        'test',
      );
      expect(result.stored).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      const again = await service.ingest([runEvent({ job: 'bus_down' })], 'test');
      expect(again.stored).toBe(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('keeps the index of another replica on the same bus current', async () => {
    const replica = new LineageService(app.context.db, app.context.bus, app.context.log);
    await replica.start();
    await post('/api/v1/lineage', runEvent({ job: 'replicated', outputs: [{ name: 'replicated_out' }] }));
    expect(replica.index.node('job:dbt:replicated')?.state).toBe('COMPLETED');
    expect(replica.index.down('job:dbt:replicated')).toEqual(['dataset:postgres://db:5432:replicated_out']);
  });

  it('refuses a body over the limit with 413 in the one error shape', async () => {
    const res = await post('/api/v1/lineage/batch', Buffer.alloc(21 * 1024 * 1024, 32));
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('payload_too_large');
  });
});
