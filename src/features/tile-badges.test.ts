// Jobs and Home meet only through the shared tile-badge registry: the jobs feature's shell setup
// contributes, Home's tile reads, and a live jobs event changes the tile.
import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { api } from '@/shared/api/client';
import ServiceTile from './home/ServiceTile.vue';
import { serviceView } from './home/test/service';
import jobs from './jobs';
import { jobBoard, jobView, runView, sourceView } from './jobs/test/fixtures';
import { FakeEventSource, fakeBff, settle } from './jobs/test/mount';

const adapter = api.defaults.adapter;
beforeEach(() => vi.stubGlobal('EventSource', FakeEventSource));
afterEach(() => {
  api.defaults.adapter = adapter;
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

async function showHomeTiles() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/', component: { render: () => h('p') } }, ...jobs.routes],
  });
  const Shell = defineComponent({
    setup() {
      jobs.setup?.();
      return () =>
        ['airflow', 'dagster'].map((id) =>
          h(ServiceTile, { service: serviceView(id, { name: id }), pinned: false, compact: false }),
        );
    },
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = mount(Shell, {
    attachTo: document.body,
    global: { plugins: [createPinia(), router, [VueQueryPlugin, { queryClient }]] },
  });
  await settle();
  return wrapper;
}

describe('failing jobs on Home service tiles', () => {
  it('shows the count the jobs board gives for the service its sources name, and follows it live', async () => {
    let failingOnAirflow = 1;
    const requests = fakeBff({
      'GET /jobs/board': () =>
        jobBoard({
          sources: [
            sourceView('airflow', { service: 'airflow' }),
            sourceView('dagster', { kind: 'dagster', service: 'dagster' }),
          ],
          failing: Array.from({ length: failingOnAirflow }, (_, i) => jobView(`fails_${i}`)),
        }),
    });
    const wrapper = await showHomeTiles();
    const badge = (id: string) =>
      wrapper.find(`[data-testid="service-${id}"] [data-testid="tile-badge-failing-jobs"]`);
    expect(badge('airflow').text()).toBe('⚠ 1 failing job on airflow');
    expect(badge('airflow').attributes('href')).toBe('/jobs?source=airflow');
    expect(badge('dagster').exists()).toBe(false);

    failingOnAirflow = 2;
    FakeEventSource.last!.emit({
      topic: 'jobs',
      type: 'runs',
      data: [runView('fails_1', 'r1', { state: 'failed' })],
    });
    await settle();
    expect(badge('airflow').text()).toContain('2 failing jobs');

    failingOnAirflow = 0;
    FakeEventSource.last!.emit({ topic: 'jobs', type: 'runs', data: [runView('fails_1', 'r2')] });
    await settle();
    expect(requests.filter((r) => r.url === '/jobs/board')).toHaveLength(3);
    expect(badge('airflow').exists()).toBe(false);
  });
});
