import avsc from 'avsc';
import type { RegisteredSchema, ResolvedReference } from './client.ts';
import type { Compiled } from './format.ts';
import { toJson } from './json-value.ts';

/** Longs decode to numbers when exact, to decimal strings beyond 2^53 (avsc's default throws). */
const longType = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => {
    const n = buf.readBigInt64LE();
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(n)
      : n.toString();
  },
  toBuffer: (n: number | string) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: number | string) => n,
  toJSON: (n: number | string) => n,
  isValid: (n: unknown) => typeof n === 'number' || (typeof n === 'string' && /^-?\d+$/.test(n)),
  compare: (a: number | string, b: number | string) => {
    const d = BigInt(a) - BigInt(b);
    return d === 0n ? 0 : d < 0n ? -1 : 1;
  },
});

/** `decimal` (bytes or fixed): the exact value as a string, e.g. "12.50". */
class DecimalType extends avsc.types.LogicalType {
  readonly #scale: number;
  constructor(schema: avsc.Schema, opts?: unknown) {
    super(schema, opts);
    this.#scale = Number((schema as { scale?: number }).scale ?? 0);
  }
  protected override _fromValue(buf: Buffer): string {
    if (!buf.length) return '0';
    let n = BigInt(`0x${buf.toString('hex')}`);
    if (buf[0]! & 0x80) n -= 1n << BigInt(buf.length * 8);
    const digits = (n < 0n ? -n : n).toString().padStart(this.#scale + 1, '0');
    const whole = digits.slice(0, digits.length - this.#scale);
    const fraction = this.#scale ? `.${digits.slice(digits.length - this.#scale)}` : '';
    return `${n < 0n ? '-' : ''}${whole}${fraction}`;
  }
  protected override _toValue(): Buffer {
    throw new Error('Labdeck only reads decimals');
  }
  protected override _resolve(type: avsc.Type) {
    return type instanceof DecimalType ? (value: unknown) => value : undefined;
  }
}

/**
 * Compiles a registered Avro schema (named types from its references first, depth first) into a function
 * decoding one payload to plain JSON. Unions are unwrapped when unambiguous (`wrapUnions: 'auto'`).
 */
export function compileAvro(registered: RegisteredSchema): Compiled {
  const registry: Record<string, avsc.Type> = { long: longType };
  const options = { registry, wrapUnions: 'auto' as const, logicalTypes: { decimal: DecimalType } };
  const seen = new Set<string>();
  const load = (refs: ResolvedReference[]) => {
    for (const ref of refs) {
      const key = `${ref.subject}:${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      load(ref.references);
      avsc.Type.forSchema(JSON.parse(ref.schema), options);
    }
  };
  load(registered.references);
  const type = avsc.Type.forSchema(JSON.parse(registered.schema), options);
  const name = type.name ?? type.typeName;
  return (payload) => ({ type: name, data: toJson(type.fromBuffer(payload)) });
}
