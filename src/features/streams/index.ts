import { defineFeature } from '../types';

export default defineFeature({
  id: 'streams',
  title: 'Streams',
  navPath: '/streams',
  icon: 'streams',
  keywords: ['kafka', 'topics', 'consumer lag', 'throughput'],
  routes: [
    {
      path: '/streams',
      name: 'streams',
      component: () => import('./StreamsPage.vue'),
      meta: { title: 'Streams' },
    },
    {
      path: '/streams/:cluster/topics/:topic',
      name: 'streams-topic',
      component: () => import('./TopicPage.vue'),
      props: true,
      meta: { title: 'Topic' },
    },
    {
      path: '/streams/:cluster/groups/:group',
      name: 'streams-group',
      component: () => import('./GroupPage.vue'),
      props: true,
      meta: { title: 'Consumer group' },
    },
  ],
});
