import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lineageSection } from './config.ts';

const example = path.join(import.meta.dirname, '../../../labdeck.example.yaml');

describe('lineage config', () => {
  it('accepts the documented example', () => {
    const text = readFileSync(example, 'utf8').replaceAll(/\$\{[A-Z_]+\}/g, 'a-long-enough-secret');
    const lineage = lineageSection.parse(parse(text).lineage);
    expect(lineage.ingest).toMatchObject({ bodyLimit: '20mb', maxBatch: 10_000 });
    expect(lineage.ingest.keys.map((k) => k.producer)).toEqual(['dbt', 'airflow']);
    expect(lineage.kafka).toMatchObject({ enabled: false, topic: 'openlineage', groupId: 'labdeck-lineage' });
  });

  it('gives defaults when the section is absent', () => {
    const lineage = lineageSection.parse(undefined);
    expect(lineage.ingest).toEqual({ bodyLimit: '20mb', maxBatch: 10_000, keys: [] });
    expect(lineage.graph).toEqual({ pageSize: 50, maxDepth: 20, maxNodes: 2_000 });
  });

  it.each([
    [{ ingest: { keys: [{ producer: 'dbt', key: 'short' }] } }, 'ingest.keys.0.key'],
    [{ ingest: { bodyLimit: '1gb' } }, 'ingest.bodyLimit'],
    [{ ingest: { unknown: true } }, 'ingest'],
    [{ kafka: { brokers: ['no-port'] } }, 'kafka.brokers.0'],
  ])('rejects %j at %s', (value, where) => {
    const result = lineageSection.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(where);
  });
});
