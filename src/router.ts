import { createRouter, type RouteRecordRaw, type RouterHistory } from 'vue-router';
import { features } from './features';

const notFound: RouteRecordRaw = {
  path: '/:pathMatch(.*)*',
  name: 'not-found',
  component: () => import('./shared/layout/NotFoundPage.vue'),
  meta: { title: 'Not found' },
};

export function createAppRouter(history: RouterHistory) {
  const router = createRouter({
    history,
    routes: [...features.flatMap((feature) => feature.routes), notFound],
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });
  router.afterEach((to) => {
    if (typeof document === 'undefined') return; // rendering on the server
    const title = to.meta.title as string | undefined;
    document.title = title ? `${title} · Labdeck` : 'Labdeck';
  });
  return router;
}
