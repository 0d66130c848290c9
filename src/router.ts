import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { features } from './features';

const notFound: RouteRecordRaw = {
  path: '/:pathMatch(.*)*',
  name: 'not-found',
  component: () => import('./shared/layout/NotFoundPage.vue'),
  meta: { title: 'Not found' },
};

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes: [...features.flatMap((feature) => feature.routes), notFound],
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });
  router.afterEach((to) => {
    const title = to.meta.title as string | undefined;
    document.title = title ? `${title} · Labdeck` : 'Labdeck';
  });
  return router;
}
