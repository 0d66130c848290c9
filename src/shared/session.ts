import { useQuery } from '@tanstack/vue-query';
import { api } from './api/client';

export interface SessionUser {
  id: string;
  name: string;
  email?: string;
  roles: string[];
}

export interface Session {
  authMode: 'none' | 'oidc' | 'proxy';
  user: SessionUser | null;
}

export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async () => (await api.get<Session>('/session')).data,
    staleTime: 60_000,
  });
}
