// Regenerates lab/dbt/fixtures/ from a real `dbt-ol run` against a throwaway PostgreSQL:
//   node lab/dbt/capture-fixtures.ts          # the 3 committed fixtures
//   node lab/dbt/capture-fixtures.ts --all    # also all-events.json (the whole run, in arrival order)
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLabPostgres } from './postgres.ts';
import { captureDbtOlEvents } from './run.ts';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const pg = await startLabPostgres();
try {
  const { code, output, events } = await captureDbtOlEvents({ pg, namespace: 'dbt' });
  if (code !== 0) throw new Error(`dbt-ol run exited ${code}:\n${output}`);
  const model = (name: string, type: string) =>
    events.find(
      (e) =>
        e.eventType === type && (e.outputs ?? []).some((o: { name: string }) => o.name.endsWith(`.${name}`)),
    );
  const picks: Record<string, unknown> = {
    'dbt-run-start.json': events.find((e) => e.eventType === 'START' && e.job.name.startsWith('dbt-run-')),
    'stg_customers-complete.json': model('stg_customers', 'COMPLETE'),
    'client_orders-complete.json': model('client_orders', 'COMPLETE'),
  };
  if (process.argv.includes('--all')) picks['all-events.json'] = events;
  await mkdir(out, { recursive: true });
  for (const [file, event] of Object.entries(picks)) {
    if (!event) throw new Error(`no event for ${file}`);
    await writeFile(path.join(out, file), `${JSON.stringify(event, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), path.join(out, file))}`);
  }
} finally {
  await pg.stop();
}
