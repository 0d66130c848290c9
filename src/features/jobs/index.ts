import { defineFeature } from '../types';
import { useFailingJobsBadge, useJobsShell } from './shell';

export default defineFeature({
  id: 'jobs',
  title: 'Jobs',
  navPath: '/jobs',
  icon: 'jobs',
  keywords: ['airflow', 'dagster', 'runs', 'dags', 'pipelines'],
  routes: [
    { path: '/jobs', name: 'jobs', component: () => import('./JobsPage.vue'), meta: { title: 'Jobs' } },
    {
      path: '/jobs/:source/:job',
      name: 'jobs-job',
      component: () => import('./JobPage.vue'),
      props: true,
      meta: { title: 'Job' },
    },
    {
      path: '/jobs/:source/:job/runs/:run',
      name: 'jobs-run',
      component: () => import('./RunPage.vue'),
      props: true,
      meta: { title: 'Run' },
    },
  ],
  setup: useJobsShell,
  navBadge: useFailingJobsBadge,
});
