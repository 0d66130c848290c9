import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import { api } from '../api/client';
import PanelBoundary from './PanelBoundary.vue';

/** A child that throws while rendering as long as `broken` is true, and counts its setups. */
function flakyChild() {
  const broken = ref(true);
  const setups = ref(0);
  const Child = defineComponent({
    name: 'FlakyChart',
    setup() {
      setups.value++;
      return () => {
        if (broken.value) throw new Error('series is undefined');
        return h('p', { class: 'chart' }, 'chart drawn');
      };
    },
  });
  return { Child, broken, setups };
}

function mountInPage(Child: ReturnType<typeof defineComponent>) {
  return mount(() =>
    h('main', [
      h(PanelBoundary, { name: 'Lag chart' }, () => h(Child)),
      h('p', { class: 'sibling' }, 'still here'),
    ]),
  );
}

afterEach(() => vi.restoreAllMocks());

describe('PanelBoundary', () => {
  it('shows the failure in place of the panel, keeps the page and re-mounts the panel on Retry', async () => {
    const post = vi.spyOn(api, 'post').mockResolvedValue({ status: 204 });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { Child, broken, setups } = flakyChild();
    const page = mountInPage(Child);
    await flushPromises();

    const fallback = page.get('[data-testid="panel-failed"]');
    expect(fallback.attributes('role')).toBe('alert');
    expect(fallback.text()).toContain('This panel failed: series is undefined');
    const button = fallback.get('button');
    expect(button.text()).toBe('Retry');
    expect(page.get(`#${button.attributes('aria-describedby')}`).text()).toContain('series is undefined');
    expect(page.get('.sibling').text()).toBe('still here');
    expect(setups.value).toBe(1);

    broken.value = false;
    await button.trigger('click');
    expect(page.find('[data-testid="panel-failed"]').exists()).toBe(false);
    expect(page.get('.chart').text()).toBe('chart drawn');
    expect(setups.value).toBe(2);
    expect(post).toHaveBeenCalledTimes(1);
  });

  it('reports the caught error once to the BFF through the shared client', async () => {
    const post = vi.spyOn(api, 'post').mockResolvedValue({ status: 204 });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    window.history.replaceState(null, '', '/streams/lab/groups/billing');
    mountInPage(flakyChild().Child);
    await flushPromises();

    expect(post).toHaveBeenCalledTimes(1);
    expect(post).toHaveBeenCalledWith('/client-errors', {
      message: 'series is undefined',
      component: 'FlakyChart',
      panel: 'Lag chart',
      route: '/streams/lab/groups/billing',
      stack: expect.stringContaining('series is undefined'),
    });
  });

  it('keeps the page working when the report cannot be sent', async () => {
    vi.spyOn(api, 'post').mockRejectedValue(new Error('Labdeck is not reachable'));
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const page = mountInPage(flakyChild().Child);
    await flushPromises();
    expect(page.get('[data-testid="panel-failed"]').text()).toContain('series is undefined');
  });
});
