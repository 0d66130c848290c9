import type { RecentJobs } from '@contracts/lineage';
import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { flushPromises, mount } from '@vue/test-utils';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { createPinia } from 'pinia';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { api } from '@/shared/api/client';
import LineagePage from '../LineagePage.vue';

/** The live store's EventSource: silent here. */
class QuietEventSource {
  static readonly CLOSED = 2;
  readyState = 0;
  addEventListener() {}
  close() {}
}

const adapter = api.defaults.adapter;
/** The layout worker: never answers (this test stops at the route change). */
class QuietWorker {
  onmessage = null;
  postMessage() {}
  terminate() {}
}

beforeEach(() => {
  vi.stubGlobal('EventSource', QuietEventSource);
  vi.stubGlobal('Worker', QuietWorker);
});
afterEach(() => {
  api.defaults.adapter = adapter;
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const XSS = '<img src=x onerror="window.pwned=1">';
const recent: RecentJobs = {
  jobs: [
    {
      id: 'job:airflow:shop_pipeline.run_dbt',
      kind: 'job',
      namespace: 'airflow',
      name: 'shop_pipeline.run_dbt',
      state: 'RUNNING',
      stateTime: '2026-12-03T14:35:20.000Z',
    },
    {
      id: `job:dbt:${XSS}`,
      kind: 'job',
      namespace: 'dbt',
      name: XSS,
      state: 'FAILED',
      stateTime: '2026-12-03T14:30:00.000Z',
    },
  ],
};

/** Answers the Lineage page's GETs; every other request fails the test. */
function fakeBff(jobs: RecentJobs): string[] {
  const asked: string[] = [];
  api.defaults.adapter = (async (config: InternalAxiosRequestConfig) => {
    asked.push(`${config.url} ${JSON.stringify(config.params ?? {})}`);
    const answers: Record<string, unknown> = {
      '/lineage/recent': jobs,
      '/lineage/range': { first: null, last: null },
      '/lineage': { nodes: [], edges: [], asOf: null },
      '/lineage/node': {
        id: 'job:airflow:shop_pipeline.run_dbt',
        kind: 'job',
        namespace: 'airflow',
        name: 'shop_pipeline.run_dbt',
        versions: 1,
        state: 'RUNNING',
        facets: {},
        sql: null,
        runs: [],
        inputs: [],
        outputs: [],
        links: [],
      },
    };
    if (!(config.url! in answers)) throw new Error(`unexpected request ${config.url}`);
    return { data: answers[config.url!], status: 200, statusText: 'OK', headers: {}, config };
  }) as AxiosAdapter;
  return asked;
}

async function showLineage() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/lineage', component: LineagePage }],
  });
  await router.push('/lineage');
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = mount(
    { template: '<RouterView />' },
    {
      global: { plugins: [router, createPinia(), [VueQueryPlugin, { queryClient }]] },
      attachTo: document.body,
    },
  );
  await flushPromises();
  return { wrapper, router };
}

it('lists the recently active jobs under the empty state; a click opens a job graph', async () => {
  const asked = fakeBff(recent);
  const { wrapper, router } = await showLineage();
  expect(wrapper.text()).toContain('Pick a job or dataset');
  const items = wrapper.findAll('[data-testid=recent-jobs] li');
  expect(items.map((item) => item.attributes('data-node-id'))).toEqual(recent.jobs.map((job) => job.id));
  expect(items[0]!.text()).toContain('shop_pipeline.run_dbt');
  expect(items[0]!.find('.state').text()).toBe('running');
  expect(items[1]!.find('.state').text()).toBe('failed');
  // A name is text, never markup.
  expect(items[1]!.find('a').text()).toBe(XSS);
  expect(document.querySelector('img[src=x]')).toBeNull();
  expect(asked).toContain('/lineage/recent {"limit":8}');

  await items[0]!.find('a').trigger('click');
  await flushPromises();
  expect(router.currentRoute.value.query.node).toBe('job:airflow:shop_pipeline.run_dbt');
  expect(
    asked.some((request) => request.startsWith('/lineage {"nodeId":"job:airflow:shop_pipeline.run_dbt"')),
  ).toBe(true);
  wrapper.unmount();
});

it('shows no list while no job has run', async () => {
  fakeBff({ jobs: [] });
  const { wrapper } = await showLineage();
  expect(wrapper.text()).toContain('Pick a job or dataset');
  expect(wrapper.find('[data-testid=recent-jobs]').exists()).toBe(false);
  expect(wrapper.text()).not.toContain('Recently active jobs');
  wrapper.unmount();
});
