import { describe, expect, it } from 'vitest';
import { parseConf } from './conf';

describe('parseConf', () => {
  it.each([
    ['', {}],
    ['  \n', {}],
    ['{"date": "2026-12-03", "full": true}', { date: '2026-12-03', full: true }],
  ])('accepts %j', (text, conf) => {
    expect(parseConf(text)).toEqual({ ok: true, conf });
  });

  it.each([
    ['[1, 2]', /JSON object.*not an array/],
    ['null', /JSON object.*not null/],
    ['42', /JSON object.*not a number/],
    ['"text"', /JSON object.*not a string/],
    ['{"a": 1,}', /^Not valid JSON: /],
    ['{a: 1}', /^Not valid JSON: /],
  ])('refuses %j, saying why', (text, message) => {
    const result = parseConf(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
