// Mounts the Jobs routes as the shell does (feature setup and nav badge run), against a fake BFF.

import type { LiveMessage } from '@contracts/platform';
import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { flushPromises, mount } from '@vue/test-utils';
import { type AxiosAdapter, AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { createPinia } from 'pinia';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { api } from '@/shared/api/client';
import jobs from '../index';

export interface FakeRequest {
  method: string;
  url: string;
  params: unknown;
  body: unknown;
}

/** The one EventSource the live store opens (stub it as the global); `emit` delivers a message as the BFF would. */
export class FakeEventSource {
  static readonly CLOSED = 2;
  static last: FakeEventSource | null = null;
  readyState = 0;
  private listeners = new Map<string, (event: MessageEvent) => void>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, listener);
  }
  close() {}
  emit(message: LiveMessage) {
    this.listeners.get('message')?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }
}

type Answer = unknown | ((request: FakeRequest) => unknown);

/** Answers by `METHOD url` (`GET /jobs/board`); a thrown `{status, message}` becomes the BFF's error shape. */
export function fakeBff(answers: Record<string, Answer>): FakeRequest[] {
  const requests: FakeRequest[] = [];
  api.defaults.adapter = (async (config: InternalAxiosRequestConfig) => {
    const request = {
      method: (config.method ?? 'get').toUpperCase(),
      url: String(config.url),
      params: config.params,
      body: config.data ? JSON.parse(String(config.data)) : undefined,
    };
    requests.push(request);
    const key = `${request.method} ${request.url}`;
    if (!(key in answers)) throw new Error(`unexpected request ${key}`);
    const answer = answers[key];
    try {
      const data = typeof answer === 'function' ? (answer as (r: FakeRequest) => unknown)(request) : answer;
      return { data, status: data === undefined ? 204 : 200, statusText: 'OK', headers: {}, config };
    } catch (failure) {
      const { status, message } = failure as { status: number; message: string };
      const response = {
        data: { error: { code: 'refused', message } },
        status,
        statusText: '',
        headers: {},
        config,
      };
      throw new AxiosError(message, 'ERR', config, null, response);
    }
  }) as AxiosAdapter;
  return requests;
}

/** The app at `path`: the Jobs routes, a stand-in Lineage route, the nav badge's words in `[data-testid=badge]`. */
export async function showJobs(path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [...jobs.routes, { path: '/lineage', component: { render: () => h('p', 'lineage') } }],
  });
  await router.push(path);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const Shell = defineComponent({
    setup() {
      jobs.setup?.();
      const badge = jobs.navBadge!();
      return () => h('div', [h('span', { 'data-testid': 'badge' }, badge.value?.label ?? ''), h(RouterView)]);
    },
  });
  const wrapper = mount(Shell, {
    attachTo: document.body,
    global: { plugins: [createPinia(), router, [VueQueryPlugin, { queryClient }]] },
  });
  await settle();
  return { wrapper, router };
}

/** Lets lazy routes load and queries answer. */
export async function settle() {
  for (let i = 0; i < 5; i++) {
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
