/** At most this many parameters per statement (the protocol's limit is 65,535). */
const MAX_PARAMS = 60_000;

/** One column of rows: its values and their PostgreSQL type (without `[]`). */
export type Column = readonly [values: readonly unknown[], type: string];

/**
 * `unnest(...)` over parallel columns, for multi-row statements: `INSERT ... SELECT * FROM ${sql}`.
 * Columns are one array parameter each, except `json`/`jsonb` ones, which go as one parameter per
 * row (`ARRAY[$n, ...]`): in an array literal node-postgres escapes, and PostgreSQL unescapes, every
 * quote of every JSON text, which made inserting 6 kB OpenLineage events 3x slower. Past the
 * protocol's parameter limit they fall back to the literal.
 */
export function unnest(columns: readonly Column[]): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const perRow = columns.reduce((n, [list, type]) => n + (isJson(type) ? list.length : 0), columns.length);
  const refs = columns.map(([list, type]) => {
    if (!isJson(type) || perRow > MAX_PARAMS) {
      values.push(list);
      return `$${values.length}::${type}[]`;
    }
    const items = list.map((value) => {
      values.push(value);
      return `$${values.length}`;
    });
    return `ARRAY[${items.join(',')}]::${type}[]`;
  });
  return { sql: `unnest(${refs.join(', ')})`, values };
}

const isJson = (type: string) => type === 'json' || type === 'jsonb';
