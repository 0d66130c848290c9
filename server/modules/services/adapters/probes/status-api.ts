// The probe of a product with an HTTP status API (Spark, Flink, Kafka Connect...): GET or POST JSON under
// the probe's url (default the service url), judge the answers, read figures from them. One per kind.
import { z } from 'zod';
import { type JsonAnswer, requestJson } from '../../../../platform/http-json.ts';
import { under } from '../presets/types.ts';
import {
  defineProbe,
  describeError,
  httpTarget,
  type ProbeOutcome,
  probeTiming,
  requestHeaders,
} from './types.ts';

export interface StatusApi {
  /** The answer to GET <url>/<path>, whatever its status. */
  get(path: string): Promise<JsonAnswer>;
  /** The JSON body of GET <url>/<path>; any status but 2xx throws `HTTP <status> from /<path>`. */
  ok(path: string): Promise<unknown>;
  /** The JSON body of POST <url>/<path> with a JSON body that only reads (a query); any status but 2xx throws. */
  post(path: string, body: unknown): Promise<unknown>;
}

const statusApiFields = {
  ...httpTarget,
  headers: requestHeaders,
  ...probeTiming,
};

export function defineStatusProbe<T extends string>(
  type: T,
  check: (api: StatusApi) => Promise<ProbeOutcome>,
) {
  return defineProbe({
    type,
    schema: z.strictObject({ type: z.literal(type), ...statusApiFields }),
    async run(config, { signal, serviceUrl }) {
      const base = config.url ?? serviceUrl;
      const options = {
        signal,
        tlsVerify: config.tlsVerify,
        headers: config.headers,
        userAgent: 'labdeck-probe',
      };
      const expectOk = (path: string, answer: JsonAnswer) => {
        if (answer.status < 200 || answer.status > 299)
          throw new Error(`HTTP ${answer.status} from /${path}`);
        return answer.body;
      };
      const get = (path: string) => requestJson(new URL(under(base, path)), options);
      const api: StatusApi = {
        get,
        ok: async (path) => expectOk(path, await get(path)),
        post: async (path, body) =>
          expectOk(
            path,
            await requestJson(new URL(under(base, path)), {
              ...options,
              method: 'POST',
              body,
              idempotent: true,
            }),
          ),
      };
      try {
        return await check(api);
      } catch (error) {
        return { status: 'down', error: describeError(error) };
      }
    },
  });
}

/** The answer was not the product's: down, saying which endpoint. */
export const notThe = (product: string, path: string): ProbeOutcome => ({
  status: 'down',
  error: `/${path} did not answer like ${product}`,
});

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
