// Outgoing requests to the systems Labdeck watches (probes, job sources) over kept-alive connections: a
// thousand probes every 30 s to a few hosts otherwise open and close a TCP (and TLS) connection each.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An idle socket is closed after this long: below common server keep-alive timeouts (Node's is 5 s). */
export const FREE_SOCKET_MS = 3_000;
const MAX_FREE_SOCKETS_PER_HOST = 16;

const agentOptions = { keepAlive: true, timeout: FREE_SOCKET_MS, maxFreeSockets: MAX_FREE_SOCKETS_PER_HOST };

/** One pool per protocol and TLS setting: a socket opened without verifying is never reused by a verifying request. */
export const pooledAgents = {
  http: new HttpAgent(agentOptions),
  https: new HttpsAgent({ ...agentOptions, rejectUnauthorized: true }),
  httpsUnverified: new HttpsAgent({ ...agentOptions, rejectUnauthorized: false }),
};

export interface OutgoingRequest extends Omit<RequestOptions, 'agent' | 'rejectUnauthorized'> {
  signal: AbortSignal;
  tlsVerify?: boolean;
  /**
   * Whether sending the request twice is harmless (default: GET, HEAD, OPTIONS, PUT, DELETE). Only such
   * requests use kept-alive connections, since one the server closed meanwhile is retried; others get a
   * connection of their own.
   */
  idempotent?: boolean;
  body?: string;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Sends the request and resolves with the response (its body unread). A kept-alive connection the server
 * closed just as it was reused fails with ECONNRESET/EPIPE before any answer: that is retried once on a fresh
 * connection, so an idle timeout on the server never shows as the service being down.
 */
export function sendRequest(url: URL, options: OutgoingRequest): Promise<IncomingMessage> {
  const { tlsVerify = true, idempotent, body, ...rest } = options;
  const method = (rest.method ?? 'GET').toUpperCase();
  const pooled = idempotent ?? IDEMPOTENT.has(method);
  const https = url.protocol === 'https:';
  const agent = !pooled
    ? false
    : https
      ? tlsVerify
        ? pooledAgents.https
        : pooledAgents.httpsUnverified
      : pooledAgents.http;
  const attempt = (agent: HttpAgent | false, retry: boolean): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const send = https ? httpsRequest : httpRequest;
      let answered = false;
      const req = send(url, { ...rest, agent, rejectUnauthorized: tlsVerify }, (res) => {
        answered = true;
        resolve(res);
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && STALE_SOCKET_CODES.has(error.code ?? '');
        if (retry && stale && !answered && !options.signal.aborted) resolve(attempt(false, false));
        else reject(error);
      });
      req.end(body);
    });
  return attempt(agent, agent !== false);
}
