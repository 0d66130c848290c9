import { defineFeature } from '../types';

export default defineFeature({
  id: 'jobs',
  title: 'Jobs',
  navPath: '/jobs',
  icon: 'jobs',
  keywords: ['airflow', 'dagster', 'runs'],
  page: () => import('./JobsPage.vue'),
});
