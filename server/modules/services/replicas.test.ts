import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Labdeck, startLabdeck } from '../../platform/runtime.ts';
import { createDatabase, startReplica } from '../../test/harness.ts';
import { serverModules } from '../index.ts';
import type { ServiceList as ServiceListJson } from './contract.ts';
import { ServicesStore } from './store.ts';

const start = startReplica;

const list = async (app: Labdeck, index = 0) =>
  ((await (await fetch(`${app.url}/api/services`)).json()) as ServiceListJson).groups[0]!.services[index]!;
/** The Schema Registry preset's figures, as the list serves them. */
const registryFigures = async (app: Labdeck) => (await list(app, 1)).figures;

describe('history and state across restarts and replicas', () => {
  let target: Server;
  let databaseUrl: string;
  let config: string;
  beforeAll(async () => {
    target = createServer((req, res) =>
      res.end(req.url === '/subjects' ? '["orders-value","users-value"]' : 'ok'),
    );
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    databaseUrl = await createDatabase(inject('postgresUrl'));
    config = `
services:
  probes: { intervalMs: 500 }
  groups:
    - name: G
      services:
        - { id: target, name: Target, url: "http://127.0.0.1:${(target.address() as AddressInfo).port}/" }
        - { id: registry, name: Registry, kind: schema-registry, url: "http://127.0.0.1:${(target.address() as AddressInfo).port}/" }
`;
  });
  afterAll(() => target?.close());

  it('keeps state, last check, sparkline and uptime after a restart', async () => {
    const first = await start(databaseUrl, config);
    await expect
      .poll(async () => (await list(first)).sparkline.length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    await first.close();
    const slow = config.replace('intervalMs: 500', 'intervalMs: 600000');
    const second = await start(databaseUrl, slow);
    try {
      const service = await list(second);
      expect(service).toMatchObject({ status: 'up', uptime24h: 100, uptime7d: 100 });
      expect(service.since).not.toBeNull();
      expect(service.lastCheck).not.toBeNull();
      expect(service.sparkline.length).toBeGreaterThanOrEqual(3);
      expect(await registryFigures(second)).toEqual([{ label: 'subjects', value: 2 }]);
    } finally {
      await second.close();
    }
  });

  it('lets only one replica probe; the other serves the same health from the database', {
    timeout: 60_000,
  }, async () => {
    const a = await start(databaseUrl, config);
    const b = await start(databaseUrl, config);
    try {
      const leader = async (app: Labdeck) =>
        ((await (await fetch(`${app.url}/api/services/discovery`)).json()) as { leader: boolean }).leader;
      const la = await leader(a);
      const lb = await leader(b);
      expect([la, lb]).toEqual([true, false]);
      const before = (await list(b)).lastCheck;
      await expect.poll(async () => (await list(b)).lastCheck, { timeout: 10_000 }).not.toBe(before);
      // Figures reach the follower through the results it tails from the database.
      await expect
        .poll(() => registryFigures(b), { timeout: 10_000 })
        .toEqual([{ label: 'subjects', value: 2 }]);
      // The leader goes away: the follower takes over probing.
      await a.close();
      await expect.poll(() => leader(b), { timeout: 15_000 }).toBe(true);
      const after = (await list(b)).lastCheck;
      await expect.poll(async () => (await list(b)).lastCheck, { timeout: 10_000 }).not.toBe(after);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('retention', () => {
  let app: Labdeck;
  beforeAll(async () => {
    app = await start(await createDatabase(inject('postgresUrl')), '');
  });
  afterAll(() => app?.close());

  it('folds raw results older than rawHours into 5-minute buckets and drops what is past retention', async () => {
    const { db } = app.context;
    // Both 30-hour-old results fall in one 5-minute bucket: a second apart from anywhere in it, they
    // straddled two buckets about once in 300 runs.
    await db.query(
      `INSERT INTO service_results (service_id, at, status, latency_ms, error) VALUES
        ('s', date_bin('5 minutes', now() - interval '30 hours', timestamptz '2000-01-01'), 2, 10, NULL),
        ('s', date_bin('5 minutes', now() - interval '30 hours', timestamptz '2000-01-01') + interval '1 second', 0, NULL, 'down'),
        ('s', now() - interval '8 days', 2, 5, NULL),
        ('s', now() - interval '1 hour', 2, 7, NULL)`,
    );
    const store = new ServicesStore(db);
    const first = await store.compact(24, 7);
    expect(first.folded).toBe(3);
    expect(first.dropped).toBe(1);
    const { rows } = await db.query(
      'SELECT n, n_up, n_down, latency_sum, latency_n, latency_max FROM service_results_5m',
    );
    expect(rows).toEqual([{ n: 2, n_up: 1, n_down: 1, latency_sum: 10, latency_n: 1, latency_max: 10 }]);
    const history = await store.history('s', new Date(Date.now() - 7 * 86_400_000), new Date());
    expect(history.reduce((sum, b) => sum + b.n, 0)).toBe(3);
    const hours = await store.hourlyCounts();
    expect(hours.reduce((sum, h) => sum + h.total, 0)).toBe(3);
    expect(hours.reduce((sum, h) => sum + h.answered, 0)).toBe(2);
  });
});

describe("Labdeck's own database restarting", () => {
  let target: Server;
  let app: Labdeck;
  beforeAll(async () => {
    target = createServer((req, res) =>
      res.end(req.url === '/subjects' ? '["orders-value","users-value"]' : 'ok'),
    );
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-services-embedded-'));
    writeFileSync(
      path.join(cwd, 'labdeck.yaml'),
      `services:\n  probes: { intervalMs: 500 }\n  groups:\n    - name: G\n      services:\n        - { id: target, name: Target, url: "http://127.0.0.1:${(target.address() as AddressInfo).port}/" }\n`,
    );
    app = await startLabdeck({
      modules: serverModules,
      cwd,
      env: { PORT: '0', HOST: '127.0.0.1', LABDECK_CONFIG: path.join(cwd, 'labdeck.yaml') },
      log: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await app?.close();
    target?.close();
  });

  it('keeps serving the last health while the database is down, then probes and records again', {
    timeout: 90_000,
  }, async () => {
    await expect.poll(async () => (await list(app)).status, { timeout: 10_000 }).toBe('up');
    await app.embedded!.stop();
    const res = await fetch(`${app.url}/api/services`);
    expect(res.status).toBe(200);
    await app.embedded!.start();
    const after = Date.now();
    await expect
      .poll(async () => Date.parse((await list(app)).lastCheck ?? '0'), { timeout: 30_000 })
      .toBeGreaterThan(after);
    const saved = async () =>
      (
        await app.context.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM service_results WHERE at > $1',
          [new Date(after)],
        )
      ).rows[0]!.n;
    await expect.poll(saved, { timeout: 10_000 }).toBeGreaterThan(0);
  });
});
