import { compileAvro } from './avro.ts';
import type { RegisteredSchema, SchemaType } from './client.ts';
import { compileJsonSchema } from './json-schema.ts';
import { compileProtobuf } from './protobuf.ts';

/** Decodes one payload (after the 5-byte header): plain JSON data and the record/message type name. */
export type Compiled = (payload: Buffer) => { type: string | null; data: unknown };

export type Format = 'avro' | 'json' | 'protobuf';

/** One compiler per schema type; adding a format is one file and one line here. */
export const formats: Record<
  SchemaType,
  { format: Format; compile: (schema: RegisteredSchema) => Compiled }
> = {
  AVRO: { format: 'avro', compile: compileAvro },
  JSON: { format: 'json', compile: compileJsonSchema },
  PROTOBUF: { format: 'protobuf', compile: compileProtobuf },
};
