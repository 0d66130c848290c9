// Adapter registries (probe types, job source kinds): one adapter file per kind, one list line each; the
// config schema is the discriminated union of the adapters' schemas, and a lookup finds an adapter by kind.
import { z } from 'zod';

// biome-ignore lint/suspicious/noExplicitAny: any object schema with a literal discriminator
type AdapterSchema = z.ZodObject<any, any>;

type SchemasOf<T extends readonly { schema: AdapterSchema }[]> = { -readonly [K in keyof T]: T[K]['schema'] };

/** The union of the adapters' schemas on `key`; each keeps its own output type. */
export function adapterUnion<
  const T extends readonly [{ schema: AdapterSchema }, ...{ schema: AdapterSchema }[]],
>(key: string, adapters: T) {
  // The same schemas in the same order; the mapped type keeps each one's own type.
  return z.discriminatedUnion(key, adapters.map((adapter) => adapter.schema) as SchemasOf<T>);
}

/** Finds an adapter by its kind; an unknown kind throws `unknown <what> <kind>`. */
export function adapterLookup<A>(what: string, entries: [string, A][]): (kind: string) => A {
  const byKind = new Map(entries);
  return (kind) => {
    const adapter = byKind.get(kind);
    if (!adapter) throw new Error(`unknown ${what} ${kind}`);
    return adapter;
  };
}
