import { existsSync } from 'node:fs';

/**
 * Debian's Chromium when present (or PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH); undefined lets Playwright use its
 * own browser. Shared by the BFF's browser checks, the e2e suite and the benchmarks.
 */
export function chromiumExecutable(): string | undefined {
  const explicit = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
  if (explicit) return explicit;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

/** Debian's package chromium-headless-shell: the binary itself, not the /usr/bin shell wrapper around it. */
const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';

/**
 * The Chromium that the BFF's browser checks run: Chromium's headless shell when installed (the build
 * Playwright itself uses for headless runs; measured here at about half the memory of the full browser's
 * headless mode, which also starts the browser's own WebUI renderers), else chromiumExecutable().
 */
export function headlessExecutable(): string | undefined {
  if (process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH) return chromiumExecutable();
  return existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : chromiumExecutable();
}

/** Launch flags that work on these machines (no GPU, no background downloads or sync). */
export const chromiumArgs = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
