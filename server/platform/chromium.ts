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

/** Launch flags that work on these machines (no GPU, no background downloads or sync). */
export const chromiumArgs = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
