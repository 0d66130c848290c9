import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, type Ref } from 'vue';
import { DENSITY_COOKIE, type Density, useDensity } from './preferences';

function withDensity(): Ref<Density> {
  let density: Ref<Density> | undefined;
  mount(
    defineComponent({
      setup() {
        density = useDensity();
        return () => h('div');
      },
    }),
  );
  return density!;
}

const cookie = () => new RegExp(`${DENSITY_COOKIE}=(\\w+)`).exec(document.cookie)?.[1];

describe('tile density', () => {
  afterEach(() => {
    localStorage.clear();
    // biome-ignore lint/suspicious/noDocumentCookie: clearing the test's cookie
    document.cookie = `${DENSITY_COOKIE}=; Max-Age=0; Path=/`;
  });

  it('is remembered in local storage and mirrored into the cookie the server render reads', async () => {
    const density = withDensity();
    expect(density.value).toBe('comfortable');
    density.value = 'compact';
    await nextTick();
    expect(localStorage.getItem('labdeck.home.density')).toBe('compact');
    expect(cookie()).toBe('compact');
  });

  it('copies a choice made before the cookie existed into it, and falls back to the cookie', () => {
    localStorage.setItem('labdeck.home.density', 'compact');
    expect(withDensity().value).toBe('compact');
    expect(cookie()).toBe('compact');
    localStorage.clear();
    expect(withDensity().value).toBe('compact');
  });
});
