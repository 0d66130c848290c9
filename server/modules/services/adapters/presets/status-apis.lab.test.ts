import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DagsterServer, startDagster } from '../../../../../lab/dagster/server.ts';
import { type SchemaRegistry, startSchemaRegistry } from '../../../../../lab/schema-registry/server.ts';
import {
  masterStatus,
  type SparkCluster,
  startSparkApp,
  startSparkCluster,
} from '../../../../../lab/spark/server.ts';
import { probeDeclared } from './probe-declared.ts';

const probeKind = probeDeclared;

// Real servers from lab/; these fail (never skip) when not installed (`npm run lab:install`).
describe('schema-registry preset against the lab Apicurio Registry', () => {
  const auth = { username: 'lab', password: 'lab-secret' };
  const basic = `Basic ${Buffer.from('lab:lab-secret').toString('base64')}`;
  let registry: SchemaRegistry;
  beforeAll(async () => {
    registry = await startSchemaRegistry({ auth });
  });
  afterAll(() => registry?.stop());

  it('counts subjects with the credentials the probe override adds, and is down once stopped', async () => {
    const withAuth = { probe: { headers: { Authorization: basic } } };
    expect(await probeKind('schema-registry', registry.url)).toEqual({
      status: 'down',
      error: 'HTTP 401 from /subjects',
    });
    expect(await probeKind('schema-registry', registry.url, withAuth)).toEqual({
      status: 'up',
      figures: [{ label: 'subjects', value: 0 }],
    });
    const registered = await fetch(`${registry.url}/subjects/orders-value/versions`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({
        schema: '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}',
      }),
    });
    expect(registered.status).toBe(200);
    expect((await probeKind('schema-registry', registry.url, withAuth)).figures).toEqual([
      { label: 'subjects', value: 1 },
    ]);
    await registry.stop();
    expect(await probeKind('schema-registry', registry.url, withAuth)).toMatchObject({ status: 'down' });
  });
});

describe('dagster preset against the lab Dagster', () => {
  let dagster: DagsterServer;
  beforeAll(async () => {
    dagster = await startDagster();
  });
  afterAll(() => dagster?.stop());

  it('reads the version from /server_info and runs and daemons from GraphQL', async () => {
    const outcome = await probeKind('dagster', dagster.url);
    expect(outcome).toMatchObject({ status: 'up' });
    expect(outcome.figures?.map((figure) => figure.label)).toEqual([
      'runs in progress',
      'queued runs',
      'version',
    ]);
    expect(outcome.figures?.[0]?.value).toBeTypeOf('number');
    expect(outcome.figures?.[2]?.value).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('spark preset against the lab Spark standalone master', () => {
  let spark: SparkCluster;
  beforeAll(async () => {
    spark = await startSparkCluster();
  });
  afterAll(() => spark?.stop());

  /** The master moves a stopped application to its completed ones within a moment, not at once. */
  async function untilNoActiveApp() {
    for (let attempt = 0; attempt < 60; attempt++) {
      const status = await masterStatus(spark.url);
      if (typeof status !== 'string' && status.activeapps?.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error('the stopped application is still active on the master');
  }

  it('counts the running application and the alive worker from /json/, and is down once stopped', async () => {
    expect(await probeKind('spark', spark.url)).toEqual({
      status: 'up',
      figures: [
        { label: 'running apps', value: 0 },
        { label: 'alive workers', value: 1 },
        { label: 'cores used', value: '0 / 1' },
      ],
    });
    const app = await startSparkApp(spark, { name: 'labdeck-preset-test', intervalSeconds: 2 });
    try {
      expect(await probeKind('spark', spark.url)).toEqual({
        status: 'up',
        figures: [
          { label: 'running apps', value: 1 },
          { label: 'alive workers', value: 1 },
          { label: 'cores used', value: '1 / 1' },
        ],
      });
    } finally {
      await app.stop();
    }
    await untilNoActiveApp();
    expect((await probeKind('spark', spark.url)).figures?.[0]).toEqual({ label: 'running apps', value: 0 });
    await spark.stop();
    expect(await probeKind('spark', spark.url)).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
