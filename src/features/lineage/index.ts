import { defineFeature } from '../types';

export default defineFeature({
  id: 'lineage',
  title: 'Lineage',
  navPath: '/lineage',
  icon: 'lineage',
  keywords: ['openlineage', 'graph', 'datasets'],
  page: () => import('./LineagePage.vue'),
});
