import { describe, expect, it } from 'vitest';
import { unnest } from './unnest.ts';

describe('unnest over parallel columns', () => {
  it('passes plain columns as one array each and JSON columns as one parameter per row', () => {
    const u = unnest([
      [['a', 'b'], 'text'],
      [['{"x":1}', null], 'json'],
      [[1, 2], 'bigint'],
    ]);
    expect(u.sql).toBe('unnest($1::text[], ARRAY[$2,$3]::json[], $4::bigint[])');
    expect(u.values).toEqual([['a', 'b'], '{"x":1}', null, [1, 2]]);
  });

  it('writes an empty JSON column as an empty typed array', () => {
    expect(unnest([[[], 'jsonb']])).toEqual({ sql: 'unnest(ARRAY[]::jsonb[])', values: [] });
  });

  it('falls back to array parameters past the protocol limit', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => `{"i":${i}}`);
    const u = unnest([[many, 'json']]);
    expect(u.sql).toBe('unnest($1::json[])');
    expect(u.values).toEqual([many]);
  });
});
