import { type Browser, expect, type Page, test } from '@playwright/test';
import { type Keycloak, startKeycloak } from '../lab/keycloak/server.ts';
import { freePort } from '../server/platform/net.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// Lab tier: the production Labdeck in oidc mode signing in through a real Keycloak (realm lab/keycloak/realm.json)
// and its own login page. Run: bash lab/keycloak/install.sh && npx vite build --logLevel warn &&
// LABDECK_E2E_TIER=lab npx playwright test e2e/sign-in-keycloak.lab.spec.ts

const SESSION_SECRET = 'e2e-keycloak-session-secret-7d1e5b0a9c42';

test.describe.configure({ mode: 'serial', timeout: 90_000 });

let keycloak: Keycloak;
let labdeck: LabdeckProcess;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  // Never a silent skip: throws naming `bash lab/keycloak/install.sh` when Keycloak is not installed.
  const port = await freePort();
  keycloak = await startKeycloak({
    backchannelLogoutUrl: `http://127.0.0.1:${port}/api/auth/backchannel-logout/lab`,
  });
  labdeck = await startLabdeckProcess({
    port,
    config: `${keycloak.authYaml()}
  session:
    secret: ${SESSION_SECRET}
services:
  groups:
    - name: Lab
      services:
        - { id: notebooks, name: Notebooks, url: 'http://127.0.0.1:9/nb', roles: [analyst], probe: false }
        - { id: cluster-admin, name: Cluster admin, url: 'http://127.0.0.1:9/admin', roles: [admin], probe: false }
`,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await keycloak?.stop();
});

/** From Labdeck's sign-in page through Keycloak's login form, back to Labdeck's Home. */
async function signInThroughKeycloak(page: Page, username: string) {
  await page.getByRole('link', { name: 'Lab SSO (Keycloak)' }).click();
  await expect(page).toHaveURL(new RegExp(`^${keycloak.issuer}/protocol/openid-connect/auth\\?`));
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(keycloak.users[username]!.password);
  await page.getByRole('button', { name: 'Sign In' }).click();
  await expect(page).toHaveURL(`${labdeck.url}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
}

async function openUserMenu(page: Page, username: string) {
  await page.getByTestId('user-menu').click();
  await expect(page.getByText(keycloak.users[username]!.email)).toBeVisible();
}

async function freshPage(browser: Browser) {
  const context = await browser.newContext();
  return context.newPage();
}

test('the analyst signs in on Keycloak, has the analyst role and no admin pages, and signs out', async ({
  browser,
}) => {
  const page = await freshPage(browser);
  // Before sign-in the SPA's first API calls are refused with 401 on purpose.
  const problems = watchForFailures(page);
  await page.goto(`${labdeck.url}/`);
  await expect(page).toHaveURL(/\/signin\?returnTo=(%2F|\/)$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Labdeck' })).toBeVisible();
  await signInThroughKeycloak(page, 'analyst');

  await expect(page.getByTestId('service-notebooks')).toBeVisible();
  await expect(page.getByTestId('service-cluster-admin')).toHaveCount(0);
  await openUserMenu(page, 'analyst');
  await expect(page.getByTestId('user-roles')).toHaveText(/\banalyst\b/);
  await expect(page.getByTestId('user-roles')).not.toContainText('admin');
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
  expect((await page.request.get(`${labdeck.url}/api/admin/audit`)).status()).toBe(403);

  // RP-initiated logout: Keycloak asks (no id_token_hint is sent), then returns to Labdeck's sign-in page.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`^${keycloak.issuer}/protocol/openid-connect/logout`));
  await page.getByRole('button', { name: 'Logout' }).click();
  await expect(page).toHaveURL(/\/signin\?signedOut=1$/);
  await expect(page.getByText('You are signed out.')).toBeVisible();
  expect((await page.request.get(`${labdeck.url}/api/services`)).status()).toBe(401);

  // The Keycloak session ended too: signing in again asks for the password.
  await page.getByRole('link', { name: 'Lab SSO (Keycloak)' }).click();
  await expect(page.getByLabel('Username or email')).toBeVisible();
  expect(problems.filter((problem) => !/\b401\b/.test(problem))).toEqual([]);
  await page.context().close();
});

test('the admin signs in on Keycloak and opens the admin page', async ({ browser }) => {
  const page = await freshPage(browser);
  await page.goto(`${labdeck.url}/signin`);
  await signInThroughKeycloak(page, 'admin');
  const problems = watchForFailures(page);
  await expect(page.getByTestId('service-cluster-admin')).toBeVisible();
  await openUserMenu(page, 'admin');
  await expect(page.getByTestId('user-roles')).toContainText('admin');
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Admin' })).toBeVisible();
  await expect(page.getByTestId('sessions-table')).toContainText('Ada Admin');
  expect(problems).toEqual([]);
  await page.context().close();
});

test('the operator gets the operator role; ending their Keycloak sessions signs them out of Labdeck (back-channel)', async ({
  browser,
}) => {
  const page = await freshPage(browser);
  await page.goto(`${labdeck.url}/signin`);
  await signInThroughKeycloak(page, 'operator');
  await openUserMenu(page, 'operator');
  await expect(page.getByTestId('user-roles')).toHaveText(/\boperator\b/);
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
  expect((await page.request.get(`${labdeck.url}/api/services`)).status()).toBe(200);

  await keycloak.endSessionsOf('operator');
  await expect.poll(async () => (await page.request.get(`${labdeck.url}/api/services`)).status()).toBe(401);
  await page.context().close();
});
