import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { registered } from '../test/schema-registry.ts';
import { compileAvro } from './avro.ts';

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'lab',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'big', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    { name: 'raw', type: 'bytes' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'tags', type: { type: 'map', values: 'int' } },
    { name: 'ratio', type: 'double' },
  ],
};

describe('Avro decoding', () => {
  it('renders longs, unions, enums, bytes, decimals and maps as JSON', () => {
    // avsc cannot write 2^60 as a long: write the rest, then splice its varint in where `big` goes.
    const plain = avsc.Type.forSchema({
      ...order,
      fields: order.fields.filter((f) => f.name !== 'big'),
    } as avsc.Schema);
    const head = plain.toBuffer({
      id: 42,
      note: 'gift',
      status: 'PAID',
      raw: Buffer.from([1, 2, 3]),
      price: Buffer.from([0xfb, 0x2e]), // -1234 unscaled -> -12.34
      tags: { a: 1 },
      ratio: Number.NaN,
    });
    const idBytes = avsc.Type.forSchema('long').toBuffer(42);
    const bigBytes = zigzagVarint(2n ** 60n);
    const bytes = Buffer.concat([idBytes, bigBytes, head.subarray(idBytes.length)]);
    const decode = compileAvro(registered('AVRO', JSON.stringify(order)));
    expect(decode(bytes)).toEqual({
      type: 'lab.Order',
      data: {
        id: 42,
        big: '1152921504606846976',
        note: 'gift',
        status: 'PAID',
        raw: 'AQID',
        price: '-12.34',
        tags: { a: 1 },
        ratio: 'NaN',
      },
    });
  });

  it('resolves named types from references', () => {
    const money = {
      type: 'record',
      name: 'Money',
      namespace: 'lab.common',
      fields: [{ name: 'units', type: 'long' }],
    };
    const payment = {
      type: 'record',
      name: 'Payment',
      namespace: 'lab',
      fields: [{ name: 'amount', type: 'lab.common.Money' }],
    };
    const writer = avsc.Type.forSchema({
      ...payment,
      fields: [{ name: 'amount', type: money }],
    } as avsc.Schema);
    const decode = compileAvro(
      registered('AVRO', JSON.stringify(payment), {
        references: [
          {
            name: 'lab.common.Money',
            subject: 'money',
            version: 1,
            type: 'AVRO',
            schema: JSON.stringify(money),
            references: [],
          },
        ],
      }),
    );
    expect(decode(writer.toBuffer({ amount: { units: 7 } })).data).toEqual({ amount: { units: 7 } });
  });

  it('fails on bytes that do not match the schema', () => {
    const decode = compileAvro(
      registered('AVRO', JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] })),
    );
    expect(() => decode(Buffer.from([0x02, 0x02, 0x02]))).toThrow();
  });
});

function zigzagVarint(n: bigint): Buffer {
  let zz = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  while (zz >= 0x80n) {
    out.push(Number(zz & 0x7fn) | 0x80);
    zz >>= 7n;
  }
  out.push(Number(zz));
  return Buffer.from(out);
}
