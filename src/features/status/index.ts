import { defineFeature } from '../types';

/** The lab's wall screen: every service, failing first, no chrome. Out of the navigation on purpose. */
export default defineFeature({
  id: 'status',
  title: 'Status wall',
  icon: 'home',
  keywords: ['wall', 'tv', 'status'],
  routes: [
    {
      path: '/status',
      name: 'status',
      component: () => import('./StatusPage.vue'),
      meta: { title: 'Status', bare: true },
    },
  ],
});
