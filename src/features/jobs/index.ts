import { defineFeature } from '../types';

export default defineFeature({
  id: 'jobs',
  title: 'Jobs',
  navPath: '/jobs',
  icon: 'jobs',
  keywords: ['airflow', 'dagster', 'runs'],
  routes: [
    { path: '/jobs', name: 'jobs', component: () => import('./JobsPage.vue'), meta: { title: 'Jobs' } },
  ],
});
