import { defineFeature } from '../types';
import HomePage from './HomePage.vue';
import { useQuickLaunch } from './quick-launch';

export default defineFeature({
  id: 'home',
  title: 'Home',
  navPath: '/',
  icon: 'home',
  keywords: ['services', 'health', 'status'],
  // The start page is part of the entry (not a lazy chunk): with its data in the page (boot data) the
  // first paint shows the tiles without a second round trip for code.
  routes: [{ path: '/', name: 'home', component: HomePage, meta: { title: 'Home' } }],
  setup: useQuickLaunch,
});
