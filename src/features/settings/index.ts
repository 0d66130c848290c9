import { defineFeature } from '../types';

export default defineFeature({
  id: 'settings',
  title: 'Settings',
  navPath: '/settings',
  icon: 'settings',
  keywords: ['preferences', 'theme', 'about'],
  routes: [
    {
      path: '/settings',
      name: 'settings',
      component: () => import('./SettingsPage.vue'),
      meta: { title: 'Settings' },
    },
  ],
});
