import { markRaw, shallowReactive } from 'vue';
import { toFailure } from '@/shared/api/client';
import {
  type Column,
  cancelRun,
  type Progress,
  type RunMessage,
  type RunRequest,
  type SqlError,
  streamRun,
} from './api';

export type RunStatus = 'idle' | 'running' | 'finished' | 'cancelled' | 'failed';

/** The result of the last run of one tab. Rows are plain arrays, not reactive: `rowCount` drives the view. */
export interface RunState {
  status: RunStatus;
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  maxRows: number;
  progress: Progress | null;
  error: SqlError | null;
  startedAt: number;
  elapsedMs: number;
  runId: string | null;
  queryId: string | null;
  explain: 'text' | 'pg-json' | null;
  updateCount: number | null;
  /** Where the statement started in the editor text, to place error markers. */
  statementOffset: number;
  controller: AbortController | null;
  /** Increases with every run, so views can react to a new run even when it ends in the same tick. */
  sequence: number;
}

export function createRunState(): RunState {
  return shallowReactive({
    status: 'idle',
    columns: [],
    rows: markRaw([]),
    rowCount: 0,
    truncated: false,
    maxRows: 0,
    progress: null,
    error: null,
    startedAt: 0,
    elapsedMs: 0,
    runId: null,
    queryId: null,
    explain: null,
    updateCount: null,
    statementOffset: 0,
    controller: null,
    sequence: 0,
  });
}

/** Runs one statement into `state`, streaming rows as they come. Resolves when the run ends. */
export async function execute(
  state: RunState,
  request: RunRequest,
  statementOffset: number,
): Promise<RunStatus> {
  state.controller?.abort();
  const controller = new AbortController();
  Object.assign(state, {
    status: 'running',
    columns: [],
    rows: markRaw([]),
    rowCount: 0,
    truncated: false,
    progress: null,
    error: null,
    startedAt: performance.now(),
    elapsedMs: 0,
    runId: null,
    queryId: null,
    // Known from the request; the start line says which plan format the engine gives.
    explain: request.mode === 'explain' ? 'text' : null,
    updateCount: null,
    statementOffset,
    controller,
    sequence: state.sequence + 1,
  } satisfies Partial<RunState>);
  let firstRows = true;
  performance.clearMarks('sql:first-batch');
  performance.clearMarks('sql:first-rows-painted');
  const onMessage = (m: RunMessage) => {
    if (state.controller !== controller) return;
    switch (m.t) {
      case 'start':
        state.runId = m.runId;
        state.maxRows = m.maxRows;
        state.explain = m.explain ?? state.explain;
        break;
      case 'query':
        state.queryId = m.queryId;
        break;
      case 'columns':
        state.columns = m.columns;
        break;
      case 'rows': {
        const rows = state.rows;
        for (const row of m.rows) rows.push(row);
        state.rowCount = rows.length;
        if (firstRows) {
          firstRows = false;
          performance.mark('sql:first-batch');
        }
        break;
      }
      case 'progress':
        state.progress = m.progress;
        break;
      case 'end':
        state.status = m.state;
        state.truncated = m.truncated;
        state.elapsedMs = m.elapsedMs;
        state.error = m.error ?? null;
        state.updateCount = m.updateCount ?? null;
        state.queryId = m.queryId ?? state.queryId;
        break;
    }
  };
  try {
    await streamRun(request, onMessage, controller.signal);
    if (state.controller === controller && state.status === 'running') {
      state.status = 'failed';
      state.error = { message: 'The connection to Labdeck ended before the query did' };
    }
  } catch (error) {
    if (state.controller !== controller) return state.status;
    if (controller.signal.aborted) state.status = 'cancelled';
    else {
      state.status = 'failed';
      state.error = { message: toFailure(error).message };
    }
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      if (!state.elapsedMs) state.elapsedMs = Math.round(performance.now() - state.startedAt);
    }
  }
  return state.status;
}

/** Cancels on the server (the engine stops); if this replica does not know the run, closing the stream does. */
export async function cancel(state: RunState): Promise<void> {
  const controller = state.controller;
  if (!controller) return;
  if (!state.runId) {
    controller.abort();
    return;
  }
  try {
    await cancelRun(state.runId);
  } catch {
    controller.abort();
  }
  // Do not wait forever for the end line.
  setTimeout(() => {
    if (state.controller === controller) controller.abort();
  }, 5_000);
}
