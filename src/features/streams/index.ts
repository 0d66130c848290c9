import { defineFeature } from '../types';

export default defineFeature({
  id: 'streams',
  title: 'Streams',
  navPath: '/streams',
  icon: 'streams',
  keywords: ['kafka', 'topics', 'consumer lag'],
  routes: [{ path: '/streams', name: 'streams', component: () => import('./StreamsPage.vue'), meta: { title: 'Streams' } }],
});
