import { describe, expect, it } from 'vitest';
import { render } from './decode';

const b64 = (text: string | number[]) => btoa(typeof text === 'string' ? text : String.fromCharCode(...text));

describe('render', () => {
  it.each([
    { value: b64('{"a":1}'), mode: 'auto', expected: { mode: 'json', text: '{\n  "a": 1\n}' } },
    { value: b64('hello'), mode: 'auto', expected: { mode: 'text', text: 'hello' } },
    { value: b64([0xff, 0x00, 0x10]), mode: 'auto', expected: { mode: 'hex', text: 'ff 00 10' } },
    { value: b64('hello'), mode: 'hex', expected: { mode: 'hex', text: '68 65 6c 6c 6f' } },
    { value: b64('not json'), mode: 'json', expected: { mode: 'text', text: 'not json' } },
    { value: null, mode: 'auto', expected: { mode: 'text', text: '(null)' } },
  ] as const)('$mode', ({ value, mode, expected }) => {
    expect(render(value, mode)).toEqual(expected);
  });
});
