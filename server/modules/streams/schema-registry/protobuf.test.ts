import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { registered } from '../test/schema-registry.ts';
import { compileProtobuf } from './protobuf.ts';
import { writeMessageIndexes } from './wire.ts';

const money = `syntax = "proto3";
package lab.common;
message Money { string currency = 1; int64 units = 2; }
`;
const orders = `syntax = "proto3";
package lab;
import "money.proto";
import "google/protobuf/timestamp.proto";
enum Status { NEW = 0; PAID = 1; }
message Order {
  int64 id = 1;
  Status status = 2;
  bytes raw = 3;
  lab.common.Money total = 4;
  google.protobuf.Timestamp at = 5;
  message Line { string sku = 1; uint32 qty = 2; }
  repeated Line lines = 6;
}
message Refund { string reason = 1; }
`;
const schema = registered('PROTOBUF', orders, {
  references: [
    {
      name: 'money.proto',
      subject: 'money.proto',
      version: 1,
      type: 'PROTOBUF',
      schema: money,
      references: [],
    },
  ],
});

/** The producer side, with protobufjs: the same files in one root. */
function writer() {
  const root = new protobuf.Root();
  protobuf.parse(money, root, { keepCase: true });
  protobuf.parse(orders, root, { keepCase: true });
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
  root.resolveAll();
  return root;
}

describe('Protobuf decoding', () => {
  const root = writer();
  const decode = compileProtobuf(schema);

  it('decodes the first message (index 0) with references and well-known imports', () => {
    const Order = root.lookupType('lab.Order');
    const payload = Order.encode(
      Order.fromObject({
        id: '9007199254740993',
        status: 'PAID',
        raw: Buffer.from([1, 2]),
        total: { currency: 'EUR', units: 12 },
        at: { seconds: 1_700_000_000, nanos: 0 },
        lines: [{ sku: 'a', qty: 2 }],
      }),
    ).finish();
    const result = decode(Buffer.concat([writeMessageIndexes([0]), payload]));
    expect(result).toEqual({
      type: 'lab.Order',
      data: {
        id: '9007199254740993',
        status: 'PAID',
        raw: 'AQI=',
        total: { currency: 'EUR', units: '12' },
        at: { seconds: '1700000000', nanos: 0 },
        lines: [{ sku: 'a', qty: 2 }],
      },
    });
  });

  it.each([
    [[1], 'lab.Refund', 'lab.Refund', { reason: 'late' }],
    [[0, 0], 'lab.Order.Line', 'lab.Order.Line', { sku: 'b', qty: 0 }],
  ])('picks the message at index path %j', (indexes, name, type, value) => {
    const Type = root.lookupType(name);
    const payload = Type.encode(Type.fromObject(value)).finish();
    expect(decode(Buffer.concat([writeMessageIndexes(indexes), payload]))).toEqual({ type, data: value });
  });

  it('names an index path the schema does not have', () => {
    expect(() => decode(Buffer.concat([writeMessageIndexes([5]), Buffer.alloc(0)]))).toThrow(
      /index path \[5\]/,
    );
  });

  it('says which import is missing', () => {
    expect(() => compileProtobuf(registered('PROTOBUF', orders))).toThrow(/money\.proto/);
  });
});
