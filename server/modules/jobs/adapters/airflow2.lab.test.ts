// The Airflow 2 job source against a real Airflow 2.11 (`airflow standalone`, lab/airflow/server.ts).
// Needs `bash lab/airflow/install.sh`; without it every test FAILS (never skips).
import { describe } from 'vitest';
import { startAirflow2 } from '../../../../lab/airflow/server.ts';
import { airflowLab, airflowSourceCases } from './airflow-lab-cases.ts';
import { airflow2Source } from './airflow2.ts';

describe('Airflow 2 job source against the lab Airflow 2.11', () => {
  const lab = airflowLab({
    start: () => startAirflow2(),
    adapter: airflow2Source,
    api: '/api/v1',
    authorization: async ({ admin }) =>
      `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
  });
  airflowSourceCases(lab);
});
