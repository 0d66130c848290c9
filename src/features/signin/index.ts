import { defineFeature } from '../types';

/** The sign-in page: one button per identity provider; shown bare, without the shell. */
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
  ],
});
