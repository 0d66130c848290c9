/** Makes decoded data plain JSON: bytes as base64, big integers as strings, NaN/Infinity as strings. */
export function toJson(value: unknown, depth = 0): unknown {
  if (depth > 200) throw new Error('the decoded value nests deeper than 200 levels');
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((item) => toJson(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toJson(item, depth + 1);
  return out;
}
