import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, request, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { freePort } from '../server/platform/net.ts';
import { startTestIdp, TEST_USERS, type TestIdp } from './support/idp.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// Labdeck's browser checks against Labdeck itself: one signs in through a real OpenID provider with a
// robot account whose password comes from the environment; the other has a broken selector.

test.describe.configure({ mode: 'serial' });

let idp: TestIdp;
let labdeck: LabdeckProcess;

test.beforeAll(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  idp = await startTestIdp({ clientOrigins: [url] });
  labdeck = await startLabdeckProcess({
    port,
    env: { ROBOT_PASSWORD: TEST_USERS.ana!.password },
    config: `${idp.authYaml()}
services:
  groups:
    - name: Lab
      services:
        - id: signin-check
          name: Sign-in check
          url: ${url}/
          probe:
            type: browser
            intervalMs: 60000
            timeoutMs: 30000
            # Three checks start at once on two shared cores: this test is about what the check finds.
            slowMs: 30000
            signIn: { provider: oidc, username: ana, password: "\${ROBOT_PASSWORD}" }
            steps:
              - goto: /signin
              - click: 'role=link[name="Lab SSO"]'
              - signIn: true
              - click: 'role=button[name="Allow"]'
              - waitFor: 'role=heading[level=1][name="Home"]'
        - id: signin-broken
          name: Sign-in then broken
          url: ${url}/
          probe:
            type: browser
            intervalMs: 60000
            timeoutMs: 30000
            signIn: { provider: oidc, username: ana, password: "\${ROBOT_PASSWORD}" }
            steps:
              - goto: /signin
              - click: 'role=link[name="Lab SSO"]'
              - signIn: true
              - click: 'role=button[name="Allow"]'
              - waitFor: '#no-such-panel'
        - id: broken-check
          name: Broken check
          url: ${url}/
          probe:
            type: browser
            intervalMs: 60000
            # Its time box includes waiting for a free browser slot behind the two sign-in checks.
            timeoutMs: 15000
            steps:
              - goto: /signin
              - click: '#no-such-button'
`,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await idp?.close();
});

async function signIn(page: Page, user: string) {
  await page.goto(`${labdeck.url}/signin`);
  await page.getByRole('link', { name: 'Lab SSO' }).click();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(TEST_USERS[user]!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
}

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the JSON freely
async function checksOf(page: Page, id: string): Promise<any> {
  let body: { last: unknown } | undefined;
  await expect(async () => {
    body = await (await page.request.get(`${labdeck.url}/api/services/${id}/checks`)).json();
    expect(body?.last).not.toBeNull();
  }).toPass({ timeout: 60_000 });
  return body;
}

test('a browser check signs in through the OpenID provider and finds Home', async ({ page }) => {
  await signIn(page, 'adm');
  const checks = await checksOf(page, 'signin-check');
  expect(checks.last).toMatchObject({ status: 'up', failed: null });
  expect(checks.last.steps.map((s: { kind: string }) => s.kind)).toEqual([
    'goto',
    'click',
    'signIn',
    'click',
    'waitFor',
  ]);
  expect(checks.last.steps[2].target).toBe('as ana');
  expect(JSON.stringify(checks)).not.toContain(TEST_USERS.ana!.password);
  expect(checks.lastGood.image).toMatch(/^\/api\/services\/signin-check\/checks\/\d+\.(png|jpg)$/);
});

test("a failure after signing in keeps a trace with the robot's password masked everywhere", async ({
  page,
}) => {
  await signIn(page, 'adm');
  const checks = await checksOf(page, 'signin-broken');
  expect(checks.last.failed).toMatchObject({ n: 5, kind: 'waitFor', target: '#no-such-panel' });
  const trace = await page.request.get(`${labdeck.url}${checks.failures[0].trace}`);
  expect(trace.status()).toBe(200);
  expect(trace.headers()['content-type']).toBe('application/zip');
  const entries = unzipSync(new Uint8Array(await trace.body()));
  const text = Object.values(entries)
    .map((data) => strFromU8(data, true))
    .join('\n');
  expect(text).toContain('#no-such-panel');
  expect(text).toContain('ana'); // the username is no secret
  expect(text).not.toContain(TEST_USERS.ana!.password);
  expect(text).not.toContain(encodeURIComponent(TEST_USERS.ana!.password));
  const anonymous = await request.newContext();
  expect((await anonymous.get(`${labdeck.url}${checks.failures[0].trace}`)).status()).toBe(401);
  await anonymous.dispose();
});

test('a broken selector is down naming the step; the drawer shows the failure screenshot (axe-clean)', async ({
  page,
}) => {
  await signIn(page, 'adm');
  const checks = await checksOf(page, 'broken-check');
  expect(checks.last).toMatchObject({
    status: 'down',
    failed: {
      n: 2,
      kind: 'click',
      target: '#no-such-button',
      message: expect.stringMatching(/^timed out after/),
    },
  });
  const image = await page.request.get(`${labdeck.url}${checks.failures[0].image}`);
  expect(image.status()).toBe(200);
  expect(image.headers()['content-type']).toMatch(/^image\/(png|jpeg)$/);
  expect((await image.body()).length).toBeGreaterThan(1_000);
  // Signed out, neither the list nor the image is served.
  const anonymous = await request.newContext();
  expect((await anonymous.get(`${labdeck.url}${checks.failures[0].image}`)).status()).toBe(401);
  await anonymous.dispose();

  await page.goto(labdeck.url);
  await page.getByRole('button', { name: 'Details of Broken check' }).click();
  const drawer = page.getByRole('dialog', { name: 'Broken check' });
  await expect(drawer.getByText('Step 2 failed (click #no-such-button): timed out after')).toBeVisible();
  const shot = drawer.getByRole('img', { name: 'Broken check when step 2 (click) failed' }).first();
  await expect(shot).toBeVisible();
  expect(await shot.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
  const results = await new AxeBuilder({ page }).include('dialog').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
});
