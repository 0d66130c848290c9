// The fast validator (ajv, compiled from the zod rules) must never accept an event zod rejects, and
// must accept what real producers send, or ingestion loses its speed.
import { describe, expect, it } from 'vitest';
import {
  datasetEventSchema,
  fastValidators,
  jobEventSchema,
  type ParsedEvent,
  runEventSchema,
  validateEvent,
} from './event-schema.ts';
import { fixture, runEvent } from './test/events.ts';
import { planGraph, rng, runEvents } from './test/generate.ts';

const zodOf = { run: runEventSchema, dataset: datasetEventSchema, job: jobEventSchema };
const kinds = ['run', 'dataset', 'job'] as const;

function realisticEvents(): Record<string, unknown>[] {
  const plan = planGraph(50, 3);
  const random = rng(5);
  const generated = plan.jobs.flatMap((job, i) =>
    runEvents(job, Date.UTC(2026, 0, 1) + i * 1000, random, { columns: plan.columns, lean: i % 5 === 0 }),
  );
  const fixtures = ['dataset-event', 'job-event', 'spark-fail', 'spark-parent-start'].map(fixture);
  const deleted = runEvent({
    job: 'etl',
    outputs: [{ name: 'orders' }],
    jobFacets: { sql: { _deleted: true } },
  });
  const [output] = deleted.outputs as { facets: Record<string, unknown> }[];
  output!.facets = { schema: { _deleted: true }, custom: { _deleted: true } };
  return [...generated, ...fixtures, deleted];
}

/** Values that break some rule somewhere, or sit just at a limit. */
const HOSTILE: unknown[] = [
  null,
  0,
  -1.5,
  true,
  '',
  ' ',
  'x',
  ' https://example.org',
  'https://example.org\n',
  'https://exa\tmple.org',
  'http://',
  'not a uri',
  'HTTPS://EXAMPLE.ORG',
  '2026-02-30T10:00:00Z',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00:00+01:00',
  'F0E1D2C3-B4A5-4968-8776-655443322110',
  '00000000-0000-0000-0000-00000000000g',
  'a'.repeat(1024),
  'a'.repeat(1025),
  '😀'.repeat(1024),
  '😀'.repeat(1025),
  'n'.repeat(4097),
  {},
  [],
  [{}],
  { _deleted: true },
  { _deleted: false },
  { _producer: 'https://p.org' },
  { _producer: 'https://p.org', _schemaURL: 'https://s.org' },
  { name: '' },
  { namespace: 'ns', name: 'n' },
  { namespace: 'ns', name: 'n', field: 'f' },
];

type Container = Record<string, unknown> | unknown[];

/** Every object and array inside `value`, with itself. */
function containers(value: unknown, out: Container[] = []): Container[] {
  if (typeof value !== 'object' || value === null) return out;
  out.push(value as Container);
  for (const child of Object.values(value)) containers(child, out);
  return out;
}

/** One random change: a value replaced, a key removed, or a key added (facet keys included). */
function mutate(event: Record<string, unknown>, random: () => number): Record<string, unknown> {
  const copy = structuredClone(event);
  const all = containers(copy);
  const target = all[Math.floor(random() * all.length)]!;
  const keys = Object.keys(target);
  const hostile = HOSTILE[Math.floor(random() * HOSTILE.length)];
  const roll = random();
  if (roll < 0.6 && keys.length)
    (target as Record<string, unknown>)[keys[Math.floor(random() * keys.length)]!] = hostile;
  else if (roll < 0.8 && keys.length && !Array.isArray(target))
    delete target[keys[Math.floor(random() * keys.length)]!];
  else if (!Array.isArray(target)) {
    const names = ['schema', 'columnLineage', 'parent', 'errorMessage', 'sql', 'custom', '', 'k'.repeat(257)];
    target[names[Math.floor(random() * names.length)]!] = hostile;
  }
  return copy;
}

const kindOf = (event: Record<string, unknown>): ParsedEvent['kind'] =>
  'run' in event ? 'run' : 'dataset' in event ? 'dataset' : 'job';

describe('fast event validation', () => {
  it('accepts what real producers send, and returns the event as received', () => {
    const events = realisticEvents();
    expect(events.length).toBeGreaterThan(100);
    for (const event of events) {
      const kind = kindOf(event);
      expect(fastValidators()[kind](event), JSON.stringify(fastValidators()[kind].errors)).toBe(true);
      const result = validateEvent(event);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.parsed.event).toBe(event);
    }
  });

  it('never accepts an event zod rejects (20,000 random mutations of real events)', () => {
    const random = rng(17);
    const events = realisticEvents();
    let rejectedByBoth = 0;
    for (let i = 0; i < 20_000; i++) {
      const event = mutate(events[Math.floor(random() * events.length)]!, random);
      for (const kind of kinds) {
        const fast = fastValidators()[kind](event);
        const slow = zodOf[kind].safeParse(event).success;
        if (fast && !slow)
          throw new Error(`fast validator accepted a ${kind} event zod rejects: ${JSON.stringify(event)}`);
        if (!fast && !slow) rejectedByBoth++;
      }
    }
    // The mutations must really break events, or this test proves nothing.
    expect(rejectedByBoth).toBeGreaterThan(20_000);
  });

  it('leaves to zod what it is stricter about, so such events are still stored', () => {
    const upper = runEvent({ job: 'etl' });
    (upper.run as { runId: string }).runId = 'F0E1D2C3-B4A5-4968-8776-655443322110';
    expect(fastValidators().run(upper)).toBe(false);
    expect(validateEvent(upper).ok).toBe(true);
  });

  it('counts string lengths in code points, as zod does', () => {
    const astral = runEvent({ job: 'etl', jobNamespace: '😀'.repeat(1024) });
    expect(fastValidators().run(astral)).toBe(true);
    expect(validateEvent(astral).ok).toBe(true);
    const tooLong = runEvent({ job: 'etl', jobNamespace: '😀'.repeat(1025) });
    expect(fastValidators().run(tooLong)).toBe(false);
    expect(validateEvent(tooLong)).toMatchObject({ ok: false, problems: [{ path: '$.job.namespace' }] });
  });
});
