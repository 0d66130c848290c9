import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumExecutable } from './e2e/support/browser.ts';
import { freePort } from './server/platform/net.ts';

// Chosen once in the main process; workers inherit the variable and so agree on the port.
process.env.LABDECK_E2E_PORT ??= String(await freePort());
const port = Number(process.env.LABDECK_E2E_PORT);
const isCI = Boolean(process.env.CI);
// Specs that need lab servers (Kafka, Trino, dbt) are *.lab.spec.ts and run in the lab tier only.
const labTier = process.env.LABDECK_E2E_TIER === 'lab';

export default defineConfig({
  testDir: 'e2e',
  testMatch: labTier ? '**/*.lab.spec.ts' : '**/*.spec.ts',
  testIgnore: labTier ? [] : ['**/*.lab.spec.ts'],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: isCI,
  reporter: isCI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumExecutable(), args: chromiumArgs },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'node e2e/support/serve.ts',
    url: `http://127.0.0.1:${port}/readyz`,
    env: { PORT: String(port) },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
