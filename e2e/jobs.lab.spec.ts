// The Jobs page against real pipelines: Airflow 3 (lab/airflow, its OpenLineage provider sending to the
// Labdeck under test), Dagster (lab/dagster) and dbt-ol run by an Airflow task on a lab PostgreSQL
// (lab/dbt), with the production Labdeck behind forward-auth headers (an operator and an analyst).
// Run: npm run lab:install && npx vite build --logLevel warn &&
//      nice -n 10 env LABDECK_E2E_TIER=lab npx playwright test e2e/jobs.lab.spec.ts
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, expect, type Page, test } from '@playwright/test';
import {
  type AirflowServer,
  airflowToken,
  airflowApi as callAirflow,
  startAirflow,
} from '../lab/airflow/server.ts';
import { type DagsterServer, startDagster } from '../lab/dagster/server.ts';
import { type LabPostgres, startLabPostgres } from '../lab/dbt/postgres.ts';
import { applySeed, assertDbtOlInstalled } from '../lab/dbt/run.ts';
import { freePort } from '../server/platform/net.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

const INTERVAL_MS = 2_000;
const LINEAGE_KEY = 'jobs-e2e-airflow-key-0123456789';
/** What Labdeck's cancel writes on the Airflow run (server/modules/jobs/adapters/airflow-api.ts). */
const CANCEL_NOTE = 'Cancelled from Labdeck';
/** A run of the lab DAGs on 2 shared cores: scheduling, a fresh task process, the Execution API. */
const RUN_TIMEOUT_MS = 240_000;

const USERS = {
  operator: { 'X-Forwarded-User': 'olga', 'X-Forwarded-Groups': 'lab-operators' },
  analyst: { 'X-Forwarded-User': 'ana', 'X-Forwarded-Groups': 'lab-analysts' },
};

function config(airflow: AirflowServer, dagster: DagsterServer): string {
  const roles = '{ trigger: [operator], rerun: [operator], cancel: [operator] }';
  return `auth:
  mode: proxy
  roles:
    admin: [lab-admins]
    operator: [lab-operators]
    analyst: [lab-analysts]
lineage:
  ingest:
    keys:
      - { producer: airflow, key: ${LINEAGE_KEY} }
jobs:
  sources:
    - id: airflow
      kind: airflow3
      name: Airflow
      url: ${airflow.url}
      intervalMs: ${INTERVAL_MS}
      timeoutMs: 30000
      roles: ${roles}
      username: ${airflow.admin.username}
      password: \${E2E_AIRFLOW_PASSWORD}
    - id: dagster
      kind: dagster
      name: Dagster
      url: ${dagster.url}
      intervalMs: ${INTERVAL_MS}
      timeoutMs: 30000
      roles: ${roles}
    - { id: openlineage, kind: openlineage, name: OpenLineage runs, intervalMs: ${INTERVAL_MS}, excludeNamespaces: [airflow] }
`;
}

test.describe.configure({ mode: 'serial', timeout: 300_000 });

let pg: LabPostgres;
let airflow: AirflowServer;
let dagster: DagsterServer;
let labdeck: LabdeckProcess;
/** The lab_fails run of the first test, re-run in the third. */
let failedRunId: string;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  // Never a silent skip: each start throws naming its install script when it is missing.
  assertDbtOlInstalled();
  pg = await startLabPostgres();
  await applySeed(pg);
  // Airflow sends its OpenLineage events to the Labdeck started after it, on a port chosen now.
  const port = await freePort();
  [airflow, dagster] = await Promise.all([
    startAirflow({
      openLineageUrl: `http://127.0.0.1:${port}`,
      openLineageApiKey: LINEAGE_KEY,
      startTimeoutMs: 400_000,
    }),
    startDagster({ startTimeoutMs: 400_000 }),
  ]);
  labdeck = await startLabdeckProcess({
    port,
    config: config(airflow, dagster),
    env: { E2E_AIRFLOW_PASSWORD: airflow.admin.password },
  });
  await waitForDags(['lab_fails', 'lab_slow', 'lab_dbt']);
});

const contexts: BrowserContext[] = [];
test.afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  await labdeck?.stop();
  await Promise.all([airflow?.stop(), dagster?.stop(), pg?.stop()]);
});

// ---- Airflow's and Dagster's own APIs, as a script outside Labdeck would use them ------------------

interface DagRun {
  dag_run_id: string;
  state: string;
  end_date: string | null;
  note: string | null;
}
interface TaskInstance {
  task_id: string;
  state: string | null;
  try_number: number;
}

async function airflowApi<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return callAirflow<T>(airflow.url, await airflowToken(airflow.url, airflow.admin), path, init);
}

const triggerDag = (dag: string, conf: Record<string, unknown> = {}) =>
  airflowApi<DagRun>(`/dags/${dag}/dagRuns`, { method: 'POST', body: { logical_date: null, conf } });
const dagRun = (dag: string, runId: string) =>
  airflowApi<DagRun>(`/dags/${dag}/dagRuns/${encodeURIComponent(runId)}`);
const taskInstances = async (runId: string) =>
  (
    await airflowApi<{ task_instances: TaskInstance[] }>(
      `/dags/lab_fails/dagRuns/${encodeURIComponent(runId)}/taskInstances`,
    )
  ).task_instances.map(({ task_id, state, try_number }) => ({ task_id, state, try_number }));
/** Airflow task states "re-run failed" clears, and the word Labdeck shows for each. */
const RERUN_STATES = new Map([
  ['failed', 'Failed'],
  ['upstream_failed', 'Upstream failed'],
]);

async function waitForDags(dagIds: string[]): Promise<void> {
  await expect(async () => {
    const { dags } = await airflowApi<{ dags: { dag_id: string }[] }>('/dags?limit=100');
    expect(dags.map((d) => d.dag_id)).toEqual(expect.arrayContaining(dagIds));
  }).toPass({ timeout: 180_000, intervals: [2_000] });
}

async function waitForRunState(dag: string, runId: string, states: string[]): Promise<DagRun> {
  let run: DagRun | undefined;
  await expect(async () => {
    run = await dagRun(dag, runId);
    expect(states).toContain(run.state);
  }).toPass({ timeout: RUN_TIMEOUT_MS, intervals: [1_000] });
  return run!;
}

async function launchDagsterJob(job: string): Promise<string> {
  const query = `mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }`;
  const selector = {
    repositoryLocationName: dagster.location,
    repositoryName: dagster.repository,
    jobName: job,
  };
  const res = await fetch(`${dagster.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables: { params: { selector, runConfigData: {} } } }),
  });
  const body = (await res.json()) as {
    data?: { launchRun: { __typename: string; run?: { runId: string } } };
  };
  const runId = body.data?.launchRun.run?.runId;
  if (!runId) throw new Error(`Dagster launchRun: ${JSON.stringify(body)}`);
  return runId;
}

// ---- the browser ---------------------------------------------------------------------------------

/** A page of a user the forward-auth proxy vouches for (Labdeck trusts these headers from loopback). */
async function pageAs(browser: Browser, user: keyof typeof USERS): Promise<Page> {
  const context = await browser.newContext({ baseURL: labdeck.url, extraHTTPHeaders: USERS[user] });
  contexts.push(context);
  return context.newPage();
}

const runPath = (source: string, job: string, runId: string) =>
  `/jobs/${encodeURIComponent(source)}/${encodeURIComponent(job)}/runs/${encodeURIComponent(runId)}`;
const failingEntry = (page: Page, job: string, sourceName: string) =>
  page
    .getByTestId('board-failing')
    .getByRole('listitem')
    .filter({ hasText: job })
    .filter({ hasText: sourceName });

test('a failing DAG shows on the status board within one poll of its failure', async ({ browser }) => {
  const page = await pageAs(browser, 'operator');
  const problems = watchForFailures(page);
  await page.goto('/jobs');
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(page.getByTestId('board-failing')).toBeVisible();
  await expect(failingEntry(page, 'lab_fails', 'Airflow')).toHaveCount(0);

  const triggered = await triggerDag('lab_fails');
  failedRunId = triggered.dag_run_id;
  // The page stays open: the entry arrives through the live channel. Checked every 100 ms, so the
  // moment it shows is known to that precision.
  let shownAt = 0;
  await expect(async () => {
    await expect(failingEntry(page, 'lab_fails', 'Airflow')).toBeVisible({ timeout: 100 });
    shownAt = Date.now();
  }).toPass({ timeout: RUN_TIMEOUT_MS, intervals: [100] });
  const run = await dagRun('lab_fails', failedRunId);
  expect(run.state).toBe('failed');
  const delay = shownAt - Date.parse(run.end_date!);
  console.log(
    `lab_fails on the board ${delay} ms after Airflow ended its run (poll interval ${INTERVAL_MS} ms)`,
  );
  // One poll interval, plus the poll's own requests, the live event and the board's refetch.
  expect(delay).toBeLessThan(INTERVAL_MS + 3_000);
  expect(problems).toEqual([]);
});

test('an operator triggers the slow DAG, sees it run live and cancels it', async ({ browser }) => {
  const page = await pageAs(browser, 'operator');
  const problems = watchForFailures(page);
  await page.goto('/jobs/airflow/lab_slow');
  await page.getByRole('button', { name: 'Trigger…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Trigger lab_slow' });
  await dialog.getByLabel('Run configuration (a JSON object)').fill('{"seconds": 900}');
  await dialog.getByRole('button', { name: 'Trigger', exact: true }).click();
  await expect(page).toHaveURL(/\/jobs\/airflow\/lab_slow\/runs\//);
  const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
  expect((await dagRun('lab_slow', runId)).state).not.toBe('failed');

  // Queued, then running, without a reload; the elapsed time ticks.
  const state = page.locator('.facts [data-state]');
  await expect(state).toHaveAttribute('data-state', 'running', { timeout: RUN_TIMEOUT_MS });
  const elapsed = await page.getByTestId('run-duration').textContent();
  await expect(page.getByTestId('run-duration')).not.toHaveText(elapsed ?? '', { timeout: 5_000 });
  await expect(page.getByTestId('task-table').locator('tr[data-task="wait"] [data-state]')).toHaveAttribute(
    'data-state',
    'running',
    { timeout: 30_000 },
  );

  await page.getByRole('button', { name: 'Cancel…' }).click();
  await page
    .getByRole('dialog', { name: 'Cancel this run?' })
    .getByRole('button', { name: 'Cancel run' })
    .click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(state).toHaveAttribute('data-state', 'cancelled', { timeout: 15_000 });
  await expect(state).toHaveText(/Cancelled/);
  await expect(page.getByRole('button', { name: 'Cancel…' })).toHaveCount(0);

  // Airflow itself: the run is failed and carries Labdeck's note.
  const run = await dagRun('lab_slow', runId);
  expect(run).toMatchObject({ state: 'failed', note: CANCEL_NOTE });
  expect(problems).toEqual([]);
});

test('"Re-run failed" lists the failed tasks, then clears them in Airflow', async ({ browser }) => {
  const page = await pageAs(browser, 'operator');
  const problems = watchForFailures(page);
  // What Airflow says failed. lab_fails breaks in break_on_purpose; on a loaded machine `prepare` may
  // die first (its Execution API calls time out), and break_on_purpose is then upstream_failed.
  const before = (await taskInstances(failedRunId)).filter((ti) => RERUN_STATES.has(ti.state ?? ''));
  expect(before.map((ti) => ti.task_id)).toContain('break_on_purpose');

  await page.goto(runPath('airflow', 'lab_fails', failedRunId));
  await expect(page.locator('.facts [data-state]')).toHaveAttribute('data-state', 'failed');
  await page.getByRole('button', { name: 'Re-run failed…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Re-run failed tasks' });
  const listed = dialog.getByTestId('rerun-preview').getByRole('listitem');
  await expect(listed).toHaveCount(before.length, { timeout: 30_000 });
  for (const ti of before) {
    await expect(listed.filter({ hasText: ti.task_id })).toContainText(RERUN_STATES.get(ti.state!)!);
  }
  // The dry run changed nothing in Airflow.
  expect(await taskInstances(failedRunId)).toEqual(expect.arrayContaining(before));

  await dialog.getByRole('button', { name: `Re-run ${before.length} tasks` }).click();
  await expect(dialog.getByTestId('rerun-done')).toContainText(`Re-run started for ${before.length} tasks`);
  // Cleared: each task has no state, is scheduled or queued again, or already runs a new try.
  const after = new Map((await taskInstances(failedRunId)).map((ti) => [ti.task_id, ti]));
  for (const ti of before) {
    const now = after.get(ti.task_id);
    expect(now?.state !== ti.state || now.try_number > ti.try_number, JSON.stringify(now)).toBe(true);
  }
  expect(problems).toEqual([]);
});

test('an analyst has no action buttons, and the API refuses a trigger with 403', async ({ browser }) => {
  const page = await pageAs(browser, 'analyst');
  const problems = watchForFailures(page);
  await page.goto('/jobs/airflow/lab_slow');
  await expect(page.getByRole('heading', { level: 1, name: 'lab_slow' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Trigger…' })).toHaveCount(0);
  await page.goto(runPath('airflow', 'lab_fails', failedRunId));
  await expect(page.locator('.facts [data-state]')).toBeVisible();
  await expect(page.getByRole('button', { name: /Re-run failed|Cancel/ })).toHaveCount(0);
  expect(problems).toEqual([]);

  // The page gave this browser its CSRF cookie; sent back as the SPA does, only the role can refuse.
  const csrf = (await page.context().cookies()).find((c) => c.name === 'labdeck_csrf')?.value;
  expect(csrf).toBeTruthy();
  const refused = await page.request.post('/api/jobs/airflow/lab_slow/trigger', {
    headers: { 'x-csrf-token': csrf!, origin: labdeck.url },
    data: { conf: {} },
  });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error).toMatchObject({ code: 'forbidden', message: /operator/ });
});

test('an Airflow run of dbt shows the dbt run and its models nested under the task', async ({ browser }) => {
  const page = await pageAs(browser, 'operator');
  const problems = watchForFailures(page);
  const triggered = await triggerDag('lab_dbt', {
    pg_host: pg.host,
    pg_port: pg.port,
    pg_user: pg.user,
    pg_password: pg.password,
    pg_db: pg.database,
    dbt_namespace: 'labdeck-lab',
  });
  // Opened once Labdeck's poll has stored the run: before that the page says there is no such run
  // (and, as of this spec, does not recover when the run arrives on the live channel).
  await expect(async () => {
    const runs = await page.request.get('/api/jobs/airflow/lab_dbt/runs');
    const { runs: listed } = (await runs.json()) as { runs: { runId: string }[] };
    expect(listed.map((r) => r.runId)).toContain(triggered.dag_run_id);
  }).toPass({ timeout: 30_000, intervals: [500] });
  await page.goto(runPath('airflow', 'lab_dbt', triggered.dag_run_id));
  await expect(page.getByRole('heading', { level: 1, name: /^Run / })).toBeVisible();
  const run = await waitForRunState('lab_dbt', triggered.dag_run_id, ['success', 'failed']);
  expect(run.state).toBe('success');
  const state = page.locator('.facts [data-state]');
  await expect(state).toHaveAttribute('data-state', 'success', { timeout: 30_000 });

  // dbt-ol reports after dbt finishes; the page shows the tree once the run's detail is read again.
  const task = page.getByTestId('task-table').locator('tr[data-task="run_dbt"]');
  const dbtRun = task.locator('li').filter({ hasText: 'dbt-run-labdeck_lab' }).first();
  await expect(async () => {
    await page.reload();
    await expect(dbtRun).toBeVisible({ timeout: 5_000 });
    await expect(dbtRun.locator(':scope > ul > li')).toHaveCount(4, { timeout: 1_000 });
  }).toPass({ timeout: 60_000, intervals: [2_000] });
  await expect(dbtRun.locator(':scope > [data-state]')).toHaveAttribute('data-state', 'success');
  const models = dbtRun.locator(':scope > ul > li');
  for (const model of ['stg_customers', 'stg_orders', 'client_orders', 'daily_revenue']) {
    const entry = models.filter({ hasText: `labdeck_lab.${model}` });
    await expect(entry).toHaveCount(1);
    await expect(entry.locator('[data-state]').first()).toHaveAttribute('data-state', 'success');
  }
  expect(problems).toEqual([]);
});

test('a Dagster failure shows next to the Airflow one on the same board', async ({ browser }) => {
  const page = await pageAs(browser, 'operator');
  const problems = watchForFailures(page);
  await page.goto('/jobs');
  await expect(failingEntry(page, 'lab_fails', 'Airflow')).toBeVisible({ timeout: 30_000 });
  await launchDagsterJob('lab_fails');
  await expect(failingEntry(page, 'lab_fails', 'Dagster')).toBeVisible({ timeout: RUN_TIMEOUT_MS });
  await expect(failingEntry(page, 'lab_fails', 'Dagster')).toContainText('lab_fails fails on purpose');
  await expect(failingEntry(page, 'lab_fails', 'Airflow')).toBeVisible();
  expect(problems).toEqual([]);
});

for (const theme of ['light', 'dark'] as const) {
  test(`the Jobs page with real runs passes axe in the ${theme} theme`, async ({ browser }) => {
    const page = await pageAs(browser, 'operator');
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/jobs');
    await expect(failingEntry(page, 'lab_fails', 'Dagster')).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  });
}
