// Labdeck's own PostgreSQL (the real embedded server) goes away under a small load and comes back:
// requests that need it answer 503 `database_unavailable` fast, live streams are told, everything
// recovers without restarting the BFF, and no acknowledged lineage event is lost.
import { mkdtempSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { storeAnalystSession } from '../../modules/auth/test/stored-session.ts';
import { serverModules } from '../../modules/index.ts';
import { runEvent } from '../../modules/lineage/test/events.ts';
import { createDatabase, startReplica, type TestApp } from '../../test/harness.ts';
import type { DatabaseLiveEvent } from '../contract.ts';
import { type Labdeck, startLabdeck } from '../runtime.ts';

/** The 30 s outage issue #19 asks for; OUTAGE_MS=5000 for a quicker local run. */
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 30_000);
const FAST_MS = 1_000;

interface Outcome {
  kind: 'ingest' | 'read';
  status: number;
  code?: string;
  ms: number;
  at: number;
  runId?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a PostgreSQL outage', () => {
  let labdeck: Labdeck;
  beforeAll(async () => {
    labdeck = await startLabdeck({
      modules: serverModules,
      cwd: mkdtempSync(path.join(tmpdir(), 'labdeck-outage-')),
      env: { PORT: '0', HOST: '127.0.0.1', LABDECK_CONFIG: '' },
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
  }, 120_000);
  afterAll(() => labdeck?.close());

  it('answers 503 fast while it is down, tells live streams, and recovers without a restart', {
    timeout: 120_000,
  }, async () => {
    const { db } = labdeck.context;
    const stream = await watchDatabaseEvents(labdeck.url);
    const outcomes: Outcome[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        outcomes.push(await ingest(labdeck.url, `outage_${n}_${i % 3}`));
        outcomes.push(await read(labdeck.url));
        await sleep(20);
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    await sleep(1_500);
    expect(await advisoryLocks(labdeck)).toBeGreaterThan(0); // the probe scheduler leads

    await labdeck.embedded!.stop();
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    await labdeck.embedded!.start(); // same port, same data directory
    const startedAt = Date.now();
    let recoveredAt = 0;
    while (!recoveredAt && Date.now() - startedAt < 10_000) {
      await sleep(50);
      recoveredAt = outcomes.find((o) => o.at > startedAt && o.status === 201)?.at ?? 0;
    }
    await sleep(1_500);
    stop = true;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at > stoppedAt + 200 && o.at < startedAt);
    const refused = outcomes.filter((o) => o.status >= 300);
    const slowest503 = Math.max(...refused.map((o) => o.ms));
    const median503 = refused.map((o) => o.ms).sort((a, b) => a - b)[Math.floor(refused.length / 2)];
    const acknowledged = outcomes.filter((o) => o.kind === 'ingest' && o.status === 201).map((o) => o.runId!);
    console.info(
      `outage of ${OUTAGE_MS} ms: ${during.length} requests during it, ${refused.length} answered 503 (median ${median503} ms, slowest ${slowest503} ms); ` +
        `first 201 ${recoveredAt - startedAt} ms after PostgreSQL accepted connections again; ${acknowledged.length} events acknowledged`,
    );
    expect(during.length).toBeGreaterThan(20);
    expect(during.every((o) => o.status === 503)).toBe(true);
    // Nothing but the one 503, and each fast: no request waits on the pool's connect timeout.
    expect(refused.map((o) => `${o.status} ${o.code}`)).toEqual(
      refused.map(() => '503 database_unavailable'),
    );
    expect(slowest503).toBeLessThan(FAST_MS);
    expect(recoveredAt - startedAt).toBeGreaterThan(0);
    expect(recoveredAt - startedAt).toBeLessThan(5_000);

    // Live streams heard both transitions.
    expect(stream.messages.map((m) => m.data.available)).toEqual([false, true]);
    stream.close();

    // Every acknowledged event is stored; refused ones were refused, not half-stored.
    const { rows } = await db.query<{ run_id: string }>('SELECT DISTINCT run_id FROM lineage_events');
    const stored = new Set(rows.map((r) => r.run_id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(50);

    // The pool reconnected without growing past its size; the leader lock and LISTEN came back.
    expect(db.pool.totalCount).toBeLessThanOrEqual(labdeck.context.config.database.poolSize);
    expect(db.pool.waitingCount).toBe(0);
    await expect.poll(() => advisoryLocks(labdeck), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => listeners(labdeck), { timeout: 10_000 }).toBe(1);
  });
});

describe('a PostgreSQL that stops answering (connections accepted, never served)', () => {
  let relay: Relay;
  let app: TestApp;
  beforeAll(async () => {
    const databaseUrl = new URL(await createDatabase(inject('postgresUrl')));
    relay = await startRelay(databaseUrl.hostname, Number(databaseUrl.port));
    databaseUrl.port = String(relay.port);
    app = await startReplica(databaseUrl.toString());
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await relay?.close();
  });

  // Without the availability tracker every request would wait the pool's 5 s connect timeout here.
  it('still answers 503 fast, then recovers', { timeout: 60_000 }, async () => {
    const outcomes: Outcome[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        outcomes.push(await ingest(app.url, `hang_${n}_${i % 3}`));
        outcomes.push(await read(app.url));
        await sleep(20);
      }
    };
    const workers = [0, 1].map(worker);
    await sleep(1_000);
    relay.hang();
    const cutAt = Date.now();
    await sleep(3_000);
    relay.pass();
    const backAt = Date.now();
    await expect
      .poll(() => outcomes.some((o) => o.at > backAt && o.status === 201), { timeout: 10_000 })
      .toBe(true);
    stop = true;
    await Promise.all(workers);
    const refused = outcomes.filter((o) => o.status !== 200 && o.status !== 201);
    const slowest = Math.max(...refused.map((o) => o.ms));
    console.info(
      `silent database: ${outcomes.filter((o) => o.at > cutAt && o.at < backAt).length} requests in 3 s, ${refused.length} answered 503, slowest ${slowest} ms`,
    );
    expect(refused.length).toBeGreaterThan(20);
    expect(new Set(refused.map((o) => `${o.status} ${o.code}`))).toEqual(
      new Set(['503 database_unavailable']),
    );
    expect(slowest).toBeLessThan(FAST_MS);
  });
});

describe('a signed-in user while PostgreSQL is down (oidc mode)', () => {
  let relay: Relay;
  let app: TestApp;
  let cookie: string;
  beforeAll(async () => {
    const databaseUrl = new URL(await createDatabase(inject('postgresUrl')));
    relay = await startRelay(databaseUrl.hostname, Number(databaseUrl.port));
    const viaRelay = new URL(databaseUrl);
    viaRelay.port = String(relay.port);
    app = await startReplica(
      viaRelay.toString(),
      [
        'server: { publicUrl: "http://labdeck.lab.localhost:8090" }',
        'auth:',
        '  mode: oidc',
        '  providers: [{ issuer: "http://127.0.0.1:9/realms/none", clientId: labdeck }]',
        '  roles: { analyst: [analysts] }',
        'services:',
        '  groups:',
        '    - name: Gated',
        '      services:',
        '        - { id: ui, name: UI, url: "http://ui.lab.localhost:8090/", roles: [analyst], probe: false }',
      ].join('\n'),
    );
    cookie = `labdeck_session=${await storeAnalystSession(databaseUrl.toString(), 1)}`;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await relay?.close();
  });

  // The session cache re-reads a session after 5 s: a failed re-read must not sign everyone out.
  it('keeps the session: pages, live streams and the gate go on; sign-in state is not lost', {
    timeout: 60_000,
  }, async () => {
    const user = async () => {
      const res = await app.fetch('/api/session', { headers: { cookie } });
      return { status: res.status, id: ((await res.json()) as { user: { id: string } | null }).user?.id };
    };
    const gate = () =>
      app.fetch('/api/gate/auth', {
        headers: { cookie, 'x-original-url': 'http://ui.lab.localhost:8090/', 'x-original-method': 'GET' },
      });
    expect(await user()).toEqual({ status: 200, id: 'analyst' });
    expect((await gate()).status).toBe(200);

    relay.hang();
    await sleep(6_000); // past the cache's re-read time
    expect(await user()).toEqual({ status: 200, id: 'analyst' });
    const allowed = await gate();
    expect([allowed.status, allowed.headers.get('x-forwarded-user')]).toEqual([200, 'analyst']);
    const stream = await watchDatabaseEvents(app.url, { cookie });
    await expect.poll(() => stream.messages.at(-1)?.data.available, { timeout: 5_000 }).toBe(false);
    stream.close();
    // What needs the database still says so.
    const range = await app.fetch('/api/lineage/range', { headers: { cookie } });
    expect([range.status, ((await range.json()) as { error: { code: string } }).error.code]).toEqual([
      503,
      'database_unavailable',
    ]);

    relay.pass();
    await expect.poll(async () => (await app.fetch('/readyz')).status, { timeout: 10_000 }).toBe(200);
    expect(await user()).toEqual({ status: 200, id: 'analyst' });
  });
});

interface Relay {
  port: number;
  /** Drops every connection; new ones are accepted and never answered. */
  hang(): void;
  /** Serves again (connections left hanging are dropped). */
  pass(): void;
  close(): Promise<void>;
}

/** A TCP relay in front of PostgreSQL, as a proxy or a load balancer in front of a dead server behaves. */
async function startRelay(host: string, port: number): Promise<Relay> {
  let hanging = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = createServer((socket) => {
    track(socket);
    if (hanging) return;
    const upstream = connect(port, host);
    track(upstream);
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    hang() {
      hanging = true;
      dropAll();
    },
    pass() {
      hanging = false;
      dropAll();
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}

async function ingest(base: string, job: string): Promise<Outcome> {
  const event = runEvent({ eventType: 'COMPLETE', job, outputs: [{ name: `${job}_out` }] });
  const outcome = await timed('ingest', () =>
    fetch(`${base}/api/v1/lineage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    }),
  );
  return { ...outcome, runId: event.run.runId };
}

const read = (base: string) => timed('read', () => fetch(`${base}/api/lineage/range`));

async function timed(kind: Outcome['kind'], send: () => Promise<Response>): Promise<Outcome> {
  const started = performance.now();
  const res = await send();
  const body = (await res.json()) as { error?: { code: string } };
  return {
    kind,
    status: res.status,
    code: body.error?.code,
    ms: Math.round(performance.now() - started),
    at: Date.now(),
  };
}

async function advisoryLocks(labdeck: Labdeck): Promise<number> {
  const { rows } = await labdeck.context.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted",
  );
  return rows[0]!.n;
}

async function listeners(labdeck: Labdeck): Promise<number> {
  const { rows } = await labdeck.context.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
  );
  return rows[0]!.n;
}

/** An SSE client of the `database` topic, as the SPA's banner is. */
async function watchDatabaseEvents(base: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/events?topics=database`, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  const messages: DatabaseLiveEvent[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (/^event: message$/m.test(frame) && data) messages.push(JSON.parse(data) as DatabaseLiveEvent);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return { messages, close: () => controller.abort() };
}
