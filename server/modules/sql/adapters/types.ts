import type { User } from '../../../platform/identity.ts';
import type { Column, MetaNode, Progress, RunState, SqlError } from '../contract.ts';

export type { Column, MetaNode, Progress, RunState, SqlError };

/** Per editor tab engine state (Trino's USE / SET SESSION / PREPARE...), echoed on the tab's next query. */
export interface TabSession {
  catalog?: string;
  schema?: string;
  path?: string;
  properties?: Record<string, string>;
  roles?: Record<string, string>;
  prepared?: Record<string, string>;
  transactionId?: string;
}

/** Where a run delivers its results; `rows` resolves when the consumer can take more (backpressure). */
export interface RunSink {
  started(queryId: string): void;
  columns(columns: Column[]): void;
  rows(batch: unknown[][]): Promise<void> | void;
  progress(progress: Progress): void;
}

export interface RunRequest {
  sql: string;
  user: User;
  session: TabSession;
  signal: AbortSignal;
  /** Stop cleanly (cancel the rest) once this many rows were delivered. */
  maxRows: number;
  /** Run inside a transaction that is rolled back (EXPLAIN ANALYZE of a write). */
  rollback?: boolean;
}

export interface RunOutcome {
  state: RunState;
  rows: number;
  /** The preview cap stopped the query. */
  truncated: boolean;
  queryId?: string;
  /** Affected rows of a statement without a result set. */
  updateCount?: number;
  error?: SqlError;
  /** The tab's session after the statement (when the engine changed it). */
  session?: TabSession;
}

/** One SQL engine behind a connection: runs statements streaming, and browses metadata. */
export interface SqlEngine {
  run(request: RunRequest, sink: RunSink): Promise<RunOutcome>;
  /** Children of a path: [] -> catalogs, [c] -> schemas, [c, s] -> tables, [c, s, t] -> columns. */
  metadata(path: string[], user: User): Promise<MetaNode[]>;
  functions(user: User): Promise<string[]>;
  /** Wraps a statement so that it returns its plan. */
  explain(sql: string): { sql: string; format: 'text' | 'pg-json' };
  close(): Promise<void>;
}

/** Turns a 1-based character offset into a 1-based line and column. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < Math.min(offset - 1, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

/** Trino and the pg cursor take one statement: drop trailing semicolons and whitespace. */
export const trimStatement = (sql: string) => sql.replace(/[\s;]+$/u, '');

export class CancelledError extends Error {
  constructor() {
    super('Query cancelled');
    this.name = 'CancelledError';
  }
}

/** The engine's server does not answer at all (refused, reset): the connection, not the query, failed. */
export class EngineUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineUnreachableError';
  }
}
