// 10,000 generated malformed events: each is rejected with a reason, and none leaves a row behind.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { runEvent } from './test/events.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

/** Small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Event = Record<string, unknown> & {
  run: Record<string, unknown>;
  job: Record<string, unknown>;
  outputs: Record<string, unknown>[];
};

const nest = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

const pick = <T>(r: () => number, list: T[]): T => list[Math.floor(r() * list.length)]!;
const base = { _producer: 'https://p.org', _schemaURL: 'https://s.org' };
type Mutation = { name: string; path: RegExp; apply(e: Event, r: () => number): unknown };
const facetsOf = (value: Record<string, unknown>) => value.facets as Record<string, unknown>;

/** Each mutation breaks one rule of the spec; `path` is where the reason must point. */
const mutations: Mutation[] = [
  {
    name: 'runId not a UUID',
    path: /^\$\.run\.runId$/,
    apply(e, r) {
      e.run.runId = pick(r, ['nope', '1234', `${crypto.randomUUID()}x`, 'g'.repeat(36)]);
    },
  },
  {
    name: 'runId wrong type',
    path: /^\$\.run\.runId$/,
    apply(e) {
      e.run.runId = 42;
    },
  },
  {
    name: 'bad eventTime',
    path: /^\$\.eventTime$/,
    apply(e, r) {
      e.eventTime = pick(r, [
        '2026-13-01T00:00:00Z',
        'yesterday',
        '2026-01-01',
        '2026-02-30T10:00:00Z',
        '2026-01-01T25:00:00Z',
        1700000000,
      ]);
    },
  },
  {
    name: 'missing eventTime',
    path: /^\$\.eventTime$/,
    apply(e) {
      Reflect.deleteProperty(e, 'eventTime');
    },
  },
  {
    name: 'missing producer',
    path: /^\$\.producer$/,
    apply(e) {
      Reflect.deleteProperty(e, 'producer');
    },
  },
  {
    name: 'producer not a URI',
    path: /^\$\.producer$/,
    apply(e) {
      e.producer = 'not a uri';
    },
  },
  {
    name: 'wrong schemaURL',
    path: /^\$\.schemaURL$/,
    apply(e, r) {
      e.schemaURL = pick(r, [
        'https://openlineage.io/spec/1-0-5/OpenLineage.json#/$defs/RunEvent',
        'https://example.com/x',
        '',
        'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/Nope',
      ]);
    },
  },
  {
    name: 'bad eventType',
    path: /^\$\.eventType$/,
    apply(e) {
      e.eventType = 'FINISHED';
    },
  },
  {
    name: 'missing job',
    path: /^\$\.job$/,
    apply(e) {
      Reflect.deleteProperty(e, 'job');
    },
  },
  {
    name: 'job name wrong type',
    path: /^\$\.job\.name$/,
    apply(e) {
      e.job.name = { x: 1 };
    },
  },
  {
    name: 'empty namespace',
    path: /^\$\.job\.namespace$/,
    apply(e) {
      e.job.namespace = '';
    },
  },
  {
    name: 'huge job name',
    path: /^\$\.job\.name$/,
    apply(e) {
      e.job.name = 'x'.repeat(6_000);
    },
  },
  {
    name: 'huge namespace',
    path: /^\$\.outputs\[0\]\.namespace$/,
    apply(e) {
      e.outputs[0]!.namespace = 'n'.repeat(2_000);
    },
  },
  {
    name: 'outputs not an array',
    path: /^\$\.outputs$/,
    apply(e) {
      e.outputs = 'out' as never;
    },
  },
  {
    name: 'dataset without name',
    path: /^\$\.outputs\[0\]\.name$/,
    apply(e) {
      Reflect.deleteProperty(e.outputs[0]!, 'name');
    },
  },
  {
    name: 'deep nesting',
    path: /^\$\.run\.facets\.deep/,
    apply(e) {
      facetsOf(e.run).deep = nest(200);
    },
  },
  {
    name: 'facet without _producer',
    path: /^\$\.job\.facets\.custom\._producer$/,
    apply(e) {
      e.job.facets = { custom: { _schemaURL: 'https://x.org/s.json', v: 1 } };
    },
  },
  {
    name: 'schema fields wrong type',
    path: /^\$\.outputs\[0\]\.facets\.schema\.fields$/,
    apply(e) {
      facetsOf(e.outputs[0]!).schema = { ...base, fields: 'a,b' };
    },
  },
  {
    name: 'parent runId invalid',
    path: /^\$\.run\.facets\.parent\.run\.runId$/,
    apply(e) {
      facetsOf(e.run).parent = { ...base, run: { runId: 'x' }, job: { namespace: 'a', name: 'b' } };
    },
  },
  {
    name: 'NUL in a string',
    path: /^\$\.job\.facets\.x\.text$/,
    apply(e) {
      e.job.facets = { x: { ...base, text: 'a\u0000b' } };
    },
  },
  { name: 'not an object', path: /^\$$/, apply: (_e, r) => pick(r, [null, 3, 'event', [], true]) },
];

describe('malformed OpenLineage events', () => {
  it('rejects 10,000 generated malformed events, each with a reason at its path, and stores nothing', {
    timeout: 120_000,
  }, async () => {
    const random = rng(20261121);
    const events: unknown[] = [];
    const expected: { name: string; path: RegExp }[] = [];
    for (let i = 0; i < 10_000; i++) {
      const mutation = mutations[i % mutations.length]!;
      const event = runEvent({
        job: `m${i}`,
        inputs: [{ name: `in${i}` }],
        outputs: [{ name: `out${i}`, fields: ['a'] }],
      }) as unknown as Event;
      const replaced = mutation.apply(event, random);
      events.push(replaced === undefined ? event : replaced);
      expected.push(mutation);
    }
    for (let start = 0; start < events.length; start += 2_500) {
      const chunk = events.slice(start, start + 2_500);
      const res = await app.fetch('/api/v1/lineage/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chunk),
      });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as {
        error: {
          details: {
            stored: number;
            rejected: number;
            results: { index: number; status: string; problems: { path: string; message: string }[] }[];
          };
        };
      };
      expect(error.details.stored).toBe(0);
      expect(error.details.rejected).toBe(chunk.length);
      for (const result of error.details.results) {
        const want = expected[start + result.index]!;
        expect(result.status, want.name).toBe('rejected');
        expect(result.problems.length, want.name).toBeGreaterThan(0);
        expect(
          result.problems.some((p) => want.path.test(p.path) && p.message.length > 0),
          `${want.name}: ${JSON.stringify(result.problems)}`,
        ).toBe(true);
      }
    }
    // One of each kind on the single-event endpoint too, plus truncated gzip bodies.
    for (const [i, mutation] of mutations.entries()) {
      const event = runEvent({ job: `single${i}` }) as unknown as Event;
      event.outputs = [{ namespace: 'x', name: 'y', facets: {} }];
      const replaced = mutation.apply(event, random);
      const res = await app.fetch('/api/v1/lineage', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(replaced === undefined ? event : replaced),
      });
      expect(res.status, mutation.name).toBe(400);
    }
    for (let i = 0; i < 50; i++) {
      const gz = gzipSync(JSON.stringify(runEvent({ job: `gz${i}` })));
      const cut = gz.subarray(0, Math.max(1, Math.floor(gz.length * random())));
      const res = await app.fetch('/api/v1/lineage', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: cut,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/gzip/);
    }
    const tables = [
      'lineage_events',
      'lineage_namespaces',
      'lineage_datasets',
      'lineage_jobs',
      'lineage_runs',
      'lineage_run_io',
      'lineage_job_versions',
      'lineage_edges',
      'lineage_dataset_versions',
      'lineage_column_edges',
    ];
    for (const table of tables) {
      const { rows } = await app.context.db.query(`SELECT count(*)::int AS n FROM ${table}`);
      expect(rows[0]?.n, table).toBe(0);
    }
  });
});
