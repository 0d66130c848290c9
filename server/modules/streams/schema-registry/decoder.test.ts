import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { fakeRegistry } from '../test/schema-registry.ts';
import { SchemaRegistryClient } from './client.ts';
import { SchemaDecoder } from './decoder.ts';
import { frame } from './wire.ts';

const user = { type: 'record', name: 'User', namespace: 'lab', fields: [{ name: 'name', type: 'string' }] };
const userType = avsc.Type.forSchema(user as avsc.Schema);

function decoderFor(maxBytes = 1_000) {
  const registry = fakeRegistry({
    '/schemas/ids/12': { schema: JSON.stringify(user) },
    '/schemas/ids/12/versions': [
      { subject: 'other-value', version: 1 },
      { subject: 'users-value', version: 1 },
    ],
    '/schemas/ids/13': { schema: JSON.stringify({ title: 'Click', type: 'object' }), schemaType: 'JSON' },
    '/schemas/ids/14': { schema: '{"type":"record","name":"Broken","fields":[{"name":"a","type":"nope"}]}' },
  });
  const client = new SchemaRegistryClient(
    { url: 'http://registry.test', requestTimeout: 1_000 },
    { fetch: registry.fetch },
  );
  return { decoder: new SchemaDecoder(client, { maxBytes }), registry };
}
const value = { topic: 'users', part: 'value' } as const;

describe('SchemaDecoder', () => {
  it('decodes Avro with the subject of the topic', async () => {
    const { decoder } = decoderFor();
    expect(await decoder.decode(frame(12, userType.toBuffer({ name: 'ada' })), value)).toEqual({
      format: 'avro',
      schemaId: 12,
      subject: 'users-value',
      type: 'lab.User',
      data: { name: 'ada' },
    });
  });

  it('decodes JSON Schema payloads and names the schema title', async () => {
    const { decoder } = decoderFor();
    const decoded = await decoder.decode(frame(13, Buffer.from('{"x":1}')), { topic: 'clicks', part: 'key' });
    expect(decoded).toEqual({ format: 'json', schemaId: 13, subject: null, type: 'Click', data: { x: 1 } });
  });

  it.each([
    ['null', null],
    ['text', Buffer.from('hello')],
    ['JSON', Buffer.from('{"a":1}')],
  ])('leaves unframed %s bytes to the raw view', async (_name, bytes) => {
    expect(await decoderFor().decoder.decode(bytes, value)).toBeNull();
  });

  it.each([
    [frame(404, Buffer.from([1])), 'the schema registry does not know schema 404'],
    [frame(12, Buffer.from([0x02, 0x02, 0x02, 0x02])), 'not Avro of schema 12: trailing data'],
    [frame(13, Buffer.from('{')), 'not JSON of schema 13: the payload is not JSON'],
    [frame(14, Buffer.from([0])), 'schema 14 (Avro) does not compile'],
  ])('gives a reason per message instead of failing (%#)', async (bytes, reason) => {
    const decoded = await decoderFor().decoder.decode(bytes, value);
    expect(decoded).toMatchObject({ error: expect.stringContaining(reason) });
  });

  it('does not decode a value the peek cut', async () => {
    const decoded = await decoderFor().decoder.decode(frame(12, Buffer.from([2, 65])), {
      ...value,
      cutFrom: 5_000,
    });
    expect(decoded).toEqual({ schemaId: 12, error: expect.stringMatching(/cut from 5000 to 7 bytes/) });
  });

  it('cuts decoded data over the size limit and says so', async () => {
    const { decoder } = decoderFor(64);
    const decoded = await decoder.decode(frame(12, userType.toBuffer({ name: 'x'.repeat(200) })), value);
    expect(decoded).toMatchObject({ format: 'avro', data: null, truncatedFrom: 211 });
    expect((decoded as { preview: string }).preview).toHaveLength(64);
  });

  it('compiles a schema once for many messages', async () => {
    const { decoder, registry } = decoderFor();
    await Promise.all(
      ['a', 'b', 'c'].map((name) => decoder.decode(frame(12, userType.toBuffer({ name })), value)),
    );
    expect(registry.requests.filter((r) => r.url.endsWith('/schemas/ids/12'))).toHaveLength(1);
  });
});
