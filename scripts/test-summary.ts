/**
 * Reads the output of vitest and Playwright runs (a log file) and prints one closing line with the totals,
 * `N passed, N failed`, so whoever reads CI's output sees every tier's count in one place.
 */
import { readFileSync } from 'node:fs';

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const text = readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8').replace(ANSI_COLOUR, '');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split('\n')) {
  const vitest = /^\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  const counts = vitest
    ? vitest[1]!
    : /^\s+\d+ (passed|failed|skipped|flaky)( \(|$)/.test(line)
      ? line
      : null;
  if (!counts) continue;
  passed += Number(/(\d+) passed/.exec(counts)?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(counts)?.[1] ?? 0);
  skipped += Number(/(\d+) skipped/.exec(counts)?.[1] ?? 0);
}
console.log(`Summary: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
