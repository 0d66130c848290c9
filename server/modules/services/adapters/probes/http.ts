import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { sendRequest } from '../../../../platform/http-agents.ts';
import {
  defineProbe,
  describeError,
  httpTarget,
  type ProbeOutcome,
  probeTiming,
  requestHeaders,
} from './types.ts';

const MAX_BODY = 256 * 1024;

const schema = z.strictObject({
  type: z.literal('http'),
  ...httpTarget,
  method: z.enum(['GET', 'HEAD', 'POST', 'OPTIONS']).default('GET'),
  /** Accepted status range, inclusive, e.g. [200, 399]. */
  expectStatus: z
    .tuple([z.number().int().min(100).max(599), z.number().int().min(100).max(599)])
    .refine(([low, high]) => low <= high, 'expected [low, high] with low <= high')
    .default([200, 399]),
  /** Text the body must contain; when missing the service counts as degraded. */
  keyword: z.string().min(1).max(200).optional(),
  headers: requestHeaders,
  ...probeTiming,
});

export type HttpProbeConfig = z.output<typeof schema>;

/** An HTTP(S) request; status outside the expected range is down, a missing keyword is degraded. */
export const httpProbe = defineProbe({
  type: 'http',
  schema,
  run(config, { signal, serviceUrl }) {
    const url = new URL(config.url ?? serviceUrl);
    return sendRequest(url, {
      method: config.method,
      headers: { 'user-agent': 'labdeck-probe', accept: '*/*', ...config.headers },
      tlsVerify: config.tlsVerify,
      signal,
    }).then(
      (res) => readOutcome(res, config),
      (error): ProbeOutcome => ({ status: 'down', error: describeError(error) }),
    );
  },
});

async function readOutcome(res: IncomingMessage, config: HttpProbeConfig): Promise<ProbeOutcome> {
  const status = res.statusCode ?? 0;
  const [low, high] = config.expectStatus;
  if (status < low || status > high) {
    res.resume();
    return { status: 'down', error: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}` };
  }
  if (!config.keyword) {
    res.resume();
    return { status: 'up' };
  }
  let body = '';
  try {
    for await (const chunk of res) {
      body += chunk;
      if (body.includes(config.keyword)) {
        res.destroy();
        return { status: 'up' };
      }
      if (body.length > MAX_BODY) break;
    }
  } catch (error) {
    return { status: 'down', error: describeError(error) };
  }
  res.destroy();
  return { status: 'degraded', error: `keyword "${config.keyword}" not found in the response` };
}
