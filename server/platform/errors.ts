import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ApiErrorBody } from './contract.ts';
import type { Logger } from './log.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new ApiError(400, 'bad_request', message, details);
export const unauthorized = (message = 'Sign-in required') => new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'Not allowed') => new ApiError(403, 'forbidden', message);
export const notFound = (message = 'Not found') => new ApiError(404, 'not_found', message);
export const conflict = (message: string, details?: unknown) =>
  new ApiError(409, 'conflict', message, details);
/** 503: a dependency does not answer; `code` names which (`kafka_unavailable`, `engine_unreachable`). */
export const unavailable = (message: string, code = 'unavailable') => new ApiError(503, code, message);
/** Labdeck's own PostgreSQL cannot be reached: the request may succeed once it is back. */
export const databaseUnavailable = (options?: ErrorOptions) => {
  const error = new ApiError(
    503,
    'database_unavailable',
    "Labdeck's database is unavailable; changes are paused until it is back. Try again shortly.",
  );
  if (options?.cause) error.cause = options.cause;
  return error;
};

export const apiNotFound: RequestHandler = (req) => {
  throw notFound(`No API route for ${req.method} ${req.path}`);
};

/** Known errors keep their status and message; anything else is a 500 whose detail goes to the log only. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const body = toBody(error);
    const status = error instanceof ApiError ? error.status : httpStatus(error);
    // Outages are logged once by the availability tracker, not once per refused request.
    if (status >= 500 && !isDatabaseUnavailable(error))
      (req.log ?? log).error({ err: error }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 503) res.set('Retry-After', '5');
    res.status(status).json(body);
  };
}

/** The error the pool throws while Labdeck's PostgreSQL cannot be reached. */
export const isDatabaseUnavailable = (error: unknown) =>
  error instanceof ApiError && error.code === 'database_unavailable';

function toBody(error: unknown): ApiErrorBody {
  if (error instanceof ApiError) {
    const body: ApiErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return body;
  }
  const status = httpStatus(error);
  if (status === 413) return { error: { code: 'payload_too_large', message: 'Request body too large' } };
  if (status === 400) return { error: { code: 'bad_request', message: 'Malformed request body' } };
  if (status === 415)
    return { error: { code: 'unsupported_media_type', message: 'Unsupported content encoding or type' } };
  if (status === 404) return { error: { code: 'not_found', message: 'Not found' } };
  if (status < 500) return { error: { code: 'bad_request', message: 'The request could not be served' } };
  return { error: { code: 'internal', message: 'Internal error' } };
}

/**
 * body-parser, serve-static and friends mark client errors with `status` / `statusCode`. Their
 * `expose: false` (a missing file's error names its path) is about the message, which never leaves
 * here anyway, not about the status.
 */
export function httpStatus(error: unknown): number {
  const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const status = Number(e?.status ?? e?.statusCode);
  return Number.isInteger(status) && status >= 400 && status < 500 ? status : 500;
}
