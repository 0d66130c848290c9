/** Confluent's wire format: magic byte 0, a 4-byte big-endian schema id, then the encoded payload. */
export interface Framed {
  schemaId: number;
  payload: Buffer;
}

const MAGIC = 0;

/** The schema id and payload, or null when the bytes are not framed (plain text, JSON, other serializers). */
export function unframe(data: Buffer): Framed | null {
  if (data.length < 5 || data[0] !== MAGIC) return null;
  return { schemaId: data.readInt32BE(1), payload: data.subarray(5) };
}

export function frame(schemaId: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

/**
 * Protobuf payloads start with the path of the message type in the schema file: a zigzag varint count,
 * then that many zigzag varints (top-level index, nested index...). A lone 0 means the first message.
 */
export function readMessageIndexes(payload: Buffer): { indexes: number[]; rest: Buffer } {
  let at = 0;
  const next = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= payload.length) throw new Error('the protobuf message-index list is cut short');
      const byte = payload[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
      shift += 7;
      if (shift > 28) throw new Error('a protobuf message index is longer than 32 bits');
    }
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  };
  const count = next();
  if (count < 0 || count > 100) throw new Error(`bad protobuf message-index count ${count}`);
  if (count === 0) return { indexes: [0], rest: payload.subarray(at) };
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = next();
    if (index < 0) throw new Error(`bad protobuf message index ${index}`);
    indexes.push(index);
  }
  return { indexes, rest: payload.subarray(at) };
}

/** The inverse of readMessageIndexes (producers and tests). */
export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  const out: number[] = [];
  const push = (n: number) => {
    let zz = n >= 0 ? n * 2 : -n * 2 - 1;
    while (zz >= 0x80) {
      out.push((zz & 0x7f) | 0x80);
      zz = Math.floor(zz / 128);
    }
    out.push(zz);
  };
  if (indexes.length === 1 && indexes[0] === 0) push(0);
  else {
    push(indexes.length);
    for (const index of indexes) push(index);
  }
  return Buffer.from(out);
}
