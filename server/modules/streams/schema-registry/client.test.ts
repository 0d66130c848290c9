import { describe, expect, it } from 'vitest';
import { fakeRegistry } from '../test/schema-registry.ts';
import { SchemaRegistryClient } from './client.ts';

const config = { url: 'http://registry.test/registry/', requestTimeout: 1_000 };

describe('Schema Registry client', () => {
  it('fetches a schema with its subjects and references (recursively), once per id', async () => {
    const registry = fakeRegistry({
      '/schemas/ids/7': {
        schema: 'syntax = "proto3";',
        schemaType: 'PROTOBUF',
        references: [{ name: 'a.proto', subject: 'a', version: 2 }],
      },
      '/schemas/ids/7/versions': [{ subject: 'orders-value', version: 3 }],
      '/subjects/a/versions/2': {
        schema: 'a',
        schemaType: 'PROTOBUF',
        references: [{ name: 'b.proto', subject: 'b', version: 1 }],
      },
      '/subjects/b/versions/1': { schema: 'b', schemaType: 'PROTOBUF' },
    });
    const client = new SchemaRegistryClient(config, { fetch: registry.fetch });
    const [schema] = await Promise.all([client.schema(7), client.schema(7)]);
    expect(schema).toEqual({
      id: 7,
      type: 'PROTOBUF',
      schema: 'syntax = "proto3";',
      subjects: [{ subject: 'orders-value', version: 3 }],
      references: [
        {
          name: 'a.proto',
          subject: 'a',
          version: 2,
          type: 'PROTOBUF',
          schema: 'a',
          references: [
            { name: 'b.proto', subject: 'b', version: 1, type: 'PROTOBUF', schema: 'b', references: [] },
          ],
        },
      ],
    });
    await client.schema(7);
    expect(registry.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/registry/schemas/ids/7',
      '/registry/schemas/ids/7/versions',
      '/registry/subjects/a/versions/2',
      '/registry/subjects/b/versions/1',
    ]);
  });

  it('treats an absent schemaType as Avro and tolerates a registry without /versions', async () => {
    const registry = fakeRegistry({ '/schemas/ids/1': { schema: '"string"' } });
    const schema = await new SchemaRegistryClient(config, { fetch: registry.fetch }).schema(1);
    expect(schema).toMatchObject({ type: 'AVRO', subjects: [], references: [] });
  });

  it('sends basic auth from the config or from the URL, never the URL credentials in the URL', async () => {
    const registry = fakeRegistry({ '/schemas/ids/1': { schema: '"string"' } });
    await new SchemaRegistryClient(
      { ...config, username: 'key', password: 's3cret' },
      { fetch: registry.fetch },
    ).schema(1);
    await new SchemaRegistryClient(
      { url: 'http://us%40er:p%3Ass@registry.test/registry', requestTimeout: 1_000 },
      { fetch: registry.fetch },
    ).schema(1);
    expect(registry.requests[0]!.authorization).toBe(`Basic ${Buffer.from('key:s3cret').toString('base64')}`);
    const fromUrl = registry.requests.find((r) =>
      r.authorization?.endsWith(Buffer.from('us@er:p:ss').toString('base64')),
    );
    expect(fromUrl?.url).toBe('http://registry.test/registry/schemas/ids/1');
  });

  it('names an unknown id, remembers failures for a while, then asks again', async () => {
    let now = 0;
    const registry = fakeRegistry({});
    const client = new SchemaRegistryClient(config, {
      fetch: registry.fetch,
      now: () => now,
      failureTtlMs: 5_000,
    });
    await expect(client.schema(99)).rejects.toThrow('the schema registry does not know schema 99');
    await expect(client.schema(99)).rejects.toThrow('does not know');
    const asked = registry.requests.length;
    now = 6_000;
    await expect(client.schema(99)).rejects.toThrow('does not know');
    expect(registry.requests.length).toBeGreaterThan(asked);
  });

  it('fails every id fast while the registry is down, without naming its URL', async () => {
    let calls = 0;
    const down = (async () => {
      calls++;
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const client = new SchemaRegistryClient({ ...config, url: 'http://u:pw@registry.test' }, { fetch: down });
    const error = (await client.schema(1).catch((e: Error) => e)) as Error;
    expect(error.message).toBe('the schema registry could not be reached (ECONNREFUSED)');
    await expect(client.schema(2)).rejects.toThrow('could not be reached');
    expect(calls).toBe(2); // id 1: schema and versions; id 2: not asked
  });

  it('times out a registry that does not answer', async () => {
    const hang = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
      )) as unknown as typeof fetch;
    const client = new SchemaRegistryClient({ ...config, requestTimeout: 100 }, { fetch: hang });
    await expect(client.schema(1)).rejects.toThrow('did not answer within 100 ms');
  });

  it('refuses an answer over the size limit', async () => {
    const registry = fakeRegistry({ '/schemas/ids/1': { schema: 'x'.repeat(5_000) } });
    const client = new SchemaRegistryClient(config, { fetch: registry.fetch, maxBodyBytes: 1_000 });
    await expect(client.schema(1)).rejects.toThrow('the schema registry sent more than 1000 bytes');
  });

  it.each([
    [{ schema: 1 }, 'no schema text'],
    [{ schema: 'x', schemaType: 'XML' }, 'unknown schema type "XML"'],
    [{ schema: 'x', references: [{ name: 1 }] }, 'bad reference'],
  ])('rejects a bad answer %j', async (body, message) => {
    const registry = fakeRegistry({ '/schemas/ids/1': body });
    await expect(new SchemaRegistryClient(config, { fetch: registry.fetch }).schema(1)).rejects.toThrow(
      message,
    );
  });
});
