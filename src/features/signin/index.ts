import { defineFeature } from '../types';

/**
 * The sign-in page (one button per identity provider; bare, without the shell) and the page the
 * forward-auth gate sends a user to when her roles do not open a lab UI.
 */
export default defineFeature({
  id: 'signin',
  title: 'Sign in',
  icon: 'home',
  keywords: ['login', 'sign in'],
  routes: [
    {
      path: '/signin',
      name: 'signin',
      component: () => import('./SignInPage.vue'),
      meta: { title: 'Sign in', bare: true },
    },
    {
      path: '/denied',
      name: 'denied',
      component: () => import('./DeniedPage.vue'),
      meta: { title: 'Not allowed' },
    },
  ],
});
