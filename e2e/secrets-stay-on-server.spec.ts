// Secrets stay on the server: a careless build (every secret in its environment, LABDECK_CONFIG naming a
// labdeck.yaml full of them) holds none in dist/ or dist/.ssr/, and no answer a signed-in admin's browser
// gets on a tour of every page (bodies, headers, the live event stream, the pages' boot data) carries one.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompressSync } from 'node:zlib';
import { expect, type Page, test } from '@playwright/test';
import { freePort } from '../server/platform/net.ts';
import { startTestIdp, TEST_USERS, type TestIdp } from './support/idp.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';
import { filesUnder, type Secret, secretsIn, secretsInFolder } from './support/secret-scan.ts';

test.describe.configure({ mode: 'serial' });

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(tmpdir(), 'labdeck-e2e-secrets-'));
const dist = path.join(work, 'dist');
const configFile = path.join(work, 'labdeck.yaml');

/** Random like real credentials; the base64 alphabet, not a recognisable test prefix. */
const random = (bytes = 24) => randomBytes(bytes).toString('base64url');
const jwtLike = () =>
  [
    { alg: 'RS256', typ: 'JWT' },
    { sub: 'labdeck', iss: 'https://sso.lab.example', exp: 4102444800 },
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat(random(64))
    .join('.');

/** Secrets the config reads from the environment (${VAR}), as a deployment would set them. */
const fromEnv = {
  LABDECK_OIDC_CLIENT_SECRET: random(),
  KAFKA_PROBE_PASSWORD: random(),
  GRAFANA_TOKEN: `glsa_${random(24)}`,
  K8S_TOKEN: jwtLike(),
  TRINO_PASSWORD: random(),
  WAREHOUSE_PASSWORD: random(),
  STREAMS_SASL_PASSWORD: random(),
  SCHEMA_REGISTRY_PASSWORD: random(),
  LINEAGE_DBT_KEY: random(),
};
/** Secrets written into labdeck.yaml itself. */
const inFile = {
  sessionSecret: random(32),
  warehouseProbePassword: random(),
  trinoJwt: jwtLike(),
  analyticsPassword: random(),
  lineageAirflowKey: random(),
};
const secrets: Secret[] = [
  ...Object.entries(fromEnv).map(([name, value]) => ({ name, value })),
  ...Object.entries(inFile).map(([name, value]) => ({ name, value })),
];
/** Not a secret: a config value from the environment that is meant to reach the browser (a description). */
const shownFromEnv = { name: 'SHOWN_DESCRIPTION', value: random() };
const DEAD = '127.0.0.1:9'; // discard port: nothing listens, connections are refused at once

function config(idp: TestIdp): string {
  return `auth:
  mode: oidc
  providers:
    - id: lab
      name: Lab SSO
      issuer: ${idp.issuer}
      clientId: labdeck
      clientSecret: \${LABDECK_OIDC_CLIENT_SECRET}
      scopes: [openid, profile, email, groups]
  session:
    secret: ${inFile.sessionSecret}
  roles:
    admin: [lab-admins]
    analyst: [lab-analysts]
services:
  probes: { intervalMs: 1000, timeoutMs: 1000 }
  groups:
    - name: Lab
      services:
        - name: Kafka
          url: http://${DEAD}/kafka
          description: '\${SHOWN_DESCRIPTION}'
          probe: { type: kafka, brokers: ['${DEAD}'], sasl: { mechanism: SCRAM-SHA-512, username: labdeck, password: '\${KAFKA_PROBE_PASSWORD}' } }
        - name: Warehouse
          url: http://${DEAD}/pgadmin
          probe: { type: postgres, connectionString: 'postgres://probe:${inFile.warehouseProbePassword}@${DEAD}/postgres' }
        - name: Grafana
          url: ${idp.issuer}/grafana/
          probe: { type: http, url: '${idp.issuer}/grafana/api/health', headers: { Authorization: 'Bearer \${GRAFANA_TOKEN}' } }
  discovery:
    kubernetes: { enabled: true, apiServer: 'http://${DEAD}', token: '\${K8S_TOKEN}' }
sql:
  connections:
    - { id: trino, name: Lab Trino, engine: trino, url: '${idp.issuer}', auth: { type: basic, user: labdeck, password: '\${TRINO_PASSWORD}' } }
    - { id: trino-jwt, name: Trino (JWT), engine: trino, url: '${idp.issuer}', auth: { type: jwt, token: '${inFile.trinoJwt}' } }
    - { id: warehouse, name: Warehouse, engine: postgres, url: 'postgres://analyst:\${WAREHOUSE_PASSWORD}@${DEAD}/warehouse' }
    - { id: analytics, name: Analytics, engine: postgres, host: 127.0.0.1, port: 9, database: analytics, user: analyst, password: '${inFile.analyticsPassword}' }
streams:
  clusters:
    - id: lab
      bootstrap: ${DEAD}
      sasl: { mechanism: SCRAM-SHA-512, username: labdeck, password: '\${STREAMS_SASL_PASSWORD}' }
      schemaRegistry: { url: 'http://${DEAD}', username: reader, password: '\${SCHEMA_REGISTRY_PASSWORD}' }
lineage:
  ingest:
    keys:
      - { producer: dbt, key: '\${LINEAGE_DBT_KEY}' }
      - { producer: airflow, key: '${inFile.lineageAirflowKey}' }
`;
}

/** The environment of a careless `npm start`: every secret exported, some even as VITE_ variables. */
const buildEnv = () => ({
  ...process.env,
  ...fromEnv,
  VITE_LABDECK_OIDC_CLIENT_SECRET: fromEnv.LABDECK_OIDC_CLIENT_SECRET,
  VITE_TRINO_PASSWORD: fromEnv.TRINO_PASSWORD,
  LABDECK_CONFIG: configFile,
  LABDECK_BUILD_DIR: dist,
});

let idp: TestIdp;
let labdeck: LabdeckProcess;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  const port = await freePort();
  idp = await startTestIdp({
    clientOrigins: [`http://127.0.0.1:${port}`],
    clientSecret: fromEnv.LABDECK_OIDC_CLIENT_SECRET,
  });
  writeFileSync(configFile, config(idp));
  await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: root,
    env: buildEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
  labdeck = await startLabdeckProcess({
    port,
    config: readFileSync(configFile, 'utf8'),
    env: { ...fromEnv, [shownFromEnv.name]: shownFromEnv.value },
    staticDir: dist,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await idp?.close();
  rmSync(work, { recursive: true, force: true });
});

test('the scanner finds every secret where it is known to be, in each form and place it looks', () => {
  // The config file and the environment hold them all: the scan must name each one.
  const known = `${readFileSync(configFile, 'utf8')}\n${Object.entries(buildEnv())
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}`;
  expect(secretsIn(known, secrets).sort()).toEqual(secrets.map((s) => s.name).sort());

  // Planted in a build-like folder: in a dot folder, precompressed, base64 inside a header.
  const planted = path.join(work, 'planted');
  mkdirSync(path.join(planted, '.ssr', 'assets'), { recursive: true });
  writeFileSync(path.join(planted, '.ssr', 'entry.js'), `const k = "${inFile.lineageAirflowKey}";`);
  writeFileSync(
    path.join(planted, '.ssr', 'assets', 'app.js.br'),
    brotliCompressSync(`x=${JSON.stringify({ password: fromEnv.TRINO_PASSWORD })}`),
  );
  const basic = Buffer.from(`labdeck:${fromEnv.STREAMS_SASL_PASSWORD}`).toString('base64');
  writeFileSync(path.join(planted, 'index.html'), `<meta name="x" content="Basic ${basic}">`);
  expect(secretsInFolder(planted, secrets).sort()).toEqual([
    '.ssr/assets/app.js.br: TRINO_PASSWORD',
    '.ssr/entry.js: lineageAirflowKey',
    'index.html: STREAMS_SASL_PASSWORD (base64)',
  ]);
});

test('the build made with every secret in reach holds none of them, in dist/ or dist/.ssr/', () => {
  const files = filesUnder(dist).map((file) => path.relative(dist, file));
  expect(files).toContain('index.html');
  expect(files).toContain(path.join('.ssr', 'entry-server.js'));
  expect(files.filter((file) => file.endsWith('.js')).length).toBeGreaterThan(20);
  expect(secretsInFolder(dist, secrets)).toEqual([]);
});

/** Every answer from Labdeck to `page`, as text: status line, headers and body (documents included). */
function recordAnswers(page: Page) {
  const answers: string[] = [];
  const reading: Promise<unknown>[] = [];
  const streams: AbortController[] = [];
  page.on('response', (response) => {
    if (!response.url().startsWith(labdeck.url)) return;
    const request = response.request();
    const read = (async () => {
      const headers = JSON.stringify(await response.allHeaders());
      if (new URL(response.url()).pathname === '/api/events') {
        // An open stream has no body to read: replay its request with the same cookies and record that.
        const cookie = (await page.context().cookies(labdeck.url)).map((c) => `${c.name}=${c.value}`);
        const stream = new AbortController();
        streams.push(stream);
        const res = await fetch(response.url(), {
          headers: { cookie: cookie.join('; '), accept: 'text/event-stream' },
          signal: stream.signal,
        });
        let text = '';
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        try {
          for (let part = await reader.read(); !part.done; part = await reader.read()) text += part.value;
        } catch {
          // aborted at the end of the tour
        }
        answers.push(`SSE ${response.url()}\n${headers}\n${text}`);
        return;
      }
      const body = await response.text().catch(() => '');
      answers.push(`${request.method()} ${response.url()} ${response.status()}\n${headers}\n${body}`);
    })();
    reading.push(read);
  });
  return {
    answers,
    async done() {
      for (const stream of streams) stream.abort();
      await Promise.all(reading);
      return answers;
    },
  };
}

test('a signed-in admin tours every page, and no answer the browser gets carries a secret', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  // Something to draw on the lineage page, sent with a producer key.
  const job = `orders_${randomBytes(3).toString('hex')}`;
  const ingest = await fetch(`${labdeck.url}/api/v1/lineage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fromEnv.LINEAGE_DBT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      eventType: 'COMPLETE',
      eventTime: new Date().toISOString(),
      producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: randomUUID() },
      job: { namespace: 'dbt', name: job },
      inputs: [{ namespace: 'postgres://warehouse:5432', name: 'raw.orders' }],
      outputs: [{ namespace: 'postgres://warehouse:5432', name: 'mart.orders' }],
    }),
  });
  expect(ingest.status).toBeLessThan(300);

  const context = await browser.newContext({ baseURL: labdeck.url });
  const page = await context.newPage();
  const recorder = recordAnswers(page);

  await page.goto('/signin');
  await page.getByRole('link', { name: 'Lab SSO' }).click();
  await page.getByLabel('Username').fill('adm');
  await page.getByLabel('Password').fill(TEST_USERS.adm!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();

  // Home: every probe has failed once (their errors are shown), the drawer shows one's history.
  for (const id of ['kafka', 'warehouse', 'grafana'])
    await expect(page.getByTestId(`service-${id}`)).toHaveAttribute('data-status', 'down', {
      timeout: 15_000,
    });
  await page.getByTestId('service-warehouse').getByRole('button', { name: 'Details of Warehouse' }).click();
  await expect(
    page.getByRole('dialog', { name: 'Warehouse' }).getByText('ECONNREFUSED').first(),
  ).toBeVisible();
  await page.keyboard.press('Escape');
  // A full page load: the first screen's boot data and server render are answers too.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();

  await page.goto('/status');
  await expect(page.getByTestId('wall-warehouse')).toBeVisible();

  await page.goto(`/lineage?node=${encodeURIComponent(`job:dbt:${job}`)}&depth=2`);
  await expect(page.locator('g.node')).toHaveCount(3, { timeout: 20_000 });

  // SQL: every configured connection fails (the "Trinos" answer 404, nothing listens for the PostgreSQLs)
  // and the errors reach the page.
  await page.goto('/sql');
  await expect(page.locator('[data-testid=sql-editor] .monaco-editor')).toBeVisible({ timeout: 20_000 });
  await page.locator('[data-testid=sql-editor] .view-lines').click();
  await page.keyboard.type('SELECT 1');
  for (const connection of ['trino', 'trino-jwt', 'warehouse', 'analytics']) {
    await page.getByTestId('connection-select').selectOption(connection);
    await page.getByTestId('run').click();
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-state', 'failed', {
      timeout: 15_000,
    });
    await expect(page.getByTestId('run-error')).not.toBeEmpty();
  }

  await page.goto('/streams');
  await expect(page.getByRole('heading', { level: 1, name: 'Streams' })).toBeVisible();
  await expect(page.getByTestId('cluster-status')).toBeVisible({ timeout: 15_000 });

  for (const [url, heading] of [
    ['/jobs', 'Jobs'],
    ['/settings', 'Settings'],
    ['/admin', 'Admin'],
  ] as const) {
    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  }
  await expect(page.getByTestId('audit-table')).toContainText('auth.login');
  await page.waitForTimeout(1_500); // live events keep arriving on the open streams

  const answers = await recorder.done();
  const all = answers.join('\n\n');
  // The record holds what the pages showed: it is the real traffic, not an empty list, and a config value
  // from the environment that is meant to be shown is found by the same scan.
  expect(answers.filter((a) => a.startsWith('SSE ')).length).toBeGreaterThan(0);
  expect(secretsIn(all, [shownFromEnv])).toEqual([shownFromEnv.name]);
  expect(all).toContain('ECONNREFUSED');
  expect(all).toContain('"trino-jwt"');
  expect(all).toContain(job);
  expect(all).toContain('auth.login');
  const leaks = answers.flatMap((answer) =>
    secretsIn(answer, secrets).map((name) => `${name} in ${answer.split('\n')[0]}`),
  );
  expect(leaks).toEqual([]);
  await context.close();
});
