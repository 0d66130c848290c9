import { startLabPostgres } from './postgres.ts';
import { captureDbtOlEvents } from './run.ts';
import { writeFileSync } from 'node:fs';
const p = await startLabPostgres();
try {
  const t = Date.now();
  const r = await captureDbtOlEvents({ pg: p, apiKey: 'secret-key', namespace: 'labdeck-lab' });
  console.log('code', r.code, 'ms', Date.now() - t, 'events', r.events.length);
  writeFileSync('/tmp/capture.json', JSON.stringify(r, null, 2));
  console.log(r.output);
} finally { await p.stop(); }
