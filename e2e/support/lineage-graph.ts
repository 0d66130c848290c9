// A wide lineage graph for the browser's big-graph e2e and bench/lineage-draw.ts.
import { randomUUID } from 'node:crypto';

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** root -> `fan` jobs -> `fan` datasets -> `leaves` jobs each -> datasets (the e2e's shape: 40 x 24 is 2,001 nodes). */
export function fanEvents(ns: string, fan: number, leaves: number) {
  const ds = (name: string) => ({ namespace: `postgres://${ns}:5432`, name });
  const event = (job: string, input: string, output: string) => ({
    eventType: 'COMPLETE',
    eventTime: new Date().toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: { runId: randomUUID() },
    job: { namespace: ns, name: job },
    inputs: [ds(input)],
    outputs: [ds(output)],
  });
  const events = [];
  for (let i = 0; i < fan; i++) {
    events.push(event(`stage1_${i}`, 'root', `mid_${i}`));
    for (let m = 0; m < leaves; m++) events.push(event(`stage2_${i}_${m}`, `mid_${i}`, `leaf_${i}_${m}`));
  }
  return { events, root: `dataset:postgres://${ns}:5432:root` };
}
