import type { Column } from './adapters/types.ts';

/** One CSV field (RFC 4180): NULL is empty, nested values are JSON, quoted only when needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text.startsWith(' ') || text.endsWith(' ')
    ? `"${text.replaceAll('"', '""')}"`
    : text;
}

export function csvLines(rows: unknown[][]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) out += (i ? ',' : '') + csvField(row[i]);
    out += '\r\n';
  }
  return out;
}

export const csvHeader = (columns: Column[]) => `${columns.map((c) => csvField(c.name)).join(',')}\r\n`;

/** JSON Lines: one object per row, keyed by column name (later duplicates get a numeric suffix). */
export function jsonlLines(columns: Column[], rows: unknown[][]): string {
  const keys = uniqueKeys(columns);
  let out = '';
  for (const row of rows) {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) obj[keys[i]!] = row[i] ?? null;
    out += `${JSON.stringify(obj)}\n`;
  }
  return out;
}

function uniqueKeys(columns: Column[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = seen.get(c.name) ?? 0;
    seen.set(c.name, n + 1);
    return n ? `${c.name}_${n + 1}` : c.name;
  });
}
