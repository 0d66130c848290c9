import AxeBuilder from '@axe-core/playwright';
import { type Browser, expect, type Page, type Request, test } from '@playwright/test';
import { freePort } from '../server/platform/net.ts';
import { startTestIdp, TEST_USERS, type TestIdp } from './support/idp.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

const SESSION_SECRET = 'e2e-session-secret-4f9a1c0d2b7e4a51-9c3d';

// One lab, one story: the admin's audit log shows the analyst's earlier sign-in.
test.describe.configure({ mode: 'serial' });

let idp: TestIdp;
let labdeck: LabdeckProcess;

/**
 * Console errors, page errors and failed requests. Before sign-in the SPA's first API calls are refused
 * with 401 (JSON) on purpose, and Chromium logs those; nothing else may fail.
 */
function watchForFailures(page: Page) {
  const problems: string[] = [];
  const bodies: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !/status of 401/.test(text)) problems.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // A response the app already read can still be reported "aborted" when the page navigates right after.
  const answered = new WeakSet<Request>();
  page.on('requestfailed', (request) => {
    if (request.url().includes('/api/events') || answered.has(request)) return;
    problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('response', async (response) => {
    answered.add(response.request());
    if (response.status() >= 400 && response.status() !== 401)
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    if (response.url().startsWith(labdeck.url) && response.request().resourceType() !== 'document') {
      bodies.push(await response.text().catch(() => ''));
    }
  });
  return { problems, bodies };
}

/** Goes through the provider's own login and consent pages. */
async function signInAtProvider(page: Page, user: string) {
  await page.getByRole('link', { name: 'Lab SSO' }).click();
  await expect(page.getByRole('heading', { name: 'Lab identity provider' })).toBeVisible();
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(TEST_USERS[user]!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Allow access?' })).toBeVisible();
  await page.getByRole('button', { name: 'Allow' }).click();
}

async function signedInPage(browser: Browser, user: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${labdeck.url}/signin`);
  await signInAtProvider(page, user);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  return page;
}

test.beforeAll(async () => {
  const port = await freePort();
  idp = await startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`] });
  labdeck = await startLabdeckProcess({
    port,
    config: `${idp.authYaml()}
  session:
    secret: ${SESSION_SECRET}
services:
  groups:
    - name: Lab
      services:
        - { id: notebooks, name: Notebooks, url: 'http://127.0.0.1:9/nb', roles: [analyst], probe: false }
        - { id: cluster-admin, name: Cluster admin, url: 'http://127.0.0.1:9/admin', roles: [admin], probe: false }
        - { id: wiki, name: Wiki, url: 'http://127.0.0.1:9/wiki', probe: false }
`,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await idp?.close();
});

test('an analyst signs in at the provider, lands on Home, signs out through the provider and loses API access', async ({
  page,
}) => {
  const { problems, bodies } = watchForFailures(page);
  await page.goto(`${labdeck.url}/`);
  await expect(page).toHaveURL(/\/signin\?returnTo=(%2F|\/)$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Labdeck' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  await signInAtProvider(page, 'ana');
  await expect(page).toHaveURL(`${labdeck.url}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();

  // The analyst sees only the services for analysts (and those for everyone).
  await expect(page.getByTestId('service-notebooks')).toBeVisible();
  await expect(page.getByTestId('service-wiki')).toBeVisible();
  await expect(page.getByTestId('service-cluster-admin')).toHaveCount(0);

  await page.getByTestId('user-menu').click();
  await expect(page.getByText('ana@lab.example')).toBeVisible();
  await expect(page.getByTestId('user-roles')).toContainText('analyst');
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
  expect((await page.request.get(`${labdeck.url}/api/admin/audit`)).status()).toBe(403);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign out of the lab identity provider?' })).toBeVisible();
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(/\/signin\?signedOut=1$/);
  await expect(page.getByText('You are signed out.')).toBeVisible();

  const services = await page.request.get(`${labdeck.url}/api/services`);
  expect(services.status()).toBe(401);
  expect(await services.json()).toMatchObject({ error: { code: 'unauthorized' } });
  expect(problems).toEqual([]);
  for (const body of bodies)
    expect(body.includes(idp.clientSecret!) || body.includes(SESSION_SECRET)).toBe(false);
});

test('an admin sees the admin pages, the sessions and the audit log with both sign-ins', async ({
  browser,
}) => {
  const page = await signedInPage(browser, 'adm');
  const { problems } = watchForFailures(page);
  await page.getByTestId('user-menu').click();
  await expect(page.getByTestId('user-roles')).toContainText('admin');
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Admin' })).toBeVisible();
  await expect(page.getByTestId('service-cluster-admin')).toHaveCount(0); // not on Home any more
  await expect(page.getByTestId('sessions-table')).toContainText('Ada Admin');

  await page.getByLabel('Action').fill('auth.login');
  await page.getByRole('button', { name: 'Filter' }).click();
  const audit = page.getByTestId('audit-table');
  await expect(
    audit.getByRole('row').filter({ hasText: 'auth.login' }).filter({ hasText: 'ana' }),
  ).toHaveCount(1);
  await expect(
    audit.getByRole('row').filter({ hasText: 'auth.login' }).filter({ hasText: 'adm' }),
  ).toHaveCount(1);
  await expect(audit).not.toContainText('auth.logout');
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.reload();
    await expect(page.getByTestId('audit-table')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  }
  expect(problems).toEqual([]);
  await page.context().close();
});

test('a session ended elsewhere sends the user to sign in and back to where they were', async ({
  browser,
}) => {
  const page = await signedInPage(browser, 'ana');
  const { problems } = watchForFailures(page);
  await page.getByRole('link', { name: 'Lineage' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Lineage' })).toBeVisible();
  // "Sign out everywhere" from another tab of the same browser: this tab still shows the app.
  const csrf = (await page.context().cookies()).find((c) => c.name === 'labdeck_csrf')!.value;
  const ended = await page.request.post(`${labdeck.url}/api/auth/logout-everywhere`, {
    headers: { 'x-csrf-token': csrf },
  });
  expect(ended.status()).toBe(200);

  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/signin\?returnTo=(%2F|\/)settings$/);
  // The provider still knows this browser: no password, straight back to Settings.
  await page.getByRole('link', { name: 'Lab SSO' }).click();
  await expect(page).toHaveURL(`${labdeck.url}/settings`);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.getByText('Version')).toBeVisible();
  expect(problems).toEqual([]);
  await page.context().close();
});

test('with the provider down, sign-in shows a clear error while signed-in users keep working', async ({
  browser,
}) => {
  const signedIn = await signedInPage(browser, 'ana');
  await idp.down();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { problems } = watchForFailures(page);
    await page.goto(`${labdeck.url}/signin?returnTo=%2Fsettings`);
    await page.getByRole('link', { name: 'Lab SSO' }).click();
    await expect(page).toHaveURL(/\/signin\?error=idp_unavailable&returnTo=%2Fsettings$/);
    await expect(page.getByTestId('signin-error')).toContainText('identity provider is not reachable');
    expect(problems).toEqual([]);
    await context.close();

    await signedIn.getByRole('link', { name: 'Settings' }).click();
    await expect(signedIn.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(signedIn.getByText('Version')).toBeVisible();
    expect((await signedIn.request.get(`${labdeck.url}/api/services`)).status()).toBe(200);
  } finally {
    await idp.up();
    await signedIn.context().close();
  }
});

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} ${v.nodes.map((n) => n.target).join(' ')}`);
}
