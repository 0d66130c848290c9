import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createAppRouter } from './router';
import { useLiveStore } from './shared/api/live';
import './shared/styles/base.css';

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
app.use(pinia);
app.use(createAppRouter());
app.use(VueQueryPlugin, { queryClient });
// Events were missed (BFF restarted, long disconnect): everything live is refetched.
useLiveStore(pinia).onReset(() => queryClient.invalidateQueries());
app.mount('#app');
