import { defineFeature } from '../types';
import { useQuickLaunch } from './quick-launch';

export default defineFeature({
  id: 'home',
  title: 'Home',
  navPath: '/',
  icon: 'home',
  keywords: ['services', 'health', 'status'],
  routes: [{ path: '/', name: 'home', component: () => import('./HomePage.vue'), meta: { title: 'Home' } }],
  setup: useQuickLaunch,
});
