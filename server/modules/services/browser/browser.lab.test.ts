// Browser checks against the lab's real web UIs: Trino 476's (no sign-in on the lab's plain HTTP) and
// Airflow 3's (its simple auth manager's login form, the admin password from ${ENV}), run by a real Labdeck
// on PostgreSQL and read back through its API. Needs `bash lab/trino/install.sh` and
// `bash lab/airflow/install.sh`; without them every test FAILS (never skips).
// Run: nice -n 10 npx vitest run --project lab server/modules/services/browser/browser.lab.test.ts
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AirflowServer, startAirflow } from '../../../../lab/airflow/server.ts';
import { queryTrino, startTrino, type TrinoServer } from '../../../../lab/trino/server.ts';
import { proxyAuthYaml, startTestApp, type TestApp, userClient } from '../../../test/harness.ts';
import { firstCheck } from './test/first-check.ts';

/** A query only this test runs, so finding it in Trino's list proves the list is the live one. */
const MARKER = `labdeck-browser-check-${Date.now()}`;

let trino: TrinoServer;
let airflow: AirflowServer;
let app: TestApp;
const admin = () => userClient(app.url, { id: 'ada', groups: ['lab-admins'] });

/**
 * The UIs answer first visits slowly (Airflow 35 s, Trino 11-20 s with a load average of 20 on two cores):
 * these tests are about what the checks find, so slowMs is out of the way.
 */
function airflowCheck(dagLink: string): string {
  return `
          probe:
            type: browser
            url: ${airflow.url}/dags
            intervalMs: 600000
            timeoutMs: 90000
            slowMs: 90000
            signIn: { provider: form, username: ${airflow.admin.username}, password: "\${LAB_AIRFLOW_PASSWORD}" }
            steps:
              - signIn: true
              - waitFor: 'role=heading[name=/^\\d+ Dags$/]'
              - waitFor: '${dagLink}'`;
}

function config(): string {
  return `${proxyAuthYaml()}
services:
  groups:
    - name: Lab
      services:
        - id: trino
          name: Trino
          url: ${trino.url}/ui/
          probe:
            type: browser
            intervalMs: 600000
            timeoutMs: 45000
            slowMs: 45000
            steps:
              - waitFor: 'text=Query Details'
              - click: 'role=button[name=/Finished$/]'
              - expectText: ${MARKER}
        - id: airflow
          name: Airflow
          url: ${airflow.url}/${airflowCheck('role=link[name="lab_succeeds"]')}
        - id: airflow-broken
          name: Airflow (broken check)
          url: ${airflow.url}/${airflowCheck('role=link[name="no_such_dag"]')}
`;
}

beforeAll(async () => {
  [trino, airflow] = await Promise.all([startTrino(), startAirflow()]);
  await queryTrino(trino.url, `SELECT '${MARKER}'`, { user: 'lab-test' });
  app = await startTestApp({ config: config(), env: { LAB_AIRFLOW_PASSWORD: airflow.admin.password } });
}, 400_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([airflow?.stop(), trino?.stop()]);
});

describe('browser checks against the lab UIs', () => {
  it("finds this test's query in Trino's query list", async () => {
    const { last } = await firstCheck(app, 'trino');
    expect(last).toMatchObject({ status: 'up', failed: null });
    expect(last!.steps.map((s) => `${s.kind} ${s.target}`)).toEqual([
      `goto ${trino.url}/ui/`,
      'waitFor text=Query Details',
      'click role=button[name=/Finished$/]',
      `expectText ${MARKER}`,
    ]);
  });

  it("signs in to Airflow 3 as the lab's admin and finds the DAG list with lab_succeeds", async () => {
    const checks = await firstCheck(app, 'airflow');
    expect(checks.last, JSON.stringify(checks.last)).toMatchObject({ status: 'up', failed: null });
    expect(checks.last!.steps.map((s) => s.kind)).toEqual(['goto', 'signIn', 'waitFor', 'waitFor']);
    expect(checks.last!.steps[1]!.target).toBe('as admin');
    expect(JSON.stringify(checks)).not.toContain(airflow.admin.password);
    expect(checks.lastGood?.image).toMatch(/^\/api\/services\/airflow\/checks\/\d+\.(png|jpg)$/);
  });

  it('is down at the broken step, with a stored screenshot and a trace without the password', async () => {
    const checks = await firstCheck(app, 'airflow-broken');
    expect(checks.last).toMatchObject({
      status: 'down',
      failed: { n: 4, kind: 'waitFor', target: 'role=link[name="no_such_dag"]' },
    });
    expect(checks.last!.failed!.message).toMatch(/^timed out after \d+ ms$/);
    const [failure] = checks.failures;
    expect(failure).toMatchObject({ ok: false, step: 4, kind: 'waitFor', traceNote: null });

    const image = await admin().get(failure!.image!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toMatch(/^image\/(png|jpeg)$/);
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(5_000);

    const trace = await admin().get(failure!.trace!);
    expect(trace.status).toBe(200);
    expect(trace.headers.get('content-type')).toBe('application/zip');
    expect(trace.headers.get('content-disposition')).toMatch(
      /^attachment; filename="airflow-broken-check-\d+-trace\.zip"$/,
    );
    const zip = new Uint8Array(await trace.arrayBuffer());
    const text = Object.values(unzipSync(zip))
      .map((data) => strFromU8(data, true))
      .join('\n');
    expect(text).toContain('no_such_dag');
    expect(text).toContain('lab_succeeds'); // the DAG list it saw is in the snapshots
    expect(text).not.toContain(airflow.admin.password);
    console.log(
      `airflow failure: screenshot ${image.headers.get('content-length')} B, trace ${zip.length} B`,
    );
  });

  it('serves neither screenshot nor trace to a signed-out caller', async () => {
    const { failures } = await firstCheck(app, 'airflow-broken');
    for (const url of [failures[0]!.image!, failures[0]!.trace!])
      expect((await fetch(new URL(url, app.url))).status).toBe(401);
  });
});
