import { describe, expect, it } from 'vitest';
import { frame, readMessageIndexes, unframe, writeMessageIndexes } from './wire.ts';

describe('Confluent wire format', () => {
  it('reads the magic byte, the big-endian schema id and the payload', () => {
    const bytes = Buffer.from([0, 0, 0, 0x01, 0x02, 0xaa, 0xbb]);
    expect(unframe(bytes)).toEqual({ schemaId: 258, payload: Buffer.from([0xaa, 0xbb]) });
    expect(frame(258, Buffer.from([0xaa, 0xbb]))).toEqual(bytes);
  });

  it.each([
    ['plain text', Buffer.from('{"a":1}')],
    ['too short', Buffer.from([0, 0, 0, 1])],
    ['empty', Buffer.alloc(0)],
  ])('leaves %s alone', (_name, bytes) => {
    expect(unframe(bytes)).toBeNull();
  });

  it.each([
    [[0], [0x00]],
    [[1], [0x02, 0x02]],
    [
      [0, 2],
      [0x04, 0x00, 0x04],
    ],
    [[70], [0x02, 0x8c, 0x01]],
  ])('reads the protobuf message-index path %j', (indexes, bytes) => {
    const payload = Buffer.from([...bytes, 0x08, 0x01]);
    expect(writeMessageIndexes(indexes)).toEqual(Buffer.from(bytes));
    expect(readMessageIndexes(payload)).toEqual({ indexes, rest: Buffer.from([0x08, 0x01]) });
  });

  it.each([
    ['cut short', [0x04, 0x00]],
    ['negative count', [0x01]],
    ['negative index', [0x02, 0x03]],
    ['endless varint', [0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ])('rejects a %s index list', (_name, bytes) => {
    expect(() => readMessageIndexes(Buffer.from(bytes))).toThrow(/protobuf message.index/);
  });
});
