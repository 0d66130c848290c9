// The platform's part of the API as both tiers see it (the SPA imports it with `import type` from
// '@contracts/platform'): the one error shape, the live channel's message, the audit log. Types and zod
// schemas only: nothing here may import server code.
import { z } from 'zod';

/** The one JSON error shape of the API: `{ error: { code, message, details? } }`. */
export const apiErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** For `bad_request` from validate(): `{ problems: InputProblem[] }`. */
    details: z.unknown().optional(),
  }),
});
export type ApiErrorBody = z.output<typeof apiErrorBody>;
/** The error of the one JSON error shape. */
export type ApiErrorInfo = ApiErrorBody['error'];

/** One problem of a refused request: where (`body`, `query`, `params`), the JSON path, and what is wrong. */
export interface InputProblem {
  in: 'params' | 'query' | 'body';
  path: string;
  message: string;
}

/**
 * One message of the live channel (GET /api/events, SSE event `message`); each module's contract types
 * its own topics and payloads (`ServicesLiveEvent`, `LineageLiveEvent`...).
 */
export interface LiveMessage<T = unknown, Topic extends string = string> {
  topic: Topic;
  type: string;
  data: T;
}

/**
 * Topic `database`, type `availability`: Labdeck's PostgreSQL went away (`available: false`; API calls
 * that need it answer 503 `database_unavailable`) or came back. Sent on both transitions, and to every
 * stream opened since the last one.
 */
export type DatabaseLiveEvent = LiveMessage<{ available: boolean }, 'database'>;

export interface AuditEntry {
  id: number;
  at: string;
  userId: string | null;
  userName: string | null;
  action: string;
  details: Record<string, unknown>;
  ip: string | null;
}

/** A page of the audit log, newest first (GET /api/admin/audit). */
export interface AuditPage {
  items: AuditEntry[];
  total: number;
  page: number;
  pageSize: number;
}
