import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeHello } from './mongodb.ts';
import { probeDeclared } from './probe-declared.ts';
import { judgeInfo, parseInfo } from './redis.ts';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

/** Routes of a fake product: path (with query) -> [status, body file or text, headers]. */
type Routes = Record<string, [number, string, Record<string, string>?]>;

let server: Server;
let routes: Routes = {};
let base: string;
const seen: { method: string; path: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization });
      const route = routes[req.url!];
      if (!route) return res.writeHead(404).end('{"message":"not found"}');
      const [status, text, headers] = route;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text.endsWith('.json') ? fixture(text) : text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const probeKind = (kind: string, url: string, extra: Record<string, unknown> = {}) =>
  probeDeclared(kind, url, extra, 3_000);

describe('presets against recorded and documented answers', () => {
  it.each([
    [
      'schema-registry: subjects of Apicurio 3.0.9 (recorded)',
      'schema-registry',
      '/apis/ccompat/v7',
      { '/apis/ccompat/v7/subjects': [200, 'apicurio-3.0.9.ccompat-v7-subjects.recorded.json'] },
      { status: 'up', figures: [{ label: 'subjects', value: 1 }] },
    ],
    [
      'spark: a standalone master running one app (recorded, 3.5.8)',
      'spark',
      '/',
      { '/json/': [200, 'spark-3.5.8.master-json.recorded.json'] },
      {
        status: 'up',
        figures: [
          { label: 'running apps', value: 1 },
          { label: 'alive workers', value: 1 },
          { label: 'cores used', value: '1 / 1' },
        ],
      },
    ],
    [
      'spark: a master whose only worker died is degraded (recorded, 3.5.8)',
      'spark',
      '/',
      { '/json/': [200, 'spark-3.5.8.master-json.no-workers.recorded.json'] },
      {
        status: 'degraded',
        error: 'no alive workers',
        figures: [
          // The app still waited for an executor when its only worker was stopped.
          { label: 'running apps', value: 1 },
          { label: 'alive workers', value: 0, tone: 'danger' },
          { label: 'cores used', value: '0 / 0' },
        ],
      },
    ],
    [
      "spark: an application's UI redirects /json/; its REST API lists the app (recorded, 3.5.8)",
      'spark',
      '/',
      {
        '/json/': [302, '', { location: '/jobs/' }],
        '/api/v1/applications': [200, 'spark-3.5.8.app-ui-api-v1-applications.recorded.json'],
      },
      {
        status: 'up',
        figures: [
          { label: 'running apps', value: 1 },
          { label: 'applications', value: 1 },
        ],
      },
    ],
    [
      'kafka-connect: a FAILED task while the worker answers is degraded (recorded from the lab worker)',
      'kafka-connect',
      '/',
      { '/connectors?expand=status': [200, 'kafka-connect-4.3.1.connectors-expand-status.recorded.json'] },
      {
        status: 'degraded',
        error: 'FAILED: broken-sink task 0',
        figures: [
          { label: 'connectors', value: 2 },
          { label: 'failed tasks', value: 1, tone: 'danger' },
          { label: 'failed connectors', value: 0 },
          { label: 'running connectors', value: 2 },
        ],
      },
    ],
    [
      'kafka-connect: no connectors is up',
      'kafka-connect',
      '/',
      { '/connectors?expand=status': [200, '{}'] },
      {
        status: 'up',
        figures: [
          { label: 'connectors', value: 0 },
          { label: 'failed tasks', value: 0 },
          { label: 'failed connectors', value: 0 },
          { label: 'running connectors', value: 0 },
        ],
      },
    ],
    [
      'flink: one running job filling every slot (recorded, 2.3.0)',
      'flink',
      '/',
      { '/overview': [200, 'flink-2.3.0.overview.recorded.json'] },
      {
        status: 'up',
        figures: [
          { label: 'running jobs', value: 1 },
          { label: 'free task slots', value: '0 / 2', tone: 'warn' },
          { label: 'task managers', value: 1 },
          { label: 'failed jobs', value: 0 },
          { label: 'version', value: '2.3.0' },
        ],
      },
    ],
    [
      'flink: no task managers is degraded',
      'flink',
      '/',
      {
        '/overview': [
          200,
          '{"taskmanagers":0,"slots-total":0,"slots-available":0,"jobs-running":0,"jobs-failed":0,"flink-version":"1.20.1"}',
        ],
      },
      {
        status: 'degraded',
        error: 'no task managers registered',
        figures: [
          { label: 'running jobs', value: 0 },
          { label: 'free task slots', value: '0 / 0', tone: 'warn' },
          { label: 'task managers', value: 0 },
          { label: 'failed jobs', value: 0 },
          { label: 'version', value: '1.20.1' },
        ],
      },
    ],
    [
      'jupyter: kernels and connections (recorded from the lab JupyterLab)',
      'jupyter',
      '/',
      { '/api/status': [200, 'jupyter-server-2.21.1.api-status.recorded.json'] },
      {
        status: 'up',
        figures: [
          { label: 'kernels', value: 1 },
          { label: 'connections', value: 0 },
        ],
      },
    ],
    [
      'jupyter: without its token',
      'jupyter',
      '/',
      { '/api/status': [403, '{"message":"Forbidden"}'] },
      { status: 'down', error: 'HTTP 403 from /api/status' },
    ],
    [
      'metabase: ok (documented shape)',
      'metabase',
      '/',
      { '/api/health': [200, 'metabase-0.5x.api-health.ok.from-docs.json'] },
      { status: 'up' },
    ],
    [
      'metabase: initializing is degraded (documented shape)',
      'metabase',
      '/',
      { '/api/health': [503, 'metabase-0.5x.api-health.initializing.from-docs.json'] },
      { status: 'degraded', error: 'Metabase is initializing (40%)' },
    ],
    [
      'minio: live and cluster healthy',
      'minio',
      '/',
      {
        '/minio/health/live': [200, ''],
        '/minio/health/cluster': [200, '', { 'x-minio-write-quorum': '3' }],
      },
      { status: 'up', figures: [{ label: 'write quorum', value: '3' }] },
    ],
    [
      'minio: live but the cluster lost write quorum is degraded',
      'minio',
      '/',
      { '/minio/health/live': [200, ''], '/minio/health/cluster': [503, ''] },
      { status: 'degraded', error: 'the cluster has no write quorum', figures: [] },
    ],
    [
      'minio: not live is down',
      'minio',
      '/',
      { '/minio/health/live': [503, ''] },
      { status: 'down', error: 'HTTP 503 from /minio/health/live' },
    ],
    [
      'mlflow: /health answers OK, experiments counted (recorded, 3.18.0)',
      'mlflow',
      '/ml',
      {
        '/ml/health': [200, 'OK'],
        '/ml/api/2.0/mlflow/experiments/search?max_results=1000': [
          200,
          'mlflow-3.18.0.experiments-search.recorded.json',
        ],
      },
      { status: 'up', figures: [{ label: 'experiments', value: 2 }] },
    ],
    [
      'mlflow: more experiments than one page',
      'mlflow',
      '/',
      {
        '/health': [200, 'OK'],
        '/api/2.0/mlflow/experiments/search?max_results=1000': [
          200,
          '{"experiments":[{"experiment_id":"1"}],"next_page_token":"eyJvZmZzZXQiOiAxfQ=="}',
        ],
      },
      { status: 'up', figures: [{ label: 'experiments', value: '1+' }] },
    ],
    [
      'mlflow: search behind auth it was given no credentials for: up without figures',
      'mlflow',
      '/',
      {
        '/health': [200, 'OK'],
        '/api/2.0/mlflow/experiments/search?max_results=1000': [401, ''],
      },
      { status: 'up' },
    ],
    [
      'mlflow: healthy but its search failing (a broken store) is degraded',
      'mlflow',
      '/',
      {
        '/health': [200, 'OK'],
        '/api/2.0/mlflow/experiments/search?max_results=1000': [500, ''],
      },
      { status: 'degraded', error: 'HTTP 500 from /api/2.0/mlflow/experiments/search' },
    ],
    [
      'mlflow: /health failing is down',
      'mlflow',
      '/',
      { '/health': [503, ''] },
      { status: 'down', error: 'HTTP 503 from /health' },
    ],
    [
      'superset: /health answers OK under a path prefix',
      'superset',
      '/superset',
      { '/superset/health': [200, 'OK'] },
      { status: 'up' },
    ],
    ['datahub: GMS /health', 'datahub', '/', { '/health': [200, ''] }, { status: 'up' }],
    [
      'kubernetes: /readyz failing',
      'kubernetes',
      '/',
      { '/readyz': [500, '[-]etcd failed: reason withheld\nreadyz check failed'] },
      { status: 'down', error: 'HTTP 500 Internal Server Error' },
    ],
  ] as [string, string, string, Routes, object][])('%s', async (_name, kind, urlPath, served, expected) => {
    routes = served;
    expect(await probeKind(kind, base + urlPath)).toEqual(expected);
  });

  it('dagster: server_info, then runs and daemons in one GraphQL query (recorded, 1.13.28)', async () => {
    routes = {
      '/server_info': [200, 'dagster-1.13.28.server_info.recorded.json'],
      '/graphql': [200, 'dagster-1.13.28.graphql-runs-daemons.recorded.json'],
    };
    seen.length = 0;
    expect(await probeKind('dagster', base)).toEqual({
      status: 'up',
      figures: [
        { label: 'runs in progress', value: 0 },
        { label: 'queued runs', value: 0 },
        { label: 'version', value: '1.13.28' },
      ],
    });
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /server_info',
      'POST /graphql',
    ]);
  });

  it('dagster: an unhealthy required daemon is degraded', async () => {
    const answer = JSON.parse(fixture('dagster-1.13.28.graphql-runs-daemons.recorded.json'));
    answer.data.instance.daemonHealth.allDaemonStatuses[2].healthy = false;
    routes = {
      '/server_info': [200, 'dagster-1.13.28.server_info.recorded.json'],
      '/graphql': [200, JSON.stringify(answer)],
    };
    expect(await probeKind('dagster', base)).toMatchObject({
      status: 'degraded',
      error: 'unhealthy daemons: SCHEDULER',
    });
  });

  it('says when an endpoint answers but not like the product', async () => {
    routes = { '/overview': [200, '{"hello":"world"}'] };
    expect(await probeKind('flink', base)).toEqual({
      status: 'down',
      error: '/overview did not answer like Flink',
    });
  });

  it('lays a probe without a type over the preset (a Jupyter token), keeping the preset probe type', async () => {
    routes = { '/api/status': [200, 'jupyter-server-2.21.1.api-status.recorded.json'] };
    seen.length = 0;
    const outcome = await probeKind('jupyter', base, {
      probe: { headers: { Authorization: 'token s3cret' } },
    });
    expect(outcome.status).toBe('up');
    expect(seen).toEqual([{ method: 'GET', path: '/api/status', authorization: 'token s3cret' }]);
  });
});

describe('redis INFO (recorded from Redis 7.0.15)', () => {
  it('reads memory, clients, version and role', () => {
    expect(judgeInfo(parseInfo(fixture('redis-7.0.15.info.recorded.txt')))).toEqual({
      status: 'up',
      figures: [
        { label: 'memory used', value: '919.65K' },
        { label: 'clients', value: 1 },
        { label: 'version', value: '7.0.15' },
        { label: 'role', value: 'master' },
      ],
    });
  });

  it.each([
    ['loading:1\r\nrole:master\r\n', 'loading its dataset'],
    ['role:slave\r\nmaster_link_status:down\r\n', 'replica has lost its master'],
  ])('is degraded on %j', (text, error) => {
    expect(judgeInfo(parseInfo(text))).toMatchObject({ status: 'degraded', error });
  });
});

// The `hello` fields MongoDB's manual documents for each member state (the lab has no MongoDB server:
// mongodb.lab.test.ts runs the probe against FerretDB, which speaks the same protocol).
describe('mongodb hello and serverStatus', () => {
  const status = { version: '8.0.4', connections: { current: 7 } };
  it.each([
    [{ isWritablePrimary: true }, 'up', 'standalone'],
    [{ isWritablePrimary: true, setName: 'rs0', primary: 'a:27017' }, 'up', 'primary'],
    [{ isWritablePrimary: false, secondary: true, setName: 'rs0', primary: 'a:27017' }, 'up', 'secondary'],
  ])('%j is %s as %s', (hello, want, role) => {
    const outcome = judgeHello(hello, status);
    expect(outcome.status).toBe(want);
    expect(outcome.figures).toContainEqual({ label: 'role', value: role });
    expect(outcome.figures).toContainEqual({ label: 'connections', value: 7 });
    expect(outcome.figures).toContainEqual({ label: 'version', value: '8.0.4' });
  });

  it.each([
    [{ isWritablePrimary: false, secondary: true, setName: 'rs0' }, 'replica set rs0 has no primary'],
    [{ isWritablePrimary: false, secondary: false, setName: 'rs0' }, 'neither primary nor secondary'],
  ])('%j is degraded', (hello, error) => {
    expect(judgeHello(hello, undefined)).toMatchObject({
      status: 'degraded',
      error: expect.stringContaining(error),
    });
  });

  it('needs no serverStatus (a user without clusterMonitor): role only', () => {
    expect(judgeHello({ isWritablePrimary: true }, undefined)).toEqual({
      status: 'up',
      figures: [{ label: 'role', value: 'standalone' }],
    });
  });
});

describe('the preset registry', () => {
  it('gives every kind an icon the SPA bundles', async () => {
    // The marks are keys of `marks` in the SPA's icons.ts (read as text: it imports SPA-only modules).
    const icons = readFileSync(
      path.join(import.meta.dirname, '../../../../../src/features/home/icons.ts'),
      'utf8',
    );
    const { servicePresets } = await import('./registry.ts');
    const bundled = (icon: string) => new RegExp(`^  '?${icon}'?: \\{`, 'm').test(icons);
    expect(servicePresets.filter((preset) => !bundled(preset.icon)).map((p) => p.kind)).toEqual([]);
    expect(bundled('no-such-icon')).toBe(false);
  });

  it.each([
    ['apache/spark:3.5.3', 'spark'],
    ['docker.io/bitnami/spark:3.5', 'spark'],
    ['confluentinc/cp-kafka-connect:7.7.1', 'kafka-connect'],
    ['quay.io/debezium/connect:3.0', 'kafka-connect'],
    ['debezium/connect:2.7', 'kafka-connect'],
    ['minio/minio:RELEASE.2025-04-22T22-12-26Z', 'minio'],
    ['flink:1.20-java17', 'flink'],
    ['quay.io/jupyter/pyspark-notebook:2025-01-06', 'jupyter'],
    ['jupyter/base-notebook', 'jupyter'],
    ['metabase/metabase:v0.52.4', 'metabase'],
    ['apache/superset:4.1.1', 'superset'],
    ['acryldata/datahub-gms:v0.15.0', 'datahub'],
    ['redis:7-alpine', 'redis'],
    ['mongo:8.0', 'mongodb'],
    ['bitnami/mongodb:7.0', 'mongodb'],
    ['library/redis@sha256:0123abcd', 'redis'],
    ['valkey/valkey:8', 'valkey'],
    ['ghcr.io/mlflow/mlflow:v2.19.0', 'mlflow'],
    ['dagster/dagster-celery-k8s:1.9.0', 'dagster'],
    ['registry.lab:5000/apache/airflow:3.0.2', 'airflow'],
    ['spark', 'spark'],
    ['nginx:1.27', null],
    [undefined, null],
  ])('takes %s for %s', async (image, kind) => {
    const { kindOfImage } = await import('./registry.ts');
    expect(kindOfImage(image)).toBe(kind);
  });
});
