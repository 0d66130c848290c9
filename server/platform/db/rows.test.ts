import { describe, expect, it } from 'vitest';
import { camelRow } from './rows.ts';

describe('camelRow', () => {
  it('renames snake_case columns to camelCase and keeps the values', () => {
    const at = new Date(0);
    expect(camelRow({ id: 1, browser_hash: 'h', return_to: null, created_at: at, tab_2_id: 'x' })).toEqual({
      id: 1,
      browserHash: 'h',
      returnTo: null,
      createdAt: at,
      tab2Id: 'x',
    });
  });
});
