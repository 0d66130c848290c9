// Airflow 3 (/api/v2): a JWT from POST /auth/token, renewed before it expires and after a 401 or 403
// (Airflow 3.3 answers 403 "Invalid JWT token" to an expired or foreign token).
import { z } from 'zod';
import { describeError, requestJson } from '../../../platform/http-json.ts';
import {
  type AirflowAuth,
  type AirflowConfig,
  type AirflowDialect,
  CANCEL_NOTE,
  defineAirflowSource,
  listOf,
  segment,
} from './airflow-api.ts';

/** Renew this long before the token's `exp`, so that a request never leaves with an expiring token. */
const EXPIRY_MARGIN_MS = 60_000;

const tokenAnswer = z.object({ access_token: z.string().min(1).max(16_384) });

/** The token's `exp` (its payload is not verified: only Airflow needs to trust it). */
function expiresAt(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload?.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** One cached token per source; concurrent callers share the request that fetches it. */
export function tokenAuth(config: AirflowConfig, now: () => number = Date.now): AirflowAuth {
  let token: Promise<{ value: string; expiresAt: number }> | null = null;
  const fetchToken = async (signal: AbortSignal) => {
    const url = new URL('auth/token', config.url.endsWith('/') ? config.url : `${config.url}/`);
    let answer: Awaited<ReturnType<typeof requestJson>>;
    try {
      answer = await requestJson(url, {
        method: 'POST',
        body: { username: config.username, password: config.password },
        signal,
        tlsVerify: config.tlsVerify,
      });
    } catch (error) {
      throw new Error(`Airflow POST /auth/token: ${describeError(error)}`);
    }
    const parsed = tokenAnswer.safeParse(answer.body);
    if (answer.status < 200 || answer.status > 299 || !parsed.success)
      throw new Error(
        `Airflow answered HTTP ${answer.status} to POST /auth/token (check username and password)`,
      );
    return { value: parsed.data.access_token, expiresAt: expiresAt(parsed.data.access_token) };
  };
  return {
    async header(signal) {
      const current = token ? await token.catch(() => null) : null;
      if (!current || current.expiresAt - EXPIRY_MARGIN_MS <= now()) {
        const pending = fetchToken(signal);
        token = pending;
        // A failed fetch is not cached: the next call tries again.
        pending.catch(() => {
          if (token === pending) token = null;
        });
        return `Bearer ${(await pending).value}`;
      }
      return `Bearer ${current.value}`;
    },
    renew() {
      token = null;
      return true;
    },
  };
}

export const airflow3Dialect: AirflowDialect = {
  api: 'api/v2',
  // POST /dags/~/dagRuns/list has no updated_at range in 3.3; GET /dags/~/dagRuns has one, and keyset paging.
  runPage: (page) => ({ cursor: typeof page === 'string' ? page : '' }),
  nextRunPage: (_page, _items, nextCursor) => nextCursor,
  schedule: (dag) => dag.timetable_summary,
  nextRunAt: (dag) => dag.next_dagrun_run_after,
  links: (ui) => ({
    dag: (dagId) => `${ui}/dags/${segment(dagId)}`,
    run: (dagId, runId) => `${ui}/dags/${segment(dagId)}/runs/${segment(runId)}`,
    task: (dagId, runId, taskId, mapIndex) =>
      `${ui}/dags/${segment(dagId)}/runs/${segment(runId)}/tasks/${segment(taskId)}${mapIndex === null ? '' : `/mapped/${mapIndex}`}`,
  }),
  // Airflow 3.0.x requires the key; null means "now, no data interval".
  triggerBody: (conf) => ({ logical_date: null, conf }),
  async cancel(client, runPath, signal) {
    await client.call('PATCH', runPath, signal, { state: 'failed', note: CANCEL_NOTE });
  },
  async clearFailed(client, { dagId, runId }, dryRun, signal) {
    // dry_run defaults to true: always say which.
    const path = `api/v2/dags/${segment(dagId)}/dagRuns/${segment(runId)}/clear`;
    const { body } = await client.call('POST', path, signal, { dry_run: dryRun, only_failed: true });
    if (!dryRun) return { run: body };
    const list = listOf('task_instances').safeParse(body);
    if (!list.success) throw new Error(`Airflow answered POST /${path} with an unexpected body`);
    return { tasks: list.data.items };
  },
};

export const airflow3Source = defineAirflowSource('airflow3', airflow3Dialect, (config) => tokenAuth(config));
