/** A statement of the editor text with its character range [start, end). */
export interface Statement {
  text: string;
  start: number;
  end: number;
}

/**
 * Splits SQL into statements at top-level semicolons, ignoring those inside quotes, quoted identifiers,
 * dollar-quoted bodies and comments. Empty statements are dropped; ranges point into the original text.
 */
export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const raw = sql.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text && !/^(--[^\n]*\n?\s*|\/\*[\s\S]*?\*\/\s*)*$/.test(text)) {
      out.push({ text, start: start + lead, end: start + lead + text.length });
    }
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(sql, i, ch);
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? sql.length : close + tag.length;
      } else i++;
    } else if (ch === ';') {
      push(i);
      start = i + 1;
      i++;
    } else i++;
  }
  push(sql.length);
  return out;
}

function skipQuoted(sql: string, at: number, quote: string): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote)
        i += 2; // doubled quote
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** The statement under the cursor (or the nearest one before it, when the cursor sits after a `;`). */
export function statementAt(sql: string, offset: number): Statement | undefined {
  const all = splitStatements(sql);
  return (
    all.find((s) => offset >= s.start && offset <= s.end) ??
    [...all].reverse().find((s) => s.start <= offset) ??
    all[0]
  );
}

const PARAM = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of `{{name}}` parameters, in order of first use. */
export function paramNames(sql: string): string[] {
  return [...new Set([...sql.matchAll(PARAM)].map((m) => m[1]!))];
}

/** Replaces `{{name}}` with the given text (values are inserted as typed: quote strings yourself). */
export function applyParams(sql: string, values: Record<string, string>): string {
  return sql.replace(PARAM, (whole, name: string) => values[name] ?? whole);
}

/** 1-based line/column of an offset, and back: for error markers of a statement inside the editor text. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
