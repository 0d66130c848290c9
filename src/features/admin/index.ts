import { defineFeature } from '../types';

/** Admin pages: active sessions (end one) and the audit log. Linked from the user menu, for admins only. */
export default defineFeature({
  id: 'admin',
  title: 'Admin',
  icon: 'settings',
  keywords: ['sessions', 'audit', 'log', 'security'],
  requiredRole: 'admin',
  routes: [
    { path: '/admin', name: 'admin', component: () => import('./AdminPage.vue'), meta: { title: 'Admin' } },
  ],
});
