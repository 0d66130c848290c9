import { defineFeature } from '../types';

export default defineFeature({
  id: 'lineage',
  title: 'Lineage',
  navPath: '/lineage',
  icon: 'lineage',
  keywords: ['openlineage', 'graph', 'datasets'],
  routes: [
    {
      path: '/lineage',
      name: 'lineage',
      component: () => import('./LineagePage.vue'),
      meta: { title: 'Lineage' },
    },
  ],
});
