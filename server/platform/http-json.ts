// Small JSON requests to the systems Labdeck watches (probes, job sources): node:http(s) so that TLS
// verification can be switched off per source, the body capped, the request time-boxed by the caller's signal.
import type { IncomingHttpHeaders } from 'node:http';
import { sendRequest } from './http-agents.ts';

export interface JsonAnswer {
  status: number;
  /** The parsed body; null when it was empty or not JSON. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface JsonRequest {
  signal: AbortSignal;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  tlsVerify?: boolean;
  /** Default 1 MiB; a longer answer rejects with "response too large". */
  maxBytes?: number;
  userAgent?: string;
  /** A POST that only reads (a GraphQL query) may be sent twice; see sendRequest. */
  idempotent?: boolean;
}

/** Sends one request and reads a JSON answer of any status (the caller judges the status). */
export async function requestJson(url: URL, options: JsonRequest): Promise<JsonAnswer> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const res = await sendRequest(url, {
    method: options.method ?? 'GET',
    headers: {
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'labdeck',
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    signal: options.signal,
    tlsVerify: options.tlsVerify ?? true,
    idempotent: options.idempotent,
    body: payload,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw new Error(`response too large (over ${maxBytes} bytes)`);
      chunks.push(chunk);
    }
  } catch (error) {
    res.destroy();
    throw error;
  }
  return {
    status: res.statusCode ?? 0,
    body: parseJson(Buffer.concat(chunks).toString('utf8')),
    headers: res.headers,
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Error text safe to show: first line, bounded, with URL credentials removed. */
export function describeError(error: unknown): string {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'timed out';
  const message = String(e?.message || e?.cause?.message || e?.code || error).split('\n')[0]!;
  const code = e?.code && !message.includes(e.code) ? `${e.code}: ` : '';
  return (code + message).replace(/\/\/[^/@\s]*@/g, '//***@').slice(0, 300);
}
