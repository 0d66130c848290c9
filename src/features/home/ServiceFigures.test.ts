import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import ServiceFigures from './ServiceFigures.vue';
import ServiceTile from './ServiceTile.vue';
import { serviceView } from './test/service';

const connect = serviceView('connect', {
  name: 'Kafka Connect',
  kind: 'kafka-connect',
  status: 'degraded',
  figures: [
    { label: 'connectors', value: 12 },
    { label: 'failed tasks', value: 1, tone: 'danger' },
    { label: 'failed connectors', value: 0 },
    { label: 'running connectors', value: 1200 },
  ],
});

async function tile(compact: boolean) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/', component: { render: () => h('p') } }],
  });
  const wrapper = mount(ServiceTile, {
    props: { service: connect, pinned: false, compact },
    global: { plugins: [createPinia(), router] },
  });
  await flushPromises();
  return wrapper;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('key figures', () => {
  it('shows the first two on a tile, a bad one marked in words and colour', async () => {
    const figures = (await tile(false)).get('[data-testid="service-figures"]');
    expect(figures.findAll('.figure').map((f) => f.text())).toEqual(['12 connectors', '⚠1 failed tasks']);
    const failed = figures.findAll('.figure')[1]!;
    expect(failed.classes()).toContain('danger');
    expect(failed.get('[aria-hidden="true"]').text()).toBe('⚠');
  });

  it('leaves them off the compact tile', async () => {
    expect((await tile(true)).find('[data-testid="service-figures"]').exists()).toBe(false);
  });

  it('lists all of them in the drawer as terms and values', () => {
    const wrapper = mount(ServiceFigures, { props: { figures: connect.figures, layout: 'drawer' } });
    const terms = wrapper.findAll('dt').map((dt) => dt.text());
    const values = wrapper.findAll('dd').map((dd) => dd.text());
    expect(terms).toEqual(['Connectors', 'Failed tasks', 'Failed connectors', 'Running connectors']);
    expect(values).toEqual(['12', '⚠1', '0', (1200).toLocaleString()]);
  });

  it('renders nothing without figures', () => {
    for (const layout of ['tile', 'drawer'] as const)
      expect(mount(ServiceFigures, { props: { figures: [], layout } }).html()).toBe('<!--v-if-->');
  });
});
