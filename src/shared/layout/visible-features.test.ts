import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import type { Session } from '../session';
import { useVisibleFeatures } from './visible-features';

function visibleFor(roles: string[]): string[] {
  const client = new QueryClient();
  const session: Session = {
    authMode: 'oidc',
    user: { id: 'u', name: 'U', roles },
    providers: [],
    session: null,
  };
  client.setQueryData(['session'], session);
  let ids: string[] = [];
  mount(
    defineComponent({
      setup() {
        const visible = useVisibleFeatures();
        ids = visible.value.map((feature) => feature.id);
        return () => h('div');
      },
    }),
    { global: { plugins: [[VueQueryPlugin, { queryClient: client }]] } },
  ).unmount();
  return ids;
}

describe('useVisibleFeatures', () => {
  it('hides role-gated features from users without the role', () => {
    const ids = visibleFor(['analyst']);
    expect(ids).toContain('home');
    expect(ids).not.toContain('admin');
  });

  it('shows them to admins', () => {
    expect(visibleFor(['admin'])).toContain('admin');
  });
});
