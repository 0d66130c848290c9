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
  // `ssr`: the BFF renders its first screen into the page (src/entry-server.ts), painted before any script runs.
  routes: [{ path: '/', name: 'home', component: HomePage, meta: { title: 'Home', ssr: true } }],
  setup: useQuickLaunch,
});
