import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRunState, execute } from './run';

/** A fetch that answers the given NDJSON text split into arbitrary chunks (lines cut in the middle). */
function fakeFetch(text: string, chunkSize: number, status = 200) {
  return vi.fn(async (_url: string, init: RequestInit) => {
    const bytes = new TextEncoder().encode(text);
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (init.signal?.aborted) return controller.error(new DOMException('aborted', 'AbortError'));
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, at + chunkSize));
        at += chunkSize;
      },
    });
    return new Response(
      status === 200 ? body : JSON.stringify({ error: { code: 'forbidden', message: 'Not allowed' } }),
      {
        status,
      },
    );
  });
}

const lines = [
  { t: 'start', runId: 'r1', historyId: 1, maxRows: 10 },
  { t: 'query', queryId: 'q1' },
  { t: 'columns', columns: [{ name: 'n', type: 'integer' }] },
  { t: 'rows', rows: [[1], [2]] },
  { t: 'progress', progress: { state: 'RUNNING', completedSplits: 1, totalSplits: 2 } },
  { t: 'rows', rows: [[3]] },
  { t: 'end', state: 'finished', rows: 3, truncated: false, elapsedMs: 12 },
];
const ndjson = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
const request = { connectionId: 'c', sql: 'select', tabId: 't', mode: 'run' as const };

afterEach(() => vi.unstubAllGlobals());

describe('execute', () => {
  it.each([1, 7, 1000])('reads NDJSON split into %i-byte chunks', async (size) => {
    const fetch = fakeFetch(ndjson, size);
    vi.stubGlobal('fetch', fetch);
    // biome-ignore lint/suspicious/noDocumentCookie: the BFF sets this cookie; the test plays its part
    document.cookie = 'labdeck_csrf=tok%3D1';
    const state = createRunState();
    expect(await execute(state, request, 5)).toBe('finished');
    expect(state).toMatchObject({
      runId: 'r1',
      queryId: 'q1',
      rowCount: 3,
      statementOffset: 5,
      elapsedMs: 12,
    });
    expect(state.rows).toEqual([[1], [2], [3]]);
    expect(state.progress).toMatchObject({ completedSplits: 1 });
    expect((fetch.mock.calls[0]![1].headers as Record<string, string>)['X-CSRF-Token']).toBe('tok=1');
  });

  it('reports an HTTP error in the run state', async () => {
    vi.stubGlobal('fetch', fakeFetch('', 10, 403));
    const state = createRunState();
    expect(await execute(state, request, 0)).toBe('failed');
    expect(state.error?.message).toBe('Not allowed');
  });

  it('marks a stream that ends without an end line as failed', async () => {
    vi.stubGlobal(
      'fetch',
      fakeFetch(
        lines
          .slice(0, 4)
          .map((l) => `${JSON.stringify(l)}\n`)
          .join(''),
        50,
      ),
    );
    const state = createRunState();
    expect(await execute(state, request, 0)).toBe('failed');
    expect(state.error?.message).toMatch(/ended before the query/);
  });
});
