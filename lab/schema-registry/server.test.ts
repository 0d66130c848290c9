import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SchemaRegistry, startSchemaRegistry } from './server.ts';

// Real Apicurio Registry; fails (never skips) when it is not installed: `bash lab/schema-registry/install.sh`.
describe('lab Schema Registry', () => {
  let registry: SchemaRegistry;
  const auth = { username: 'lab', password: 'lab-secret' };
  const basic = `Basic ${Buffer.from('lab:lab-secret').toString('base64')}`;

  beforeAll(async () => {
    registry = await startSchemaRegistry({ auth });
  });
  afterAll(() => registry?.stop());

  it('serves the Confluent-compatible API behind basic auth', async () => {
    expect((await fetch(`${registry.url}/subjects`)).status).toBe(401);
    const registered = await fetch(`${registry.url}/subjects/lab-value/versions`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({
        schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] }),
      }),
    });
    expect(registered.status).toBe(200);
    const { id } = (await registered.json()) as { id: number };
    const byId = await fetch(`${registry.url}/schemas/ids/${id}`, { headers: { authorization: basic } });
    expect(await byId.json()).toMatchObject({ schemaType: 'AVRO' });
  });

  it('stops and starts again on the same port', async () => {
    await registry.stop();
    await expect(fetch(`${registry.url}/subjects`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    await registry.start();
    const res = await fetch(`${registry.url}/subjects`, { headers: { authorization: basic } });
    expect(await res.json()).toEqual([]);
  });
});
