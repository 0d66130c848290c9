import { defineFeature } from '../types';

export default defineFeature({
  id: 'sql',
  title: 'SQL',
  navPath: '/sql',
  icon: 'sql',
  keywords: ['query', 'trino', 'postgres', 'editor'],
  page: () => import('./SqlPage.vue'),
});
