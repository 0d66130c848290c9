import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { flushPromises, mount } from '@vue/test-utils';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { createPinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Component, defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { api } from '@/shared/api/client';
import GroupTable from './components/GroupTable.vue';
import TopicTable from './components/TopicTable.vue';
import GroupPage from './GroupPage.vue';
import streams from './index';
import TopicPage from './TopicPage.vue';
import type { ClusterRef, GroupDetail, TopicDetail, TopicSummary } from './types';

// echarts needs a real layout engine: the chart here only says what it was given.
vi.mock('@/shared/ui/time-chart', () => ({
  TimeChart: defineComponent({
    props: ['rows', 'label'],
    setup: (props) => () =>
      h('figure', { 'data-testid': 'chart' }, `${props.label}: ${props.rows.length} points`),
  }),
}));

class FakeEventSource {
  static readonly CLOSED = 2;
  readyState = 0;
  addEventListener() {}
  close() {}
}

const cluster = (status: ClusterRef['status'] = 'up'): ClusterRef => ({
  id: 'lab',
  status,
  sampledAt: Date.now() - 3_000,
  intervalMs: 5_000,
});
const topic = (name: string): TopicSummary => ({
  name,
  internal: false,
  partitions: 3,
  replicationFactor: 1,
  underReplicated: 0,
  offline: 0,
  rate: 12.5,
  rate1m: 10,
  bytesRate: 2048,
  bytesRateReadyAt: null,
  size: 4096,
  messages: 1500,
  spark: [1, 2, 3],
});
const group: GroupDetail['group'] = {
  id: 'billing/eu',
  state: 'Stable',
  members: [{ id: 'm1', clientId: 'billing-1', host: '/10.0.0.7', partitions: 3 }],
  topics: ['orders'],
  totalLag: 4200,
  lagSeconds: 21,
  consumeRate: 200,
  status: 'WARN',
  spark: [1, 2],
  parts: [],
};

/** The BFF as the pages see it: answers by URL, every request kept with its params. */
function fakeBff(answers: Record<string, unknown | (() => unknown)>) {
  const requests: Array<{ url: string; params: unknown }> = [];
  api.defaults.adapter = (async (config: InternalAxiosRequestConfig) => {
    const url = String(config.url);
    requests.push({ url, params: config.params });
    if (!(url in answers)) throw new Error(`unexpected request ${url}`);
    const answer = answers[url];
    const data = typeof answer === 'function' ? answer() : answer;
    return { data, status: 200, statusText: 'OK', headers: {}, config };
  }) as AxiosAdapter;
  return requests;
}

async function show(component: Component, props: Record<string, unknown>) {
  const router = createRouter({ history: createMemoryHistory(), routes: streams.routes });
  await router.push('/streams');
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = mount(component, {
    props,
    global: { plugins: [createPinia(), router, [VueQueryPlugin, { queryClient }]] },
  });
  await flushPromises();
  return wrapper;
}

const adapter = api.defaults.adapter;
beforeEach(() => vi.stubGlobal('EventSource', FakeEventSource));
afterEach(() => {
  api.defaults.adapter = adapter;
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('topic and group tables', () => {
  it('asks for the first rows by rate, then searches after typing pauses and sorts names A→Z', async () => {
    const requests = fakeBff({
      '/streams/clusters/lab/topics': () => ({
        cluster: cluster(),
        total: 2,
        topics: [topic('orders'), topic('payments')],
      }),
    });
    const table = await show(TopicTable, { cluster: 'lab', stale: false });
    expect(requests.at(-1)?.params).toEqual({ q: '', sort: 'rate', order: 'desc', limit: 200 });
    expect(table.findAll('[data-topic]').map((row) => row.attributes('data-topic'))).toEqual([
      'orders',
      'payments',
    ]);
    expect(table.get('[data-topic="orders"] a').attributes('href')).toBe('/streams/lab/topics/orders');

    vi.useFakeTimers();
    await table.get('input[type="search"]').setValue('  ord ');
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    await table.get('select').setValue('name');
    await vi.advanceTimersByTimeAsync(0);
    expect(requests.map((r) => r.params)).toEqual([
      { q: '', sort: 'rate', order: 'desc', limit: 200 },
      { q: 'ord', sort: 'rate', order: 'desc', limit: 200 },
      { q: 'ord', sort: 'name', order: 'asc', limit: 200 },
    ]);
    expect(table.get('button[aria-label^="Order"]').text()).toContain('ascending');
  });

  it('shows a failed list with a retry that asks again', async () => {
    let fail = true;
    const requests = fakeBff({
      '/streams/clusters/lab/groups': () => {
        if (fail) throw new Error('Kafka admin timed out');
        return { cluster: cluster(), total: 1, groups: [group] };
      },
    });
    const table = await show(GroupTable, { cluster: 'lab', stale: false });
    expect(requests[0]?.params).toEqual({ q: '', sort: 'status', order: 'desc', limit: 200 });
    expect(table.get('[role="alert"]').text()).toContain('Kafka admin timed out');
    fail = false;
    await table.get('[role="alert"] button').trigger('click');
    await flushPromises();
    expect(table.get('[data-testid="group-lag"]').text()).toBe('4,200');
  });
});

describe('topic and group pages', () => {
  it('shows a group: figures, lag chart of the chosen range, members, the cluster-down note', async () => {
    const requests = fakeBff({
      '/streams/clusters/lab/groups/billing%2Feu': { cluster: cluster('down'), group },
      '/streams/clusters/lab/groups/billing%2Feu/series': {
        range: '5m',
        resolutionMs: 5000,
        points: [
          [1, 2],
          [2, 3],
        ],
      },
    });
    const page = await show(GroupPage, { cluster: 'lab', group: 'billing/eu' });
    expect(page.get('h1').text()).toBe('billing/eu');
    expect(page.get('[data-testid="detail-lag"]').text()).toBe('4,200');
    expect(page.get('.tiles').classes()).toContain('stale');
    expect(page.get('[role="status"]').text()).toContain('The cluster is down');
    expect(page.get('[data-testid="chart"]').text()).toBe('Total lag of billing/eu over 5m: 2 points');
    expect(page.text()).toContain('billing-1');
    expect(requests.find((r) => r.url.endsWith('/series'))?.params).toEqual({ range: '5m' });
  });

  it('shows a topic with its readers and configuration, and says when it cannot be loaded', async () => {
    const detail: TopicDetail = {
      cluster: cluster(),
      topic: { ...topic('orders'), parts: [] },
      groups: [{ id: 'billing/eu', state: 'Stable', status: 'OK', lag: 3 }],
    };
    fakeBff({
      '/session': {
        authMode: 'none',
        user: { id: 'local', name: 'local', roles: ['admin'] },
        providers: [],
        session: null,
      },
      '/streams/clusters/lab/topics/orders': detail,
      '/streams/clusters/lab/topics/orders/series': { range: '5m', resolutionMs: 5000, points: [[1, 2, 3]] },
      '/streams/clusters/lab/topics/orders/configs': { configs: [] },
    });
    const page = await show(TopicPage, { cluster: 'lab', topic: 'orders' });
    expect(page.get('[data-testid="detail-rate"]').text()).toBe('13');
    expect(page.find('[role="status"]').exists()).toBe(false);
    expect(page.get('section[aria-labelledby="readers"]').text()).toContain('billing/eu');
    expect(page.find('#peek').exists()).toBe(true);

    fakeBff({});
    const missing = await show(TopicPage, { cluster: 'lab', topic: 'gone' });
    expect(missing.get('[role="alert"]').text()).toContain('Could not load the topic');
  });
});
