import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Session } from '../session';
import UserSlot from './UserSlot.vue';

const Empty = { template: '<div />' };

async function mountWith(session: Session, path = '/') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: ['/', '/sql', '/signin', '/admin'].map((p) => ({ path: p, component: Empty })),
  });
  await router.push(path);
  const queryClient = new QueryClient();
  queryClient.setQueryData(['session'], session);
  const wrapper = mount(UserSlot, { global: { plugins: [router, [VueQueryPlugin, { queryClient }]] } });
  await flushPromises();
  return { wrapper, router };
}

const base: Omit<Session, 'authMode' | 'user'> = {
  providers: [{ id: 'lab', name: 'Lab SSO' }],
  session: null,
};

describe('the user slot in the header', () => {
  it('says authentication is off and shows the local admin', async () => {
    const { wrapper } = await mountWith({
      ...base,
      authMode: 'none',
      user: { id: 'local', name: 'Local user', roles: ['admin'] },
    });
    expect(wrapper.get('[data-testid="auth-off-banner"]').text()).toContain('Authentication is off');
    await wrapper.get('[data-testid="user-menu"]').trigger('click');
    expect(wrapper.text()).toContain('Admin');
    expect(wrapper.text()).not.toContain('Sign out');
  });

  it("shows a signed-in analyst's name, email and roles, sign-out, and no admin link", async () => {
    const { wrapper } = await mountWith({
      ...base,
      authMode: 'oidc',
      user: { id: 'ana', name: 'Ana Analyst', email: 'ana@lab.example', roles: ['analyst'] },
    });
    expect(wrapper.find('[data-testid="auth-off-banner"]').exists()).toBe(false);
    await wrapper.get('[data-testid="user-menu"]').trigger('click');
    expect(wrapper.get('[data-testid="user-roles"]').text()).toContain('analyst');
    expect(wrapper.text()).toContain('ana@lab.example');
    expect(wrapper.findAll('a').map((a) => a.text())).not.toContain('Admin');
    expect(wrapper.findAll('button').map((b) => b.text())).toEqual(
      expect.arrayContaining(['Sign out', 'Sign out everywhere']),
    );
  });

  it('sends a signed-out visitor to the sign-in page, remembering where they were', async () => {
    const { router } = await mountWith({ ...base, authMode: 'oidc', user: null }, '/sql?tab=2');
    expect(router.currentRoute.value.path).toBe('/signin');
    expect(router.currentRoute.value.query.returnTo).toBe('/sql?tab=2');
  });
});
