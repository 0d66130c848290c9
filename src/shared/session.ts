import type { Session } from '@contracts/auth';
import { useMutation, useQuery } from '@tanstack/vue-query';
import { bootAnswer } from './api/boot';
import { api } from './api/client';

export type { Session, SessionUser, SignInProvider } from '@contracts/auth';

export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async () => (await api.get<Session>('/session')).data,
    initialData: bootAnswer<Session>('/session'),
    staleTime: 60_000,
  });
}

export const hasRole = (session: Session | undefined, role: string): boolean =>
  Boolean(session?.user && (session.user.roles.includes(role) || session.user.roles.includes('admin')));

/** Whether the SPA should send this visitor to /signin. */
export const needsSignIn = (session: Session | undefined): boolean =>
  Boolean(session && session.authMode !== 'none' && !session.user);

/** Ends the session (or all of the user's sessions) and follows the BFF to the provider's logout. */
export function useSignOut() {
  return useMutation({
    mutationFn: async (everywhere: boolean) =>
      (await api.post<{ redirect: string }>(everywhere ? '/auth/logout-everywhere' : '/auth/logout')).data,
    onSuccess: ({ redirect }) => window.location.assign(redirect),
  });
}

/** The BFF route that starts a sign-in with `provider`, coming back to `returnTo` (a same-origin path). */
export function signInHref(provider: string, returnTo: string): string {
  return `/api/auth/login?${new URLSearchParams({ provider, returnTo })}`;
}
