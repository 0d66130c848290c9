import { defineFeature } from '../types';

export default defineFeature({
  id: 'sql',
  title: 'SQL',
  navPath: '/sql',
  icon: 'sql',
  keywords: ['query', 'trino', 'postgres', 'editor'],
  routes: [{ path: '/sql', name: 'sql', component: () => import('./SqlPage.vue'), meta: { title: 'SQL' } }],
});
