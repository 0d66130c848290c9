import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { airflowApi, airflowToken, type Credentials } from '../lab/airflow/server.ts';
import { gatedOrigin } from '../lab/gate/nginx.ts';
import { labdeckAddress, labPorts } from '../lab/stack/components.ts';
import { type LabState, readState } from '../lab/stack/state.ts';
import { watchForFailures } from './support/failures.ts';

// Lab tier: the whole `npm run lab` (node lab/cli.ts up, the same code), toured in a browser as its demo
// users sign in through the lab's Keycloak. Ports are the lab's (LAB_<PART>_PORT moves them); the lab is
// stopped at the end with `node lab/cli.ts down` unless it ran before the tour (then it is left running).
// Run: npm run lab:install && npx vite build --logLevel warn &&
//   LABDECK_E2E_TIER=lab npx playwright test e2e/lab-tour.lab.spec.ts
// Screenshots of each page go to $LAB_TOUR_SCREENSHOTS (default test-results/lab-tour).
// With nginx installed (CI must have it) the lab runs its gate: Labdeck is opened at
// http://labdeck.lab.localhost:<LAB_GATE_PORT> and the last tests open Trino's and Dagster's UIs through it.

const repo = path.resolve(import.meta.dirname, '..');
const shots = path.resolve(repo, process.env.LAB_TOUR_SCREENSHOTS ?? 'test-results/lab-tour');
const password = (user: string) => `${user}-demo`;
/**
 * The services every lab runs, as the analyst sees them on Home (Keycloak's tile is for admins; behind the
 * gate Dagster's is for operators and admins, who alone may open its UI).
 */
const labServices = [
  'kafka',
  'schema-registry',
  'shop-db',
  'trino',
  'airflow',
  'dagster',
  'spark',
  'mlflow',
  'jupyter',
];
/** Tiles probed by a browser check every 5 minutes (lab/stack/labdeck-config.ts): a second point takes that long. */
const browserChecked = ['trino', 'airflow'];
const operatorsOnly = () => (readState().components.gate ? ['dagster'] : []);
const topics = ['shop.orders', 'shop.payments', 'shop.clicks'];

test.describe.configure({ mode: 'serial', timeout: 180_000 });

let ranBefore = false;
let analyst: Page;
/** Where the tour opens Labdeck: behind the gate when the lab runs one (set once the lab is up). */
let labdeckUrl: string;
const tourStarted = Date.now();

/** Runs `node lab/cli.ts <args>` with the lab's environment; its exit code and all it printed. */
function lab(...args: string[]): { code: number | null; output: string } {
  const run = spawnSync(process.execPath, [path.join(repo, 'lab', 'cli.ts'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 900_000,
    env: { ...process.env, LAB_ANALYTICS_CYCLE: process.env.LAB_ANALYTICS_CYCLE ?? '60,45' },
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

const pidsOf = (state: LabState) =>
  Object.fromEntries(Object.entries(state.components).map(([name, record]) => [name, record.pids]));

/** The HTTP status of a GET from the page itself (Node, unlike the browser, cannot resolve *.lab.localhost). */
const statusOf = (page: Page, url: string): Promise<number> =>
  page.evaluate(async (target) => (await fetch(target)).status, url);

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const newPage = async (browser: Browser): Promise<Page> =>
  (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();

/** On Labdeck's sign-in page: through Keycloak's own login form (Keycloak then sends the browser back). */
async function signInAtKeycloak(page: Page, user: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(labdeckUrl)}/signin\\?returnTo=`));
  await page.getByRole('link', { name: 'Lab SSO (Keycloak)' }).click();
  await expect(page).toHaveURL(new RegExp(`^http://127.0.0.1:${labPorts.keycloak}/realms/lab/`));
  await page.getByLabel('Username or email').fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password(user));
  await page.getByRole('button', { name: 'Sign In' }).click();
}

/** From Labdeck's sign-in page through Keycloak's own login form, back to Labdeck's Home. */
async function signIn(browser: Browser, user: string): Promise<Page> {
  const page = await newPage(browser);
  await page.goto(`${labdeckUrl}/`);
  await signInAtKeycloak(page, user);
  await expect(page).toHaveURL(`${labdeckUrl}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  return page;
}

/** Airflow 3's REST API as the lab's Airflow admin (credentials from .lab/state.json). */
async function labAirflow<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const airflow = readState().components.airflow!;
  const token = await airflowToken(airflow.url!, airflow.info.admin as Credentials);
  return airflowApi<T>(airflow.url!, token, path, init);
}

/** Triggers a DAG run now through Airflow's REST API (the schedule would take up to 10 minutes). */
async function triggerDag(dagId: string): Promise<string> {
  const run = await labAirflow<{ dag_run_id: string }>(`/dags/${dagId}/dagRuns`, {
    method: 'POST',
    body: { logical_date: null },
  });
  return run.dag_run_id;
}

async function dagRunState(dagId: string, runId: string): Promise<string> {
  return (await labAirflow<{ state: string }>(`/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`)).state;
}

/** Launches a Dagster job through its GraphQL API, in the code location the lab's Dagster serves. */
async function launchDagsterJob(jobName: string): Promise<void> {
  const url = `${readState().components.dagster!.url}/graphql`;
  const graphql = async (query: string, variables: object = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return ((await res.json()) as { data: Record<string, unknown> }).data;
  };
  const repos = (await graphql(
    '{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }',
  )) as { repositoriesOrError: { nodes: { name: string; location: { name: string } }[] } };
  const repository = repos.repositoriesOrError.nodes[0]!;
  const launched = (await graphql(
    `mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename } }`,
    {
      params: {
        selector: {
          repositoryLocationName: repository.location.name,
          repositoryName: repository.name,
          jobName,
        },
        runConfigData: {},
      },
    },
  )) as { launchRun: { __typename: string } };
  expect(launched.launchRun.__typename).toBe('LaunchRunSuccess');
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(900_000);
  mkdirSync(shots, { recursive: true });
  const before = readState();
  ranBefore = Boolean(before.components.labdeck);
  const began = Date.now();
  const up = lab('up');
  expect(up.code, `node lab/cli.ts up failed:\n${up.output}`).toBe(0);
  console.log(`lab tour: node lab/cli.ts up took ${((Date.now() - began) / 1000).toFixed(0)} s`);
  labdeckUrl = labdeckAddress(readState());
  analyst = await signIn(browser, 'analyst');
});

test.afterAll(async () => {
  if (ranBefore) {
    console.log('lab tour: the lab ran before the tour, so it keeps running (npm run lab:down stops it)');
  } else {
    const down = lab('down');
    expect(down.code, down.output).toBe(0);
    expect(Object.keys(readState().components)).toEqual([]);
  }
  console.log(
    `lab tour: ${((Date.now() - tourStarted) / 1000).toFixed(0)} s in all; screenshots in ${shots}`,
  );
});

test('npm run lab twice starts nothing twice; a part killed by hand is down in lab:status and comes back alone', async () => {
  const before = pidsOf(readState());
  const again = lab('up');
  expect(again.code, again.output).toBe(0);
  expect(again.output).not.toMatch(/ready in \d+ s/);
  expect(pidsOf(readState())).toEqual(before);

  const [traffic] = before.traffic!;
  process.kill(-traffic!, 'SIGKILL');
  await expect.poll(() => lab('status').output).toMatch(/^traffic\s+down\b/m);
  const revived = lab('up');
  expect(revived.code, revived.output).toBe(0);
  expect(revived.output.match(/ready in \d+ s/g)).toHaveLength(1);
  expect(revived.output).toMatch(/Shop traffic .* ready in/);
  const after = pidsOf(readState());
  expect(after.traffic).not.toEqual(before.traffic);
  expect({ ...after, traffic: [] }).toEqual({ ...before, traffic: [] });
  expect(lab('status').output).toMatch(/^traffic\s+up\b/m);
});

test('Home: every lab service is up, with its history; Kafka Connect is degraded by its failing task', async () => {
  const page = analyst;
  const problems = watchForFailures(page);
  await page.goto(`${labdeckUrl}/`);
  for (const id of labServices.filter((id) => !operatorsOnly().includes(id))) {
    const tile = page.getByTestId(`service-${id}`);
    await expect(tile, `${id} on Home`).toHaveAttribute('data-status', 'up', { timeout: 60_000 });
    // The history sparkline needs two probes (every 30 s).
    if (!browserChecked.includes(id))
      await expect(tile.locator('svg.spark'), `${id} history`).toBeVisible({ timeout: 75_000 });
  }
  for (const id of ['keycloak', ...operatorsOnly()])
    await expect(page.getByTestId(`service-${id}`)).toHaveCount(0);
  // The lab's Spark master runs the heartbeat application (lab/spark/jobs/heartbeat.py).
  await expect(page.getByTestId('service-spark').getByTestId('service-figures')).toContainText(
    /\b[1-9]\d* running apps\s*1 alive workers/,
  );
  // The lab's Kafka Connect runs broken-sink, whose task fails at every start (e2e/kafka-connect.lab.spec.ts).
  const connect = page.getByTestId('service-kafka-connect');
  await expect(connect).toHaveAttribute('data-status', 'degraded', { timeout: 60_000 });
  await expect(connect.getByTestId('service-figures').locator('li.danger')).toHaveText(/1 failed tasks$/);
  await expect(connect.locator('.error')).toHaveText('FAILED: broken-sink task 0');
  await shot(page, 'home');
  expect(problems).toEqual([]);
});

test('Lineage: the recently active jobs, and the loader → Airflow → dbt graph growing live as shop_pipeline runs', async () => {
  test.setTimeout(300_000);
  const page = analyst;
  const problems = watchForFailures(page);
  await page.goto(`${labdeckUrl}/lineage`);
  const recent = page.getByTestId('recent-jobs');
  // The Kafka loader reports a run every few seconds.
  await expect(recent.locator('li[data-node-id="job:lab-streaming:shop-loader"]')).toBeVisible({
    timeout: 60_000,
  });
  await shot(page, 'lineage-recent');

  const shop = readState().components.postgres!.info.shop as { host: string; port: number };
  const dataset = (name: string) => `dataset:postgres://${shop.host}:${shop.port}:shop.${name}`;
  const node = (id: string) => page.locator(`g.node[data-node-id="${id}"]`);
  await page.goto(`${labdeckUrl}/lineage?node=${encodeURIComponent(dataset('raw.order_events'))}&depth=6`);
  await expect(node(dataset('raw.order_events'))).toBeVisible({ timeout: 20_000 });
  await expect(node('job:lab-streaming:shop-loader')).toBeVisible();
  const nodesBefore = await page.locator('g.node').count();

  const runId = await triggerDag('shop_pipeline');
  const activity = page.getByTestId('activity');
  const merge = 'job:airflow:shop_pipeline.merge_order_events';
  await expect(node(merge)).toBeVisible({ timeout: 120_000 });
  // On a lab whose schedule ran shop_pipeline already, the task's node shows before this run's task starts.
  await expect(
    activity.locator('li[data-event="START"]').filter({ hasText: 'merge_order_events' }),
  ).not.toHaveCount(0, { timeout: 120_000 });
  await expect
    .poll(() => dagRunState('shop_pipeline', runId), { timeout: 180_000, intervals: [2_000] })
    .toBe('success');
  for (const id of [
    dataset('raw.orders'),
    'job:dbt:shop.staging.labdeck_lab.stg_orders',
    dataset('staging.stg_orders'),
    'job:dbt:shop.marts.labdeck_lab.daily_revenue',
  ])
    await expect(node(id), id).toBeVisible({ timeout: 30_000 });
  await expect(
    activity.locator('li[data-event="COMPLETE"]').filter({ hasText: 'stg_orders' }),
  ).not.toHaveCount(0);
  const nodesAfter = await page.locator('g.node').count();
  expect(nodesAfter).toBeGreaterThanOrEqual(nodesBefore);
  console.log(
    `lab tour: the lineage graph went from ${nodesBefore} to ${nodesAfter} nodes while shop_pipeline ran`,
  );
  // For the picture, three steps around the Airflow task: close enough that names show (the whole chain
  // fits only zoomed out, where the graph draws shapes alone).
  await page.goto(`${labdeckUrl}/lineage?node=${encodeURIComponent(merge)}&depth=3`);
  for (const id of ['job:lab-streaming:shop-loader', merge, 'job:dbt:shop.staging.labdeck_lab.stg_orders'])
    await expect(node(id).locator('text.name')).toBeVisible({ timeout: 20_000 });
  await shot(page, 'lineage');
  expect(problems).toEqual([]);
});

test('Streams: the shop topics with live msgs/s and bytes/s, and clicks-analytics falling behind and recovering', async () => {
  test.setTimeout(300_000);
  const page = analyst;
  const problems = watchForFailures(page);
  await page.goto(`${labdeckUrl}/streams`);
  await expect(page.getByTestId('cluster-status')).toHaveText('Up', { timeout: 30_000 });
  for (const topic of topics) {
    const row = page.locator(`tr[data-topic="${topic}"]`);
    await expect(async () => {
      expect(
        Number((await row.getByTestId('topic-rate').textContent())?.replace(/[^\d.]/g, '')),
      ).toBeGreaterThan(0);
    }).toPass({ timeout: 30_000 });
    // bytes/s needs two log-size samples, 30 s apart.
    await expect(row.locator('td').nth(3)).toHaveText(/\d.*B/, { timeout: 60_000 });
  }
  await shot(page, 'streams');

  await page.goto(`${labdeckUrl}/streams?tab=groups`);
  const group = page.locator('tr[data-group="clicks-analytics"]').getByTestId('verdict');
  // LAB_ANALYTICS_CYCLE=60,45: it keeps up for 60 s, then stops for 45 s.
  await expect(group).toHaveText(/WARN|STOP/, { timeout: 150_000 });
  await shot(page, 'streams-groups-behind');
  await expect(group).toHaveText('OK', { timeout: 120_000 });
  await expect(page.locator('tr[data-group="shop-loader"]').getByTestId('verdict')).toHaveText('OK');
  await shot(page, 'streams-groups-recovered');
  expect(problems).toEqual([]);
});

test('Jobs: a failing run (Dagster lab_fails, launched now) beside the Airflow DAGs and the Dagster jobs', async () => {
  const page = analyst;
  const problems = watchForFailures(page);
  await launchDagsterJob('lab_fails');
  await page.goto(`${labdeckUrl}/jobs`);
  const matrix = page.getByTestId('job-matrix');
  const row = (source: string, job: string) =>
    matrix.locator(`tr[data-job^="${source}/"][data-job$="${job}"]`);
  for (const job of ['shop_pipeline', 'shop_flaky', 'shop_slow'])
    await expect(row('airflow', job), `Airflow ${job}`).toBeVisible({ timeout: 60_000 });
  for (const job of ['lab_succeeds', 'lab_fails', 'lab_slow'])
    await expect(row('dagster', job), `Dagster ${job}`).toBeVisible({ timeout: 60_000 });
  await expect(row('dagster', 'lab_fails').locator('[data-cell="failed"]')).toBeVisible({ timeout: 90_000 });
  await expect(
    page.getByTestId('board-failing').locator('a[href^="/jobs/dagster/"][href$="lab_fails"]'),
  ).toBeVisible({
    timeout: 90_000,
  });
  await shot(page, 'jobs');
  expect(problems).toEqual([]);
});

/** Runs `sql` on `connection` and waits for its result: a grid whose first column is `firstColumn`. */
async function runSql(page: Page, connection: string, sql: string, firstColumn: string) {
  await page.getByTestId('connection-select').selectOption(connection);
  await page.locator('[data-testid=sql-editor] .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(sql);
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.getByRole('columnheader', { name: new RegExp(`^${firstColumn} `) })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-state', 'finished');
}

// One Trino query joining tpch with the shop is not possible yet: Maven Central has no trino-postgresql 476
// plugin for the lab's Trino, so the shop is queried on its own PostgreSQL connection.
test('SQL: a query on the lab Trino and one reading raw.orders in the shop database', async () => {
  const page = analyst;
  const problems = watchForFailures(page);
  await page.goto(`${labdeckUrl}/sql`);
  await expect(page.locator('[data-testid=sql-editor] .monaco-editor')).toBeVisible({ timeout: 20_000 });
  await runSql(
    page,
    'trino',
    "SELECT name, regionkey FROM tpch.tiny.nation WHERE name LIKE 'A%' ORDER BY name",
    'name',
  );
  await expect(page.getByTestId('row-count')).toHaveText('2 rows');
  await expect(page.getByRole('gridcell', { name: 'ARGENTINA' })).toBeVisible();
  await shot(page, 'sql-trino');
  await runSql(
    page,
    'shop',
    'SELECT status, count(*) AS orders, sum(amount_cents) / 100.0 AS amount FROM raw.orders GROUP BY status ORDER BY status',
    'status',
  );
  await expect(page.getByTestId('row-count')).toHaveText(/^[1-9]\d* rows?$/);
  await expect(page.getByRole('columnheader', { name: /^orders / })).toBeVisible();
  await shot(page, 'sql-shop');
  expect(problems).toEqual([]);
});

test('the analyst has no Admin page; the admin has', async ({ browser }) => {
  const page = analyst;
  await page.goto(`${labdeckUrl}/`);
  await page.getByTestId('user-menu').click();
  await expect(page.getByTestId('user-roles')).toHaveText(/\banalyst\b/);
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
  expect(await statusOf(page, `${labdeckUrl}/api/admin/audit`)).toBe(403);

  const admin = await signIn(browser, 'admin');
  const problems = watchForFailures(admin);
  for (const id of ['keycloak', ...operatorsOnly()])
    await expect(admin.getByTestId(`service-${id}`)).toBeVisible();
  await admin.getByTestId('user-menu').click();
  await admin.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Admin' })).toBeVisible();
  await expect(admin.getByTestId('sessions-table')).toContainText('Ana Analyst');
  await shot(admin, 'admin');
  expect(problems).toEqual([]);
});

// The gate (lab/gate: nginx asking Labdeck before each request) in front of Trino's and Dagster's own UIs.
test.describe('behind the gate', () => {
  const ui = (name: string, path: string) =>
    `${gatedOrigin(name, readState().components.gate!.port!)}${path}`;
  /** Labdeck's sign-in page, to come back to `target` afterwards. */
  const signInPage = (target: string) => (url: URL) =>
    url.href.startsWith(`${labdeckUrl}/signin?`) && url.searchParams.get('returnTo') === target;

  test.beforeAll(() => {
    const gate = readState().components.gate;
    // In CI the gate must run (a missing nginx is a failure); elsewhere a lab without nginx has no gate to test.
    if (process.env.CI) expect(gate, "the lab's gate (nginx) is not running").toBeTruthy();
    else test.skip(!gate, "nginx is not installed: apt-get install nginx to test the lab's gate");
  });

  test("signed out, Trino's UI goes through Labdeck's sign-in and Keycloak and comes back working", async ({
    browser,
  }) => {
    const page = await newPage(browser);
    const trino = ui('trino', '/ui/');
    await page.goto(trino);
    await expect(page).toHaveURL(signInPage(trino));
    await signInAtKeycloak(page, 'analyst');
    await expect(page).toHaveURL(trino);
    // The query list is filled by Trino's UI calling its API through the gate: the tour's SQL query is in
    // it, once finished queries are listed too (the UI shows running, queued and failed ones at first).
    await page.getByRole('button', { name: /Finished$/ }).click();
    await expect(page.getByText('tpch.tiny.nation').first()).toBeVisible({ timeout: 30_000 });
    await shot(page, 'gate-trino');
    await page.context().close();
  });

  test("Dagster's UI: the analyst is refused on Labdeck's page, the operator and the admin get in", async ({
    browser,
  }) => {
    const dagster = ui('dagster', '/runs');
    await analyst.goto(dagster);
    await expect(analyst).toHaveURL(new RegExp(`^${escapeRegExp(labdeckUrl)}/denied\\?`));
    await expect(analyst.getByRole('heading', { level: 1, name: 'You may not open Dagster' })).toBeVisible();
    await shot(analyst, 'gate-dagster-denied');
    for (const user of ['operator', 'admin']) {
      const page = await signIn(browser, user);
      await page.goto(dagster);
      await expect(page).toHaveURL(dagster);
      // The tour's Jobs test launched lab_fails: Dagster's run list (GraphQL through the gate) shows it.
      await expect(page.getByText('lab_fails').first(), user).toBeVisible({ timeout: 30_000 });
      if (user === 'operator') await shot(page, 'gate-dagster');
      await page.context().close();
    }
  });

  test("Airflow's UI: past the gate, Airflow asks for its own users", async () => {
    await analyst.goto(ui('airflow', '/'));
    await expect(analyst).toHaveURL(new RegExp(`^${escapeRegExp(ui('airflow', '/auth/login'))}`));
    await expect(analyst.getByText('Sign into Airflow')).toBeVisible();
  });

  test('signing out of Labdeck locks the UIs again; a forged X-Forwarded-User changes nothing', async ({
    browser,
  }) => {
    const page = await signIn(browser, 'operator');
    await page.goto(ui('dagster', '/runs'));
    await expect(page).toHaveURL(ui('dagster', '/runs'));
    await page.goto(`${labdeckUrl}/`);
    await page.getByTestId('user-menu').click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Logout' }).click();
    await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(labdeckUrl)}/signin\\?signedOut=1$`));
    for (const target of [ui('trino', '/ui/'), ui('dagster', '/runs'), ui('airflow', '/')]) {
      await page.goto(target);
      await expect(page).toHaveURL(signInPage(target));
    }

    // A browser that names itself admin is still signed out, and the analyst still may not open Dagster.
    const forged = { 'X-Forwarded-User': 'admin', 'X-Forwarded-Groups': 'lab-admins' };
    await page.context().setExtraHTTPHeaders(forged);
    await page.goto(ui('trino', '/ui/'));
    await expect(page).toHaveURL(signInPage(ui('trino', '/ui/')));
    await page.context().close();
    await analyst.context().setExtraHTTPHeaders(forged);
    await analyst.goto(ui('dagster', '/runs'));
    await expect(analyst).toHaveURL(new RegExp(`^${escapeRegExp(labdeckUrl)}/denied\\?`));
    await analyst.context().setExtraHTTPHeaders({});
  });
});
