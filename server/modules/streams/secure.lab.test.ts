import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCertificateAuthority, type KafkaBroker, startKafka } from '../../../lab/kafka/broker.ts';
import { createTopics, until } from '../../../lab/kafka/streams-lab.ts';
import { produceAtRate, type RateProducer } from '../../../lab/kafka/workload.ts';
import { type Labdeck, startLabdeck } from '../../platform/runtime.ts';
import { createDatabase } from '../../test/harness.ts';
import { serverModules } from '../index.ts';

// Streams over SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and TLS against the real lab broker started with
// `security`: one Labdeck, one cluster entry per listener and credential, passwords from ${ENV}. Fails (never
// skips) when Kafka is not installed: run `bash lab/kafka/install.sh` first.

const reader = { name: 'reader', password: 'reader-pw-7f3a9c2e' };
const wrongPassword = 'wrong-pw-91b2e4d0';
const topic = 'secure.orders';

/** The clusters that must come up, by how they reach the broker. */
const secured = [
  ['sasl-plain', 'SASL_PLAINTEXT with PLAIN'],
  ['sasl-scram-256', 'SASL_PLAINTEXT with SCRAM-SHA-256'],
  ['sasl-scram-512', 'SASL_PLAINTEXT with SCRAM-SHA-512'],
  ['tls', 'SSL with the CA verified'],
  ['sasl-ssl', 'SASL_SSL with SCRAM-SHA-512 and the CA verified'],
  ['tls-servername', 'SSL with the CA verified against tls.servername localhost'],
  ['tls-unverified', 'SSL with rejectUnauthorized false and no CA'],
] as const;

describe('Streams over SASL and TLS against a real Kafka broker', () => {
  let broker: KafkaBroker;
  let app: Labdeck;
  let producer: RateProducer;
  let cwd: string | undefined;
  const logLines: string[] = [];
  const responses: string[] = [];

  // biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed JSON
  const get = async <T = any>(url: string): Promise<T> => {
    const res = await fetch(new URL(url, app.url));
    const text = await res.text();
    responses.push(text);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const cluster = async (id: string) =>
    (await get(`/api/streams/clusters`)).clusters.find((c: { id: string }) => c.id === id);

  beforeAll(async () => {
    broker = await startKafka({ security: { users: [reader] } });
    const security = broker.security!;
    const wrongCa = createCertificateAuthority(path.join(broker.dir, 'wrong-ca'));
    await createTopics(broker.bootstrap, [topic], 2);
    // Written over the plaintext listener; Labdeck reads it over the secured ones.
    producer = produceAtRate(broker.bootstrap, topic, 200);

    const sampling = `interval: 500ms
      metadataInterval: 1s
      logDirsInterval: 1s
      requestTimeout: 3s`;
    const sasl = (mechanism: string, variable = 'READER_PASSWORD') =>
      `sasl: { mechanism: ${mechanism}, username: ${reader.name}, password: "\${${variable}}" }`;
    const config = `
streams:
  clusters:
    - id: sasl-plain
      bootstrap: ${security.sasl}
      ${sasl('PLAIN')}
      ${sampling}
    - id: sasl-scram-256
      bootstrap: ${security.sasl}
      ${sasl('SCRAM-SHA-256')}
      ${sampling}
    - id: sasl-scram-512
      bootstrap: ${security.sasl}
      ${sasl('SCRAM-SHA-512')}
      ${sampling}
    - id: tls
      bootstrap: ${security.ssl}
      tls: { ca: ${security.caFile} }
      ${sampling}
    - id: sasl-ssl
      bootstrap: ${security.saslSsl}
      ${sasl('SCRAM-SHA-512')}
      tls: { ca: ${security.caFile} }
      ${sampling}
    - id: tls-servername
      bootstrap: ${security.ssl}
      tls: { ca: ${security.caFile}, servername: localhost }
      ${sampling}
    - id: tls-unverified
      bootstrap: ${security.ssl}
      tls: { rejectUnauthorized: false }
      ${sampling}
    - id: wrong-plain
      bootstrap: ${security.sasl}
      ${sasl('PLAIN', 'WRONG_PASSWORD')}
      ${sampling}
    - id: wrong-scram
      bootstrap: ${security.sasl}
      ${sasl('SCRAM-SHA-256', 'WRONG_PASSWORD')}
      ${sampling}
    - id: system-store
      bootstrap: ${security.ssl}
      tls: true
      ${sampling}
    - id: wrong-servername
      bootstrap: ${security.ssl}
      tls: { ca: ${security.caFile}, servername: kafka.example.com }
      ${sampling}
    - id: no-sasl
      bootstrap: ${security.sasl}
      ${sampling}
    - id: wrong-ca
      bootstrap: ${security.ssl}
      tls: { ca: ${wrongCa.certFile} }
      ${sampling}
`;
    // startTestApp's logger is silent; this one keeps every line (debug and up) to search for secrets.
    cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-secure-'));
    writeFileSync(path.join(cwd, 'labdeck.yaml'), config);
    app = await startLabdeck({
      modules: serverModules,
      cwd,
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: await createDatabase(inject('postgresUrl')),
        LABDECK_CONFIG: path.join(cwd, 'labdeck.yaml'),
        READER_PASSWORD: reader.password,
        WRONG_PASSWORD: wrongPassword,
      },
      log: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    });
  }, 120_000);

  afterAll(async () => {
    await producer?.stop().catch(() => {});
    await app?.close();
    await broker?.stop();
    for (const dir of [broker?.dir, cwd]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it.each(secured)('samples cluster %s (%s): up, with its broker, topic and rate', async (id) => {
    const up = await until(
      `${id} up`,
      () => cluster(id),
      (c) => c?.status === 'up',
    );
    expect(up.error).toBeNull();
    expect(up.overview.brokers).toHaveLength(1);
    const view = await until(
      `${topic} rate on ${id}`,
      () => get(`/api/streams/clusters/${id}/topics/${topic}`).catch(() => null),
      // Near the producer's 200/s; a producer that fell behind on a loaded machine catches up in a burst,
      // so one interval may read high: wait for a sample in the band (a steadily wrong rate still fails).
      (v) => (v?.topic.rate ?? 0) > 100 && v.topic.rate < 300,
    );
    expect(view.topic).toMatchObject({ name: topic, partitions: 2 });
    const sized = await until(
      `${topic} size on ${id}`,
      () => get(`/api/streams/clusters/${id}/topics/${topic}`),
      (v) => (v.topic.size ?? 0) > 0,
    );
    expect(sized.topic.parts).toHaveLength(2);
  });

  it('peeks messages and reads topic configs over SASL_SSL (the consumer gets SASL and TLS too)', async () => {
    const { messages } = await get(`/api/streams/clusters/sasl-ssl/topics/${topic}/messages?limit=5`);
    expect(messages).toHaveLength(5);
    expect(Buffer.from(messages[0].value, 'base64').toString()).toMatch(/^x+$/);
    const { configs } = await get(`/api/streams/clusters/sasl-ssl/topics/${topic}/configs`);
    expect(configs.map((c: { name: string }) => c.name)).toContain('retention.ms');
  });

  it.each([
    ['wrong-plain', 'PLAIN', /Invalid username or password/],
    ['wrong-scram', 'SCRAM-SHA-256', /invalid credentials with SASL mechanism SCRAM-SHA-256/],
  ])(
    'shows %s down: %s authentication failed for the user, with the broker’s reason',
    async (id, mechanism, reason) => {
      const down = await until(
        `${id} down`,
        () => cluster(id),
        (c) => c?.status === 'down',
      );
      const port = broker.security!.saslPort;
      expect(down.error).toContain(
        `${mechanism} authentication failed for user "reader" at 127.0.0.1:${port}: `,
      );
      expect(down.error).toMatch(reason);
      const topics = await get(`/api/streams/clusters/${id}/topics`);
      expect(topics).toMatchObject({ cluster: { status: 'down' }, total: 0 });
    },
  );

  it('shows the cluster with a wrong CA down with a certificate error', async () => {
    const down = await until(
      'wrong-ca down',
      () => cluster('wrong-ca'),
      (c) => c?.status === 'down',
    );
    expect(down.error).toBe(
      `TLS certificate of ${broker.security!.ssl} not trusted: self-signed certificate in certificate chain ` +
        '(SELF_SIGNED_CERT_IN_CHAIN); check tls.ca',
    );
  });

  it('shows tls: true (the system trust store) down: the lab CA is not in it', async () => {
    const down = await until(
      'system-store down',
      () => cluster('system-store'),
      (c) => c?.status === 'down',
    );
    expect(down.error).toMatch(/not trusted: self-signed certificate in certificate chain .*check tls\.ca$/);
  });

  it('shows a certificate for another server name down, pointing at tls.servername', async () => {
    const down = await until(
      'wrong-servername down',
      () => cluster('wrong-servername'),
      (c) => c?.status === 'down',
    );
    expect(down.error).toMatch(/not trusted: Hostname\/IP does not match certificate's altnames/);
    expect(down.error).toMatch(
      /kafka\.example\.com.*\(ERR_TLS_CERT_ALTNAME_INVALID\); check tls\.servername/,
    );
  });

  it('shows a cluster without sasl on a SASL listener down, with a hint', async () => {
    const down = await until(
      'no-sasl down',
      () => cluster('no-sasl'),
      (c) => c?.status === 'down',
    );
    expect(down.error).toMatch(/Connection closed by the broker \(does it need sasl\?\)$/);
  });

  it('never puts a password in an API response or a log line', async () => {
    for (const id of ['sasl-plain', 'sasl-ssl', 'wrong-plain', 'wrong-scram']) {
      await get(`/api/streams/clusters/${id}`);
      await get(`/api/streams/clusters/${id}/topics`);
    }
    await get('/api/streams/clusters');
    for (const url of ['/metrics', '/readyz', '/api/session', '/api/admin/audit']) {
      responses.push(await (await fetch(new URL(url, app.url))).text());
    }
    // Live updates carry the cluster summaries, errors included.
    const live = await fetch(new URL('/api/events?topics=streams', app.url), {
      signal: AbortSignal.timeout(1_500),
    });
    let events = '';
    try {
      for await (const chunk of live.body!) events += Buffer.from(chunk).toString();
    } catch {
      // the timeout ends the stream
    }
    expect(events).toContain('authentication failed for user');
    responses.push(events);
    const logs = logLines.join('');
    // The capture works: the failures were logged, with their clear reason.
    expect(logs).toContain('SCRAM-SHA-256 authentication failed for user \\"reader\\"');
    expect(logs).toContain('PLAIN authentication failed for user \\"reader\\"');
    expect(responses.length).toBeGreaterThan(20);
    for (const secret of [reader.password, wrongPassword]) {
      expect(responses.filter((body) => body.includes(secret))).toEqual([]);
      expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
