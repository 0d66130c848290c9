import avsc from 'avsc';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../platform/events/bus.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { FakeCluster } from './adapters/fake.ts';
import type { PeekedMessage } from './adapters/types.ts';
import { streamsSection } from './config.ts';
import { frame } from './schema-registry/wire.ts';
import { StreamsService } from './service.ts';
import { fakeRegistry } from './test/schema-registry.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const user = avsc.Type.forSchema({
  type: 'record',
  name: 'User',
  fields: [{ name: 'name', type: 'string' }],
});
const message = (
  offset: number,
  key: Buffer | null,
  value: Buffer | null,
  extra: Partial<PeekedMessage> = {},
) => ({
  partition: 0,
  offset,
  timestamp: 1_700_000_000_000,
  key,
  value,
  headers: [],
  ...extra,
});

describe('streams API with a Schema Registry configured', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      config: `
streams:
  clusters:
    - id: gone
      bootstrap: 127.0.0.1:1
      interval: 300ms
      requestTimeout: 1s
      schemaRegistry:
        url: http://sr-user:url-secret@registry.internal:8081
        username: sr-key
        password: \${SR_PASSWORD}
`,
      env: { SR_PASSWORD: 'pw-secret-value' },
    });
  });
  afterAll(() => app?.close());

  it('never echoes the registry URL or credentials in the cluster API', async () => {
    for (const path of [
      '/api/streams/clusters',
      '/api/streams/clusters/gone',
      '/api/streams/clusters/gone/topics',
    ]) {
      const body = await (await app.fetch(path)).text();
      expect(body).not.toMatch(/registry\.internal|url-secret|pw-secret-value|sr-key|sr-user|schemaRegistry/);
    }
  });
});

describe('peek with a Schema Registry (fake Kafka, fake registry)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('decodes keys and values independently and degrades per message', async () => {
    const fake = new FakeCluster();
    fake.addTopic('users', 1);
    const registry = fakeRegistry({
      '/schemas/ids/12': { schema: JSON.stringify(user.schema()) },
      '/schemas/ids/12/versions': [{ subject: 'users-value', version: 1 }],
    });
    const peeked = [
      message(0, Buffer.from('plain-key'), frame(12, user.toBuffer({ name: 'ada' }))),
      message(1, frame(12, user.toBuffer({ name: 'key' })), frame(77, Buffer.from([1]))),
      message(2, null, frame(12, Buffer.alloc(16)), { truncatedFrom: 40_000 }),
      message(3, null, Buffer.from('{"raw":true}')),
    ];
    const config = streamsSection.parse({
      clusters: [
        {
          id: 'fake',
          bootstrap: 'f:9092',
          interval: '200ms',
          schemaRegistry: { url: 'http://registry.test' },
        },
      ],
    });
    const service = new StreamsService(
      { ...app.context, bus: createMemoryBus(), log: pino({ level: 'silent' }) },
      config,
      {
        adapterFactory: () => ({ ...fake.adapter(), peek: async () => peeked }),
        registryFetch: registry.fetch,
      },
    );
    await service.start();
    try {
      for (let i = 0; i < 100 && !service.view('fake').topics.length; i++) await sleep(100);
      const [first, second, cut, raw] = await service.peek('fake', 'users', undefined, 10);
      expect(first).toMatchObject({
        keyDecoded: null,
        valueDecoded: {
          format: 'avro',
          schemaId: 12,
          subject: 'users-value',
          type: 'User',
          data: { name: 'ada' },
        },
      });
      expect(second!.keyDecoded).toMatchObject({ format: 'avro', data: { name: 'key' } });
      expect(second!.valueDecoded).toEqual({
        schemaId: 77,
        error: 'the schema registry does not know schema 77',
      });
      expect(cut!.valueDecoded).toMatchObject({
        schemaId: 12,
        error: expect.stringContaining('cut from 40000'),
      });
      expect(raw).toMatchObject({ keyDecoded: null, valueDecoded: null, value: Buffer.from('{"raw":true}') });
    } finally {
      await service.stop();
    }
  });
});
