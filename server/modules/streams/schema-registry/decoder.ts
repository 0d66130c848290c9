import type { SchemaDecoded } from '../contract.ts';
import type { SchemaRegistryClient } from './client.ts';
import { type Compiled, type Format, formats } from './format.ts';
import { unframe } from './wire.ts';

/** What a peek shows beside the raw bytes of a schema-encoded key or value. */
export type Decoded = SchemaDecoded;

export interface DecodeContext {
  topic: string;
  part: 'key' | 'value';
  /** Original length when the peek cut these bytes: cut payloads are not decoded. */
  cutFrom?: number;
}

interface Entry {
  format: Format;
  subjects: string[];
  decode: Compiled;
}

/** Decodes Confluent-framed bytes through the registry; any failure becomes a per-message reason. */
export class SchemaDecoder {
  readonly #client: SchemaRegistryClient;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #compiled = new Map<number, Promise<Entry>>();

  constructor(client: SchemaRegistryClient, options: { maxBytes: number; maxEntries?: number }) {
    this.#client = client;
    this.#maxBytes = options.maxBytes;
    this.#maxEntries = options.maxEntries ?? 500;
  }

  /** Null when the bytes are not framed (no magic byte): they are shown raw, without a reason. */
  async decode(bytes: Buffer | null, context: DecodeContext): Promise<Decoded | null> {
    if (!bytes) return null;
    const framed = unframe(bytes);
    if (!framed) return null;
    const { schemaId, payload } = framed;
    if (context.cutFrom !== undefined)
      return {
        schemaId,
        error: `not decoded: the ${context.part} was cut from ${context.cutFrom} to ${bytes.length} bytes (streams.peek.maxValueBytes)`,
      };
    let entry: Entry;
    try {
      entry = await this.#entry(schemaId);
    } catch (error) {
      return { schemaId, error: clip((error as Error).message) };
    }
    let decoded: { type: string | null; data: unknown };
    try {
      decoded = entry.decode(payload);
    } catch (error) {
      return {
        schemaId,
        error: clip(`not ${label[entry.format]} of schema ${schemaId}: ${(error as Error).message}`),
      };
    }
    const base = {
      format: entry.format,
      schemaId,
      subject: pickSubject(entry.subjects, context),
      type: decoded.type,
    };
    const json = JSON.stringify(decoded.data) ?? 'null';
    const size = Buffer.byteLength(json);
    if (size <= this.#maxBytes) return { ...base, data: decoded.data };
    const preview = JSON.stringify(decoded.data, null, 2).slice(0, this.#maxBytes);
    return { ...base, data: null, preview, truncatedFrom: size };
  }

  #entry(id: number): Promise<Entry> {
    const hit = this.#compiled.get(id);
    if (hit) return hit;
    const pending = this.#client.schema(id).then(
      (schema) => {
        const { format, compile } = formats[schema.type];
        try {
          return { format, subjects: schema.subjects.map((s) => s.subject), decode: compile(schema) };
        } catch (error) {
          throw new Error(`schema ${id} (${label[format]}) does not compile: ${(error as Error).message}`);
        }
      },
      (error: unknown) => {
        // Fetch failures are the client's to remember; only compiled results (good or bad) stay here.
        this.#compiled.delete(id);
        throw error;
      },
    );
    this.#compiled.set(id, pending);
    if (this.#compiled.size > this.#maxEntries) this.#compiled.delete(this.#compiled.keys().next().value!);
    return pending;
  }
}

const label: Record<Format, string> = { avro: 'Avro', json: 'JSON', protobuf: 'Protobuf' };

function pickSubject(subjects: string[], { topic, part }: DecodeContext): string | null {
  return (
    subjects.find((s) => s === `${topic}-${part}`) ??
    subjects.find((s) => s.endsWith(`-${part}`)) ??
    subjects[0] ??
    null
  );
}

const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 299)}…` : text);
