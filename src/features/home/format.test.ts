import { describe, expect, it } from 'vitest';
import { dateTime } from './format';

describe('dateTime', () => {
  it.each(['2026-01-02T03:04:05Z', '2026-11-22T23:59:59.999Z', '1999-12-31T00:00:00+02:00'])(
    'shows %s as Date#toLocaleString() does',
    (iso) => {
      expect(dateTime(iso)).toBe(new Date(iso).toLocaleString());
    },
  );
});
