/** Runs every benchmark in bench/ one after another and reports which ones missed their goal. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.startsWith('_'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();

const failed: string[] = [];
for (const name of scripts) {
  console.log(`\n### ${name}`);
  // The soak runs 3 minutes here (CI's budget for it) unless SOAK_MINUTES says otherwise; 10 on its own.
  const env = { SOAK_MINUTES: '3', ...process.env };
  const result = spawnSync(process.execPath, [path.join(dir, name)], { stdio: 'inherit', env });
  if (result.status !== 0) failed.push(name);
}
console.log(
  `\n${scripts.length - failed.length} benchmarks met their goals${failed.length ? `; missed: ${failed.join(', ')}` : ''}`,
);
if (failed.length) process.exitCode = 1;
