const NUMERIC = /^(tinyint|smallint|integer|int|bigint|real|double|double precision|decimal|numeric|float)/i;

export const isNumericType = (type: string) => NUMERIC.test(type) && !type.endsWith('[]');
export const isJsonLike = (type: string, value: unknown) =>
  typeof value === 'object' || /^(json|jsonb|array|map|row)/i.test(type) || type.endsWith('[]');

/** The short text a grid cell shows. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') {
    const text = JSON.stringify(value);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  }
  const text = String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The full value for the cell inspector: JSON pretty-printed when it parses. */
export function cellDetail(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  if (typeof value === 'string' && /^(json|jsonb)$/i.test(type)) {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return String(value);
}

/** Sort order for the preview: NULLs last, numbers as numbers, the rest as text. Returns row indexes. */
export function sortedOrder(
  rows: unknown[][],
  count: number,
  column: number,
  direction: 1 | -1,
  numeric: boolean,
): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const key = (v: unknown) => (numeric && v !== null && v !== undefined ? Number(v) : v);
  return order.sort((a, b) => {
    const x = key(rows[a]![column]);
    const y = key(rows[b]![column]);
    if (x === y) return a - b;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    if (typeof x === 'number' && typeof y === 'number') return (x - y) * direction;
    return String(x).localeCompare(String(y)) * direction;
  });
}
