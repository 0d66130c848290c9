// The Airflow 3 job source against a real Airflow 3.3 (`airflow standalone`, lab/airflow/server.ts).
// Needs `bash lab/airflow/install.sh`; without it every test FAILS (never skips).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airflowToken, startAirflow } from '../../../../lab/airflow/server.ts';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import {
  fastProbedServices,
  getJson,
  reportFigure,
  startSteadyService,
  tileStatus,
  waitFor,
} from '../../../test/outage.ts';
import type { JobBoard } from '../contract.ts';
import { airflowLab, airflowSourceCases } from './airflow-lab-cases.ts';
import { airflow3Source } from './airflow3.ts';

describe('Airflow 3 job source against the lab Airflow 3.3', () => {
  const lab = airflowLab({
    start: () => startAirflow(),
    adapter: airflow3Source,
    api: '/api/v2',
    authorization: async ({ url, admin }) => `Bearer ${await airflowToken(url, admin)}`,
  });
  airflowSourceCases(lab);

  it('renews its token when Airflow stops accepting it, without the caller noticing', async () => {
    const { airflow, source } = lab();
    expect((await source.listJobs(AbortSignal.timeout(30_000))).length).toBeGreaterThanOrEqual(3);
    // A new signing secret invalidates every token issued before (Airflow then answers 403 "Invalid JWT token").
    await airflow.stop();
    writeFileSync(join(airflow.home, '.labdeck-jwt-secret'), randomBytes(24).toString('hex'));
    await airflow.start();
    const jobs = await source.listJobs(AbortSignal.timeout(60_000));
    expect(jobs.map((job) => job.jobId)).toContain('lab_slow');
  });

  // Last: it kills the Airflow the cases above share and starts it again.
  describe('killed and restarted under a running Labdeck', () => {
    let app: TestApp;
    let steady: Awaited<ReturnType<typeof startSteadyService>>;

    beforeAll(async () => {
      const { airflow } = lab();
      steady = await startSteadyService();
      const source = {
        id: 'airflow',
        kind: 'airflow3',
        url: airflow.url,
        username: airflow.admin.username,
        password: airflow.admin.password,
        service: 'airflow',
        intervalMs: 1_000,
        timeoutMs: 3_000,
      };
      const config = `jobs:\n  sources:\n    - ${JSON.stringify(source)}\n${fastProbedServices([
        { id: 'airflow', url: airflow.url, probe: { type: 'airflow' } },
        { id: 'steady', url: steady.url },
      ])}`;
      app = await startTestApp({ config });
    });
    afterAll(async () => {
      await app?.close();
      await steady?.close();
    });

    const sources = async () =>
      Object.fromEntries(
        (await getJson<JobBoard>(app, '/api/jobs/board')).sources.map((source) => [source.id, source]),
      );

    it('degrades only the Airflow source and tile while OpenLineage runs keep answering, then recovers on its own', async () => {
      const { airflow } = lab();
      await waitFor(
        'both sources ok',
        sources,
        (s) => s.airflow?.status === 'ok' && s.openlineage?.status === 'ok',
      );
      await waitFor(
        'the Airflow tile up',
        () => tileStatus(app, 'airflow'),
        (s) => s === 'up',
      );

      await airflow.kill();
      const killed = Date.now();
      const degraded = await waitFor(
        'Airflow source degraded',
        sources,
        (s) => s.airflow?.status === 'degraded',
        {
          timeoutMs: 20_000,
        },
      );
      reportFigure('Airflow killed -> job source degraded', degraded.ms);
      expect(degraded.value.airflow?.error).toBeTruthy();
      expect(degraded.value.openlineage?.status).toBe('ok');
      await waitFor(
        'the Airflow tile down',
        () => tileStatus(app, 'airflow'),
        (s) => s === 'down',
        {
          timeoutMs: 20_000,
        },
      );
      reportFigure('Airflow killed -> Home tile down', Date.now() - killed);
      expect(await tileStatus(app, 'steady')).toBe('up');
      expect((await app.fetch('/api/jobs?source=openlineage')).status).toBe(200);
      expect((await app.fetch('/api/lineage/recent')).status).toBe(200);

      const restart = Date.now();
      await airflow.start();
      reportFigure('Airflow restart until healthy', Date.now() - restart);
      const ready = Date.now();
      await waitFor('Airflow source ok again', sources, (s) => s.airflow?.status === 'ok', {
        timeoutMs: 30_000,
      });
      reportFigure('Airflow ready -> job source ok', Date.now() - ready);
      await waitFor(
        'the Airflow tile up again',
        () => tileStatus(app, 'airflow'),
        (s) => s === 'up',
        {
          timeoutMs: 30_000,
        },
      );
      reportFigure('Airflow ready -> Home tile up', Date.now() - ready);
    });
  });
});
