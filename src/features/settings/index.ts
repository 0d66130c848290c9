import { defineFeature } from '../types';

export default defineFeature({
  id: 'settings',
  title: 'Settings',
  navPath: '/settings',
  icon: 'settings',
  keywords: ['preferences', 'theme', 'about'],
  page: () => import('./SettingsPage.vue'),
});
