import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import BytesRate from './BytesRate.vue';

describe('BytesRate', () => {
  it.each([
    [{ rate: 2048, readyAt: null, sampledAt: 1_000 }, '2.0 KB'],
    [{ rate: null, readyAt: 26_000, sampledAt: 1_000 }, 'measuring… ~25 s'],
    [{ rate: null, readyAt: null, sampledAt: 1_000 }, '–'],
  ])('shows %o as %s', (props, text) => {
    expect(mount(BytesRate, { props }).text()).toBe(text);
  });
});
