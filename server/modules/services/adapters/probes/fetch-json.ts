import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonAnswer {
  status: number;
  body: unknown;
}

/** GET a small JSON document over node:http(s) (TLS verification switchable, body capped at 1 MiB). */
export function getJson(
  url: URL,
  options: { signal: AbortSignal; headers?: Record<string, string>; tlsVerify?: boolean },
): Promise<JsonAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        headers: { accept: 'application/json', 'user-agent': 'labdeck-probe', ...options.headers },
        signal: options.signal,
        rejectUnauthorized: options.tlsVerify ?? true,
        agent: false,
      },
      async (res) => {
        let text = '';
        try {
          for await (const chunk of res) {
            text += chunk;
            if (text.length > 1024 * 1024) throw new Error('response too large');
          }
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, body });
        } catch (error) {
          reject(error);
        }
      },
    );
    req.once('error', reject);
    req.end();
  });
}
