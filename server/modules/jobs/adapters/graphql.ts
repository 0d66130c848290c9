// A GraphQL client for job sources: one POST per query, the answer capped in size and time-boxed by the
// caller's signal, and every failure turned into a message fit to show (never the request's headers).
import type { z } from 'zod';

export interface GraphqlEndpoint {
  /** The full endpoint, e.g. http://dagster:3000/graphql. */
  url: string;
  /** Sent with every request (an auth header in front of the source); never part of an error. */
  headers: Record<string, string>;
  /** Name of the source kind in messages ("Dagster"). */
  name: string;
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** Posts `query` and returns `data` parsed by `shape`; throws a readable error otherwise. */
export async function graphql<T extends z.ZodType>(
  endpoint: GraphqlEndpoint,
  query: string,
  variables: Record<string, unknown>,
  shape: T,
  signal: AbortSignal,
): Promise<z.output<T>> {
  const text = await post(endpoint, JSON.stringify({ query, variables }), signal);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${endpoint.name} answered something that is not JSON: ${excerpt(text)}`);
  }
  const errors = graphqlErrors(body);
  if (errors) throw new Error(`${endpoint.name} GraphQL error: ${errors}`);
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  const parsed = shape.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'data';
    throw new Error(`${endpoint.name} answered an unexpected shape at ${where}: ${issue?.message ?? '?'}`);
  }
  return parsed.data;
}

async function post(endpoint: GraphqlEndpoint, body: string, signal: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...endpoint.headers, 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal,
      redirect: 'error',
    });
  } catch (error) {
    throw new Error(`${endpoint.name} unreachable at ${safeUrl(endpoint.url)}: ${reason(error, signal)}`);
  }
  const text = await readCapped(res, endpoint.maxBytes ?? DEFAULT_MAX_BYTES, endpoint.name, signal);
  // A GraphQL server answers 400 for a query it rejects, with the reason in `errors`: let the caller read it.
  if (!res.ok && res.status !== 400)
    throw new Error(`${endpoint.name} answered HTTP ${res.status}: ${excerpt(text)}`);
  return text;
}

async function readCapped(res: Response, maxBytes: number, name: string, signal: AbortSignal) {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        await reader.cancel();
        throw new Error(`${name} answered more than ${maxBytes} bytes`);
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`${name} did not answer in time: ${reason(error, signal)}`);
    throw error;
  }
  return text + decoder.decode();
}

/** `errors: [{message}]` of a GraphQL answer, joined, or null when there are none. */
function graphqlErrors(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  return errors
    .slice(0, 3)
    .map((e) => (typeof e?.message === 'string' ? e.message : JSON.stringify(e)))
    .map((message) => excerpt(message))
    .join('; ');
}

function reason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out or cancelled';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The URL without credentials or query string, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** At most `max` characters of one-line text. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
