/** Test helpers shared by the SQL module's suites (not shipped code paths). */
export interface Line {
  t: string;
  [key: string]: unknown;
}

/** Reads an NDJSON run to the end keeping counts, not rows; `onLine` may stop early by returning false. */
export async function readRun(res: Response, onLine?: (line: Line) => unknown): Promise<Line[]> {
  const lines: Line[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      const line = JSON.parse(buffer.slice(0, at)) as Line;
      buffer = buffer.slice(at + 1);
      if (line.t !== 'rows') lines.push(line);
      else
        lines.push({ t: 'rows', count: (line.rows as unknown[]).length, first: (line.rows as unknown[])[0] });
      if (onLine?.(line) === false) {
        await reader.cancel();
        return lines;
      }
      at = buffer.indexOf('\n');
    }
  }
  return lines;
}

export const rowCount = (lines: Line[]) =>
  lines.filter((l) => l.t === 'rows').reduce((n, l) => n + (l.count as number), 0);

export const endOf = (lines: Line[]) =>
  lines.find((l) => l.t === 'end') as Line & {
    state: string;
    rows: number;
    truncated: boolean;
    error?: { message: string; line?: number; column?: number; code?: string };
  };

export const firstRow = (lines: Line[]) => lines.find((l) => l.t === 'rows')?.first as unknown[] | undefined;

/** JSON bodies in tests are checked by assertions, not by types. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted, not typed
export type Json = any;
