// Rows of `pg` as the code names things: snake_case columns become camelCase keys.

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;

/** `Row` with each snake_case key in camelCase (`browser_hash` -> `browserHash`), same value types. */
export type CamelRow<Row> = { [K in keyof Row as K extends string ? Camel<K> : K]: Row[K] };

/** The row with camelCase keys, values as they are: for rows whose columns map one to one to fields. */
export function camelRow<Row extends object>(row: Row): CamelRow<Row> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  return out as CamelRow<Row>;
}
