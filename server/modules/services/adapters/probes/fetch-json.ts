import { type JsonAnswer, requestJson } from '../../../../platform/http-json.ts';

export type { JsonAnswer };

/** GET a small JSON document over node:http(s) (TLS verification switchable, body capped at 1 MiB). */
export function getJson(
  url: URL,
  options: { signal: AbortSignal; headers?: Record<string, string>; tlsVerify?: boolean },
): Promise<JsonAnswer> {
  return requestJson(url, { ...options, userAgent: 'labdeck-probe' });
}
