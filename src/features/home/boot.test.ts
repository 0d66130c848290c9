import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { flushPromises, mount } from '@vue/test-utils';
import type { AxiosAdapter } from 'axios';
import { createPinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BOOT_ELEMENT_ID, resetBootData, takeBootAnswer } from '@/shared/api/boot';
import { api } from '@/shared/api/client';
import HomePage from './HomePage.vue';
import { serviceView } from './test/service';

const service = (id: string, name: string) =>
  serviceView(id, {
    name,
    url: `https://${id}.lab/`,
    description: 'Ends </script> here',
    since: '2026-01-02T03:04:05Z',
    lastCheck: '2026-01-02T03:04:05Z',
    latencyMs: 12,
    uptime24h: 100,
    uptime7d: 100,
  });

/** index.html as the BFF writes it: the JSON with every `<` escaped. */
function putBootBlock(document: unknown) {
  const element = window.document.createElement('script');
  element.type = 'application/json';
  element.id = BOOT_ELEMENT_ID;
  element.textContent = JSON.stringify(document).replace(/</g, '\\u003c');
  window.document.head.append(element);
}

const boot = {
  liveEventId: 'a1b2c3d4.41',
  api: {
    '/session': {
      authMode: 'proxy',
      user: { id: 'ana', name: 'Ana', roles: ['analyst'] },
      providers: [],
      session: null,
    },
    '/services': {
      version: 3,
      warnings: [],
      groups: [
        { name: 'Data', collapsed: false, services: [service('trino', 'Trino'), service('kafka', 'Kafka')] },
      ],
    },
    '/services/favourites': { ids: ['kafka'] },
  },
};

class FakeEventSource {
  static urls: string[] = [];
  static readonly CLOSED = 2;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(url: string) {
    FakeEventSource.urls.push(url);
  }
  addEventListener() {}
  close() {}
}

describe('boot data', () => {
  const requests: string[] = [];
  const adapter = api.defaults.adapter;

  beforeEach(() => {
    resetBootData();
    requests.length = 0;
    FakeEventSource.urls = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    api.defaults.adapter = (async (config) => {
      requests.push(String(config.url));
      throw new Error(`unexpected request ${config.url}`);
    }) as AxiosAdapter;
  });
  afterEach(() => {
    api.defaults.adapter = adapter;
    vi.unstubAllGlobals();
    document.getElementById(BOOT_ELEMENT_ID)?.remove();
    resetBootData();
  });

  it('gives each answer once and nothing when the block is missing or damaged', () => {
    putBootBlock({ liveEventId: 'x.1', api: { '/a': { n: 1 } } });
    expect(takeBootAnswer('/a')).toEqual({ n: 1 });
    expect(takeBootAnswer('/a')).toBeUndefined();
    resetBootData();
    expect(takeBootAnswer('/a')).toBeUndefined();
    const broken = document.createElement('script');
    broken.id = BOOT_ELEMENT_ID;
    broken.textContent = '{"api": {';
    document.head.append(broken);
    expect(takeBootAnswer('/a')).toBeUndefined();
  });

  it('paints Home from the boot data without a request and listens from its live position', async () => {
    putBootBlock(boot);
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = mount(HomePage, {
      global: { plugins: [createPinia(), [VueQueryPlugin, { queryClient }]], stubs: { RouterLink: true } },
    });
    await flushPromises();
    expect(wrapper.findAll('article.tile').map((tile) => tile.attributes('data-testid'))).toEqual([
      'service-kafka', // pinned: the favourites came with the page too
      'service-trino',
      'service-kafka',
    ]);
    expect(wrapper.text()).toContain('Ends </script> here');
    expect(requests).toEqual([]);
    expect(FakeEventSource.urls).toEqual(['/api/events?topics=services&lastEventId=a1b2c3d4.41']);
    wrapper.unmount();
    queryClient.clear();
  });

  it('fetches as before when the page has no boot data', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = mount(HomePage, {
      global: { plugins: [createPinia(), [VueQueryPlugin, { queryClient }]], stubs: { RouterLink: true } },
    });
    await flushPromises();
    expect(requests).toEqual(expect.arrayContaining(['/services', '/services/favourites', '/session']));
    expect(wrapper.find('article.tile').exists()).toBe(false);
    wrapper.unmount();
    queryClient.clear();
  });
});
