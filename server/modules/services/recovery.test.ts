import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../platform/identity.ts';
import { defineServerModule } from '../../platform/module.ts';
import { freePort } from '../../platform/net.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import type { ServiceList as ServiceListJson } from './contract.ts';
import { servicesModule } from './index.ts';

const admin: User = { id: 'ada', name: 'Ada', roles: ['admin'] };
const testAuth = defineServerModule({
  name: 'test-auth',
  create: () => ({
    identify: (req, _res, next) => {
      req.user = admin;
      next();
    },
  }),
});
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const INTERVAL_MS = 500;
const TIMEOUT_MS = 1_000;

let app: TestApp | undefined;
let target: Server | undefined;
afterEach(async () => {
  await app?.close();
  target?.closeAllConnections();
  target?.close();
  app = target = undefined;
});

async function statusOf(id: string): Promise<string | undefined> {
  const body = (await (await app!.fetch('/api/services')).json()) as ServiceListJson;
  return body.groups.flatMap((g) => g.services).find((s) => s.id === id)?.status;
}

async function waitForStatus(id: string, status: string, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if ((await statusOf(id)) === status) return performance.now() - started;
    await sleep(20);
  }
  throw new Error(`${id} not ${status} within ${withinMs} ms (is ${await statusOf(id)})`);
}

function listen(port: number): Promise<Server> {
  const server = createServer((_req, res) => res.end('ok'));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe('services recovery', () => {
  it('shows a service that came back as up within one interval plus the probe time', async () => {
    target = await listen(0);
    const port = (target.address() as AddressInfo).port;
    app = await startTestApp({
      modules: [testAuth, servicesModule],
      config: `
services:
  probes: { intervalMs: ${INTERVAL_MS}, timeoutMs: ${TIMEOUT_MS}, maxBackoffMs: 8000, jitter: 0 }
  groups:
    - name: Lab
      services:
        - { id: target, name: Target, url: "http://127.0.0.1:${port}/" }
`,
    });
    await waitForStatus('target', 'up', 3_000);
    target.closeAllConnections();
    await new Promise((resolve) => target!.close(resolve));
    await waitForStatus('target', 'down', INTERVAL_MS + TIMEOUT_MS + 500);
    // Down for a while, as a restarted database or broker is: long enough for the old doubling backoff
    // (0.5, 1, 2, 4 s) to stretch the wait between probes.
    await sleep(6_000);
    target = await listen(port);
    const recoveryMs = await waitForStatus('target', 'up', 15_000);
    console.info(`recovery: ${Math.round(recoveryMs)} ms (interval ${INTERVAL_MS} ms)`);
    // One interval, plus a probe, plus the 50 ms state-change publish and the 20 ms poll.
    expect(recoveryMs).toBeLessThan(INTERVAL_MS + 300);
  }, 30_000);

  it('probes its own port only once it listens, so it never starts as down', async () => {
    const port = await freePort();
    // Stands in for modules that take a while to start after services (lineage index, Kafka clients).
    const slowStart = defineServerModule({
      name: 'slow-start',
      create: async () => {
        await sleep(1_500);
        return {};
      },
    });
    app = await startTestApp({
      modules: [testAuth, servicesModule, slowStart],
      env: { PORT: String(port) },
      config: `
services:
  probes: { intervalMs: ${INTERVAL_MS}, timeoutMs: ${TIMEOUT_MS} }
  groups:
    - name: Lab
      services:
        - { id: self, name: Labdeck, url: "http://127.0.0.1:${port}/healthz" }
`,
    });
    await waitForStatus('self', 'up', 3_000);
    await sleep(1_200); // results are saved every second
    const client = new pg.Client({ connectionString: app.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: number }>(
        `SELECT status FROM service_results WHERE service_id = 'self' ORDER BY at`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.status)).not.toContain(0);
    } finally {
      await client.end();
    }
  }, 20_000);
});
