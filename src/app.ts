import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { createPinia } from 'pinia';
import { createApp, type App as VueApp } from 'vue';
import type { Router, RouterHistory } from 'vue-router';
import App from './App.vue';
import { createAppRouter } from './router';
import { invalidateLive, useLiveStore } from './shared/api/live';

export interface Labdeck {
  app: VueApp;
  router: Router;
  queryClient: QueryClient;
}

/**
 * The SPA with its plugins: one per page load in the browser (src/main.ts), one per request on the
 * server (src/entry-server.ts renders the first screen of a page into index.html).
 */
export function createLabdeck(history: RouterHistory): Labdeck {
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (count, error) => count < 2 && (error as { status?: number }).status !== 404,
      },
    },
  });
  const app = createApp(App);
  const pinia = createPinia();
  const router = createAppRouter(history);
  app.use(pinia);
  app.use(router);
  app.use(VueQueryPlugin, { queryClient });
  // Events were missed (BFF restarted, long disconnect): everything live is refetched.
  useLiveStore(pinia).onReset(() => invalidateLive(queryClient, []));
  return { app, router, queryClient };
}
