import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { type Component, defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Session } from '@/shared/session';
import DeniedPage from './DeniedPage.vue';
import SignInPage from './SignInPage.vue';

const Empty = defineComponent({ template: '<div />' });

async function show(page: Component, path: string, session: Session) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Empty },
      { path: '/sql', component: Empty },
      { path: '/signin', component: page },
      { path: '/denied', component: page },
    ],
  });
  await router.push(path);
  const queryClient = new QueryClient();
  queryClient.setQueryData(['session'], session);
  const wrapper = mount(page, { global: { plugins: [router, [VueQueryPlugin, { queryClient }]] } });
  await flushPromises();
  return { wrapper, router };
}

const signedOut: Session = {
  authMode: 'oidc',
  user: null,
  providers: [{ id: 'lab', name: 'Lab SSO' }],
  session: null,
};
const ana: Session = { ...signedOut, user: { id: 'ana', name: 'Ana Analyst', roles: ['analyst'] } };
const gated = encodeURIComponent('http://trino.lab.localhost:8090/ui/query.html?id=1');

describe('signing in for a UI behind the gate', () => {
  it('names the UI and passes its absolute URL to the BFF, which checks the host', async () => {
    const { wrapper } = await show(SignInPage, `/signin?returnTo=${gated}`, signedOut);
    expect(wrapper.get('[data-testid="signin-gated"]').text()).toBe(
      'Sign in to open trino.lab.localhost:8090. You come back to it afterwards.',
    );
    const href = new URL(wrapper.get('a.provider').attributes('href')!, 'http://labdeck');
    expect(href.pathname).toBe('/api/auth/login');
    expect(href.searchParams.get('returnTo')).toBe('http://trino.lab.localhost:8090/ui/query.html?id=1');
  });

  it('does not bounce a signed-in user back to a UI that did not get her session (that would loop)', async () => {
    const { wrapper, router } = await show(SignInPage, `/signin?returnTo=${gated}`, ana);
    expect(router.currentRoute.value.path).toBe('/signin');
    expect(wrapper.get('[data-testid="signin-not-shared"]').text()).toMatch(
      /signed in as ana, yet trino\.lab\.localhost:8090 asked you to sign in.*auth\.session\.cookieDomain/s,
    );
  });

  it('still sends a signed-in user on to a Labdeck path', async () => {
    const { router } = await show(SignInPage, '/signin?returnTo=/sql', ana);
    expect(router.currentRoute.value.path).toBe('/sql');
  });
});

describe('the page of a UI the roles do not open', () => {
  it('names the service, its host, who is signed in and with which roles, as text only', async () => {
    const url = encodeURIComponent('http://dagster.lab.localhost:8090/runs');
    const { wrapper } = await show(
      DeniedPage,
      `/denied?service=${encodeURIComponent('<b>Dagster</b>')}&url=${url}`,
      ana,
    );
    expect(wrapper.get('h1').text()).toBe('You may not open <b>Dagster</b>');
    expect(wrapper.find('h1 b').exists()).toBe(false);
    expect(wrapper.get('[data-testid="denied-reason"]').text()).toContain('at dagster.lab.localhost:8090');
    expect(wrapper.get('[data-testid="denied-who"]').text()).toMatch(
      /Signed in as ana\s+with the roles analyst/,
    );
    expect(wrapper.get('a.button').attributes('href')).toBe('/');
  });
});
