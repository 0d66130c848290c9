import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sqlSection } from './config.ts';

const example = path.join(import.meta.dirname, '../../../labdeck.example.yaml');

describe('sql config', () => {
  it('accepts the documented example', () => {
    const text = readFileSync(example, 'utf8').replaceAll(/\$\{[A-Z_]+\}/g, 'postgres://u:p@db/warehouse');
    const sql = sqlSection.parse(parse(text).sql);
    expect(sql.connections.map((c) => c.id)).toEqual(['trino', 'warehouse']);
    expect(sql.sample.enabled).toBe('auto');
  });

  it('gives defaults when the key is absent', () => {
    expect(sqlSection.parse(undefined)).toMatchObject({
      previewRows: 10_000,
      connections: [],
      sample: { enabled: 'auto' },
    });
  });

  it.each([
    [{ connections: [{ id: 'x', engine: 'mysql', url: 'http://a' }] }, '"engine"'],
    [{ connections: [{ id: 'Bad Id', engine: 'trino', url: 'http://a' }] }, 'lowercase id'],
    [{ connections: [{ id: 'p', engine: 'postgres' }] }, 'either url or host'],
    [
      { connections: [{ id: 't', engine: 'trino', url: 'http://a', auth: { type: 'basic', user: 'u' } }] },
      'password',
    ],
    [{ connections: [{ id: 't', engine: 'trino', url: 'http://a', pasword: 'x' }] }, 'pasword'],
    [
      {
        connections: [
          { id: 'a', engine: 'trino', url: 'http://a' },
          { id: 'a', engine: 'trino', url: 'http://b' },
        ],
      },
      'unique',
    ],
  ])('rejects %j naming the problem', (value, problem) => {
    const result = sqlSection.safeParse(value);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(problem);
  });
});
