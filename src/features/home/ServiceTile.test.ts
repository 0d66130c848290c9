import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, type Pinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { h, ref } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { type TileBadgesByService, useTileBadgesStore } from '@/shared/tile-badges';
import ServiceTile from './ServiceTile.vue';
import { serviceView } from './test/service';

const failing = (count: number): TileBadgesByService =>
  new Map([
    [
      'airflow',
      {
        kind: 'failing-jobs',
        count,
        label: `${count} failing jobs`,
        to: { name: 'jobs', query: { source: 'airflow' } },
        tone: 'danger',
      },
    ],
  ]);

async function showTile(pinia: Pinia, compact = false) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { render: () => h('p') } },
      { path: '/jobs', name: 'jobs', component: { render: () => h('p') } },
    ],
  });
  const wrapper = mount(ServiceTile, {
    props: { service: serviceView('airflow', { name: 'Airflow' }), pinned: false, compact },
    global: { plugins: [pinia, router] },
  });
  await flushPromises();
  return wrapper;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('a service tile', () => {
  it.each([false, true])(
    'says what other features count for it, as a link (compact: %s)',
    async (compact) => {
      const pinia = createPinia();
      useTileBadgesStore(pinia).contribute(failing(2));
      const wrapper = await showTile(pinia, compact);
      const link = wrapper.get('[data-testid="tile-badge-failing-jobs"]');
      expect(link.element.tagName).toBe('A');
      expect(link.text()).toBe('⚠ 2 failing jobs on Airflow');
      expect(link.get('.visually-hidden').text()).toBe('on Airflow');
      expect(link.get('[aria-hidden="true"]').text()).toBe('⚠');
      expect(link.attributes('href')).toBe('/jobs?source=airflow');
    },
  );

  it('shows nothing when the count is zero or nobody counts', async () => {
    const pinia = createPinia();
    const wrapper = await showTile(pinia);
    expect(wrapper.find('.badges').exists()).toBe(false);
    useTileBadgesStore(pinia).contribute(failing(0));
    await flushPromises();
    expect(wrapper.find('.badges').exists()).toBe(false);
  });

  it('follows the count as it changes', async () => {
    const pinia = createPinia();
    const contributed = ref(failing(1));
    useTileBadgesStore(pinia).contribute(contributed);
    const wrapper = await showTile(pinia);
    expect(wrapper.get('[data-testid="tile-badge-failing-jobs"]').text()).toContain('1 failing jobs');
    contributed.value = failing(3);
    await flushPromises();
    expect(wrapper.get('[data-testid="tile-badge-failing-jobs"]').text()).toContain('3 failing jobs');
    contributed.value = failing(0);
    await flushPromises();
    expect(wrapper.find('[data-testid="tile-badge-failing-jobs"]').exists()).toBe(false);
  });
});
