import { describe, expect, it } from 'vitest';
import { applyParams, paramNames, positionAt, splitStatements, statementAt } from './statements';

describe('splitStatements', () => {
  it.each([
    ['select 1; select 2;', ['select 1', 'select 2']],
    ["select ';' as s; select 2", ["select ';' as s", 'select 2']],
    ['select "a;b" from t', ['select "a;b" from t']],
    ['-- c;\nselect 1 /* ; */', ['-- c;\nselect 1 /* ; */']],
    ['select $$a;b$$; select 2', ['select $$a;b$$', 'select 2']],
    ["select 'it''s;'", ["select 'it''s;'"]],
    [';;  ; -- only a comment', []],
  ])('%j', (sql, expected) => {
    expect(splitStatements(sql).map((s) => s.text)).toEqual(expected);
  });

  it('keeps ranges into the original text', () => {
    const sql = 'select 1;\n\n  select 2';
    const [, second] = splitStatements(sql);
    expect(sql.slice(second!.start, second!.end)).toBe('select 2');
  });
});

describe('statementAt', () => {
  const sql = 'select 1;\nselect 2;\nselect 3';
  it.each([
    [0, 'select 1'],
    [12, 'select 2'],
    [19, 'select 2'],
    [sql.length, 'select 3'],
  ])('offset %i', (offset, text) => expect(statementAt(sql, offset)?.text).toBe(text));
});

describe('parameters', () => {
  it('finds and fills {{name}} placeholders', () => {
    const sql = 'select * from t where a = {{ a }} and b = {{b}} or a = {{a}}';
    expect(paramNames(sql)).toEqual(['a', 'b']);
    expect(applyParams(sql, { a: '1', b: "'x'" })).toBe("select * from t where a = 1 and b = 'x' or a = 1");
  });
});

it('positionAt gives 1-based line and column', () => {
  expect(positionAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  expect(positionAt('ab', 0)).toEqual({ line: 1, column: 1 });
});
