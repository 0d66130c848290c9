// The Airflow 3 job source against a real Airflow 3.3 (`airflow standalone`, lab/airflow/server.ts).
// Needs `bash lab/airflow/install.sh`; without it every test FAILS (never skips).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { airflowToken, startAirflow } from '../../../../lab/airflow/server.ts';
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
});
