// Browser checks against the lab's real JupyterLab UI: the token typed into Jupyter's login form (a `fill`
// step with the token from ${ENV}), then JupyterLab's launcher; run by a real Labdeck on PostgreSQL and read
// back through its API. Apart from browser.lab.test.ts so that it runs without Trino and Airflow.
// Needs `bash lab/jupyter/install.sh`; without it every test FAILS (never skips).
// Run: nice -n 10 npx vitest run --project lab server/modules/services/browser/jupyter.lab.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JupyterServer, startJupyter } from '../../../../lab/jupyter/server.ts';
import { proxyAuthYaml, startTestApp, type TestApp, userClient } from '../../../test/harness.ts';
import { firstCheck } from './test/first-check.ts';

let jupyter: JupyterServer;
let app: TestApp;
const _admin = () => userClient(app.url, { id: 'ada', groups: ['lab-admins'] });

/**
 * JupyterLab's first load is ~10 MB of scripts: slowMs is out of the way (these tests are about what the
 * checks find); the broken check gives up sooner.
 */
function jupyterCheck(launcherCard: string, timeoutMs = 90_000): string {
  return `
          probe:
            type: browser
            intervalMs: 600000
            timeoutMs: ${timeoutMs}
            slowMs: 90000
            steps:
              - fill: ['input[name="password"]', "\${LAB_JUPYTER_TOKEN}"]
              - click: '#login_submit'
              - waitFor: '#jp-main-dock-panel'
              - waitFor: '${launcherCard}'`;
}

function config(): string {
  return `${proxyAuthYaml()}
services:
  groups:
    - name: Lab
      services:
        - id: jupyter
          name: Jupyter
          kind: jupyter
          url: ${jupyter.url}/lab${jupyterCheck('.jp-LauncherCard[title="Python 3 (ipykernel)"]')}
        - id: jupyter-broken
          name: Jupyter (broken check)
          url: ${jupyter.url}/lab${jupyterCheck('.jp-LauncherCard[title="No such kernel"]', 45_000)}
`;
}

beforeAll(async () => {
  jupyter = await startJupyter();
  app = await startTestApp({ config: config(), env: { LAB_JUPYTER_TOKEN: jupyter.token } });
}, 200_000);

afterAll(async () => {
  await app?.close();
  await jupyter?.stop();
});

describe('browser checks against the lab JupyterLab', () => {
  it("types the token into Jupyter's login form and finds JupyterLab's launcher", async () => {
    const checks = await firstCheck(app, 'jupyter');
    expect(checks.last, JSON.stringify(checks.last)).toMatchObject({ status: 'up', failed: null });
    expect(checks.last!.steps.map((s) => `${s.kind} ${s.target}`)).toEqual([
      `goto ${jupyter.url}/lab`,
      'fill input[name="password"]',
      'click #login_submit',
      'waitFor #jp-main-dock-panel',
      'waitFor .jp-LauncherCard[title="Python 3 (ipykernel)"]',
    ]);
    expect(JSON.stringify(checks)).not.toContain(jupyter.token);
  });

  it('is down at the broken step, naming it', async () => {
    const checks = await firstCheck(app, 'jupyter-broken');
    expect(checks.last).toMatchObject({
      status: 'down',
      failed: { n: 5, kind: 'waitFor', target: '.jp-LauncherCard[title="No such kernel"]' },
    });
    expect(checks.last!.failed!.message).toMatch(/^timed out after \d+ ms$/);
    expect(JSON.stringify(checks)).not.toContain(jupyter.token);
  });
});
