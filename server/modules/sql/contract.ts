// The SQL Lab API as both tiers see it: request schemas (validated by the BFF) and answer types (the SPA
// imports them with `import type` from '@contracts/sql'). Types and zod schemas only: nothing here
// may import server code.
import { z } from 'zod';

/** What an engine supports; the SPA shows what it offers by these, never by the engine's name. */
export interface EngineCapabilities {
  /** Per-tab session state (USE, SET SESSION, PREPARE) kept between runs. */
  sessions: boolean;
  /** A running query can be stopped on the engine. */
  cancel: boolean;
  /** Progress (splits, rows, percentage) while a query runs. */
  progress: boolean;
  /** Query plans (EXPLAIN). */
  explain: boolean;
  /** A metadata tree with catalogs above schemas (PostgreSQL has one database per connection). */
  catalogs: boolean;
}

/** What the browser may know about a connection: never URLs, users or secrets. */
export interface ConnectionInfo {
  id: string;
  name: string;
  /** The engine's registered name (`trino`, `postgres`, ...). */
  engine: string;
  /** The SQL dialect as the formatter and the editor know it (`trino`, `postgresql`). */
  dialect: string;
  capabilities: EngineCapabilities;
  readOnly: boolean;
  catalog?: string;
  schema?: string;
}

export const column = z.object({ name: z.string(), type: z.string() });
export type Column = z.output<typeof column>;

/** Engine progress, Trino's `stats` in a stable shape (PostgreSQL reports rows only). */
export const progress = z.object({
  state: z.string(),
  completedSplits: z.number().optional(),
  totalSplits: z.number().optional(),
  processedRows: z.number().optional(),
  processedBytes: z.number().optional(),
  cpuTimeMillis: z.number().optional(),
  elapsedTimeMillis: z.number().optional(),
  progressPercentage: z.number().optional(),
});
export type Progress = z.output<typeof progress>;

/** An error as the editor needs it: message plus the 1-based line/column the engine reported. */
export const sqlError = z.object({
  message: z.string(),
  code: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type SqlError = z.output<typeof sqlError>;

const runState = z.enum(['finished', 'cancelled', 'failed']);
export type RunState = z.output<typeof runState>;
const planFormat = z.enum(['text', 'pg-json']);
export type PlanFormat = z.output<typeof planFormat>;

/** One line of POST /api/sql/run's NDJSON answer. */
export const runMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('start'),
    runId: z.string(),
    historyId: z.number(),
    maxRows: z.number(),
    explain: planFormat.optional(),
  }),
  z.object({ t: z.literal('query'), queryId: z.string() }),
  z.object({ t: z.literal('columns'), columns: z.array(column) }),
  z.object({ t: z.literal('rows'), rows: z.array(z.array(z.unknown())) }),
  z.object({ t: z.literal('progress'), progress }),
  z.object({
    t: z.literal('end'),
    state: runState,
    rows: z.number(),
    truncated: z.boolean(),
    updateCount: z.number().optional(),
    elapsedMs: z.number(),
    error: sqlError.optional(),
    queryId: z.string().optional(),
  }),
]);
export type RunMessage = z.output<typeof runMessage>;

/** POST /api/sql/runs/:runId/cancel. */
export const cancelAnswer = z.object({ cancelled: z.literal(true) });

export interface MetaNode {
  name: string;
  kind: 'catalog' | 'schema' | 'table' | 'view' | 'column';
  type?: string;
}

export interface Tab {
  id: string;
  position: number;
  title: string;
  connectionId: string | null;
  sql: string;
  updatedAt: string;
}

export interface HistoryEntry {
  id: number;
  connectionId: string;
  tabId: string | null;
  sql: string;
  startedAt: string;
  durationMs: number | null;
  rows: number | null;
  state: string;
  error: string | null;
  queryId: string | null;
}

export interface SavedQuery {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  connectionId: string;
  sql: string;
  createdAt: string;
  updatedAt: string;
}

export const tabId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a tab id of letters, digits, - and _');
const sqlText = z.string().min(1, 'SQL is empty').max(1_000_000, 'SQL text is larger than 1 MB');
const connectionId = z.string().min(1).max(64);

export const runBody = z.strictObject({
  connectionId,
  sql: sqlText,
  tabId,
  mode: z.enum(['run', 'explain']).default('run'),
  maxRows: z.number().int().min(1).optional(),
});
export type RunBody = z.output<typeof runBody>;
export type RunRequest = z.input<typeof runBody>;

export const tabBody = z.strictObject({
  title: z.string().min(1).max(200),
  connectionId: connectionId.nullable(),
  sql: z.string().max(1_000_000),
  position: z.number().int().min(0).max(10_000),
});
export type TabBody = z.output<typeof tabBody>;

export const savedBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  connectionId,
  sql: sqlText,
});
export type SavedBody = z.output<typeof savedBody>;

export const exportBody = z.strictObject({
  connectionId,
  sql: sqlText,
  tabId: tabId.optional(),
  format: z.enum(['csv', 'jsonl']),
});
export type ExportBody = z.output<typeof exportBody>;

export const metadataQuery = z
  .strictObject({
    catalog: z.string().min(1).max(512).optional(),
    schema: z.string().min(1).max(512).optional(),
    table: z.string().min(1).max(512).optional(),
    /** Drop this user's cached metadata of the connection first (after DDL). */
    refresh: z.enum(['1']).optional(),
  })
  .refine((q) => !(q.schema && !q.catalog) && !(q.table && !q.schema), {
    message: 'give catalog, then schema, then table',
  });

export const historyQuery = z.strictObject({
  q: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
export const savedListQuery = z.strictObject({ q: z.string().max(500).optional() });
export const savedId = z.strictObject({ id: z.uuid('expected a saved query id') });
export const exportId = z.strictObject({ id: z.uuid('expected an export id') });
export const tabParams = z.strictObject({ tabId });
export const connectionParams = z.strictObject({ id: connectionId });
export const runParams = z.strictObject({ runId: z.string().min(1).max(64) });
