// Home's Airflow tile as `npm run lab` configures it (lab/stack/labdeck-config.ts): its browser check signs
// in to a real Airflow 3 (lab/airflow) as the lab's admin, the password from the environment the lab sets, and
// finds the DAG list. A second Labdeck runs a copy of that config whose DAG-list selector is broken: its
// tile turns down within one check interval and the drawer shows the failed step, the failure screenshot
// and the trace to download.
// Run: bash lab/airflow/install.sh && npx vite build --logLevel warn &&
//      nice -n 10 env LABDECK_E2E_TIER=lab npx playwright test e2e/airflow-browser-check.lab.spec.ts
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { type AirflowServer, startAirflow } from '../lab/airflow/server.ts';
import { labdeckConfigText, labdeckEnv } from '../lab/stack/labdeck-config.ts';
import type { LabState } from '../lab/stack/state.ts';
import { freePort } from '../server/platform/net.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

const DAG_LIST = 'role=link[name="lab_succeeds"]';
const BROKEN = 'role=link[name="no_such_dag"]';
/** The lab's browser check interval (5 minutes): the broken check must be down within it. */
const INTERVAL_MS = 300_000;

test.describe.configure({ mode: 'serial', timeout: 420_000 });

let airflow: AirflowServer;
let state: LabState;
let labdeck: LabdeckProcess;
let broken: LabdeckProcess | undefined;

/** The lab's state with only Airflow running: what `npm run lab` would record for it. */
function airflowOnly(server: AirflowServer): LabState {
  return {
    secrets: {},
    components: {
      airflow: {
        pids: [],
        logFiles: [],
        port: server.port,
        url: server.url,
        startedAt: new Date().toISOString(),
        info: { admin: server.admin },
      },
    },
  };
}

async function startLabLabdeck(config: (text: string) => string = (text) => text): Promise<LabdeckProcess> {
  const port = await freePort();
  return startLabdeckProcess({
    port,
    env: labdeckEnv(state),
    config: config(labdeckConfigText(state, port)),
  });
}

async function openAirflowDrawer(page: Page, url: string) {
  await page.goto(url);
  await page.getByRole('button', { name: 'Details of Airflow' }).click();
  return page.getByRole('dialog', { name: 'Airflow' });
}

test.beforeAll(async () => {
  test.setTimeout(420_000);
  // Never a silent skip: startAirflow throws naming lab/airflow/install.sh when Airflow is not installed.
  airflow = await startAirflow();
  state = airflowOnly(airflow);
  labdeck = await startLabLabdeck();
});

test.afterAll(async () => {
  await broken?.stop();
  await labdeck?.stop();
  await airflow?.stop();
});

test("Home's Airflow tile: the browser check signs in and finds the DAG list", async ({ page }) => {
  const config = labdeckConfigText(state, 8080);
  expect(config).toContain(DAG_LIST);
  expect(config).toContain('${LAB_AIRFLOW_PASSWORD}');
  await page.goto(labdeck.url);
  const tile = page.getByTestId('service-airflow');
  // Degraded (over slowMs) still signed in and found the list: a cold Airflow UI on loaded cores is slow.
  await expect(tile).toHaveAttribute('data-status', /^(up|degraded)$/, { timeout: 180_000 });

  const drawer = await openAirflowDrawer(page, labdeck.url);
  const check = drawer.getByRole('region', { name: 'Browser check of Airflow' });
  await expect(check).toContainText(/^Browser check\s*(Up|Degraded) /);
  await expect(check.getByText(/^Step \d+ failed/)).toHaveCount(0);
  const steps = check.getByRole('list', { name: 'Steps of the last check' }).getByRole('listitem');
  await expect(steps).toHaveText([
    new RegExp(`^goto ${airflow.url}/dags`),
    /^signIn as admin/,
    /^waitFor role=heading\[name=\/\^\\d\+ Dags\$\/\]/,
    new RegExp(`^waitFor ${DAG_LIST.replace(/[[\]]/g, '\\$&')}`),
  ]);
  expect(await page.content()).not.toContain(airflow.admin.password);
});

test("breaking the check's selector turns the tile down within one interval; the drawer shows the failure", async ({
  page,
}) => {
  const startedAt = Date.now();
  broken = await startLabLabdeck((text) => {
    expect(text).toContain(DAG_LIST);
    return text.replace(DAG_LIST, BROKEN);
  });
  await page.goto(broken.url);
  const tile = page.getByTestId('service-airflow');
  await expect(tile).toHaveAttribute('data-status', 'down', { timeout: INTERVAL_MS });
  const downAfterMs = Date.now() - startedAt;
  expect(downAfterMs).toBeLessThan(INTERVAL_MS);
  console.log(`broken Airflow check: tile down ${Math.round(downAfterMs / 1000)} s after Labdeck started`);

  const drawer = await openAirflowDrawer(page, broken.url);
  await expect(drawer.getByText(`Step 4 failed (waitFor ${BROKEN}): timed out after`)).toBeVisible();
  const shot = drawer.getByRole('img', { name: 'Airflow when step 4 (waitFor) failed' }).first();
  await expect(shot).toBeVisible();
  expect(await shot.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);

  const download = page.waitForEvent('download');
  await drawer
    .getByRole('link', { name: /^Download trace/ })
    .first()
    .click();
  const trace = await (await download).createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of trace) chunks.push(chunk as Buffer);
  const entries = unzipSync(new Uint8Array(Buffer.concat(chunks)));
  expect(Object.keys(entries)).toContain('trace.trace');
  const text = Object.values(entries)
    .map((data) => strFromU8(data, true))
    .join('\n');
  expect(text).toContain('no_such_dag');
  expect(text).not.toContain(airflow.admin.password);
  await expect(drawer.getByText('npx playwright show-trace')).toBeVisible();

  const results = await new AxeBuilder({ page }).include('dialog').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
});
