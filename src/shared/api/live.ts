import type { LiveMessage } from '@contracts/platform';
import type { QueryClient, QueryKey } from '@tanstack/vue-query';
import { defineStore } from 'pinia';
import { getCurrentScope, onScopeDispose, ref } from 'vue';
import { bootLiveEventId } from './boot';

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'down';
type Handler = (message: LiveMessage) => void;

const HEARTBEAT_TIMEOUT_MS = 45_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The browser's single EventSource. Features subscribe to topics; the connection follows the set of
 * topics, resumes with the last event id, reconnects with backoff, and tells `onReset` listeners
 * to refetch when events were missed.
 */
export const useLiveStore = defineStore('live', () => {
  const status = ref<LiveStatus>('idle');
  const handlers = new Map<string, Set<Handler>>();
  const resetListeners = new Set<() => void>();
  let source: EventSource | null = null;
  // Resuming from the boot data's position replays what changed after the page was built.
  let lastEventId = bootLiveEventId();
  let attempts = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let reopenQueued = false;

  function subscribe(topic: string, handler: Handler): () => void {
    let set = handlers.get(topic);
    if (!set) {
      set = new Set();
      handlers.set(topic, set);
      queueReopen();
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) {
        handlers.delete(topic);
        queueReopen();
      }
    };
  }

  function onReset(listener: () => void): () => void {
    resetListeners.add(listener);
    return () => resetListeners.delete(listener);
  }

  function queueReopen() {
    if (reopenQueued) return;
    reopenQueued = true;
    queueMicrotask(() => {
      reopenQueued = false;
      open();
    });
  }

  function open() {
    close();
    if (handlers.size === 0 || typeof EventSource === 'undefined') {
      status.value = 'idle';
      return;
    }
    const params = new URLSearchParams({ topics: [...handlers.keys()].sort().join(',') });
    if (lastEventId) params.set('lastEventId', lastEventId);
    status.value = 'connecting';
    const es = new EventSource(`/api/events?${params}`);
    source = es;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => reconnectLater(), HEARTBEAT_TIMEOUT_MS);
    };
    es.onopen = () => {
      attempts = 0;
      status.value = 'open';
      alive();
    };
    es.addEventListener('hello', (e) => {
      lastEventId = (e as MessageEvent).lastEventId || lastEventId;
      alive();
    });
    es.addEventListener('heartbeat', alive);
    es.addEventListener('reset', (e) => {
      lastEventId = (e as MessageEvent).lastEventId;
      for (const listener of resetListeners) listener();
    });
    es.addEventListener('shutdown', () => reconnectLater());
    es.addEventListener('message', (e) => {
      alive();
      lastEventId = e.lastEventId || lastEventId;
      const message = JSON.parse(e.data) as LiveMessage;
      for (const handler of handlers.get(message.topic) ?? []) handler(message);
    });
    es.onerror = () => {
      // EventSource retries by itself while CONNECTING; once CLOSED it is our turn.
      status.value = 'down';
      if (es.readyState === EventSource.CLOSED) reconnectLater();
    };
  }

  function reconnectLater() {
    close();
    status.value = 'down';
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts++) * (0.8 + Math.random() * 0.4);
    retryTimer = setTimeout(open, delay);
  }

  function close() {
    clearTimeout(retryTimer);
    clearTimeout(watchdog);
    source?.close();
    source = null;
  }

  return { status, subscribe, onReset };
});

/** Subscribes the calling component (or effect scope) to a topic for its lifetime. */
export function useLive<Event extends LiveMessage>(
  topic: Event['topic'],
  handler: (message: Event) => void,
): void {
  const unsubscribe = useLiveStore().subscribe(topic, handler as Handler);
  if (getCurrentScope()) onScopeDispose(unsubscribe);
}

/**
 * Refetches what a live event changed. TanStack Query folds an invalidation into a first fetch already
 * under way (a query without data yet) and keeps that fetch's answer, which may have been read before the
 * change: such a query is invalidated again once that fetch ends, so the event is not lost to the race.
 */
export function invalidateLive(client: QueryClient, queryKey: QueryKey): void {
  for (const query of client.getQueryCache().findAll({ queryKey, fetchStatus: 'fetching' })) {
    if (query.state.data !== undefined) continue; // TanStack cancels and refetches these itself
    const again = () => void client.invalidateQueries({ queryKey: query.queryKey, exact: true });
    query.promise?.then(again, again);
  }
  void client.invalidateQueries({ queryKey });
}
