import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Where and how to reach an HTTP API: a URL base or a unix socket, with TLS material and headers. */
export interface Endpoint {
  base: URL;
  socketPath?: string;
  headers?: Record<string, string>;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

export class HttpStatusError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Opens a GET and resolves with the response once headers arrive (status >= 400 rejects with the body's first line). */
export function openGet(endpoint: Endpoint, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  const url = new URL(path, endpoint.base);
  const options: RequestOptions = {
    method: 'GET',
    headers: { accept: 'application/json', 'user-agent': 'labdeck', ...endpoint.headers },
    signal,
    ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : {}),
    ...(endpoint.tls ?? {}),
  };
  const send = url.protocol === 'https:' && !endpoint.socketPath ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, async (res) => {
      const status = res.statusCode ?? 0;
      if (status < 400) return resolve(res);
      let text = '';
      for await (const chunk of res) if (text.length < 2048) text += chunk;
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      reject(new HttpStatusError(status, `HTTP ${status} for ${url.pathname}: ${message}`));
    });
    req.once('error', reject);
    req.end();
  });
}

export async function getJson<T>(endpoint: Endpoint, path: string, signal: AbortSignal): Promise<T> {
  const res = await openGet(endpoint, path, signal);
  let text = '';
  for await (const chunk of res) text += chunk;
  return JSON.parse(text) as T;
}

/** Yields each JSON value of a newline-delimited stream (Kubernetes watch, Docker events). */
export async function* jsonLines(res: IncomingMessage): AsyncGenerator<unknown> {
  let buffer = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) {
    buffer += chunk;
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line) yield JSON.parse(line);
      end = buffer.indexOf('\n');
    }
    if (buffer.length > 16 * 1024 * 1024) throw new Error('stream line too long');
  }
  if (buffer.trim()) yield JSON.parse(buffer);
}

export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
