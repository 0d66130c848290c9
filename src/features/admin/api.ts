import type { ActiveSession, AuditPage } from '@contracts/auth';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query';
import { computed, type Ref } from 'vue';
import { api } from '@/shared/api/client';

export type { ActiveSession, AuditEntry, AuditPage } from '@contracts/auth';

export interface AuditFilter {
  user: string;
  action: string;
  /** `datetime-local` values (local time) or empty. */
  from: string;
  to: string;
  page: number;
}

export function useActiveSessions(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: ['admin', 'sessions'],
    queryFn: async () => (await api.get<{ items: ActiveSession[] }>('/admin/sessions')).data.items,
    enabled,
    staleTime: 5_000,
  });
}

export function useEndSession() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      await api.delete(`/admin/sessions/${encodeURIComponent(id)}`);
    },
    onSettled: () => {
      client.invalidateQueries({ queryKey: ['admin'] });
    },
  });
}

export const PAGE_SIZE = 25;

export function useAuditLog(filter: Ref<AuditFilter>, enabled: Ref<boolean>) {
  const params = computed(() => {
    const { user, action, from, to, page } = filter.value;
    const query: Record<string, string | number> = { page, pageSize: PAGE_SIZE };
    if (user.trim()) query.user = user.trim();
    if (action.trim()) query.action = action.trim();
    if (from) query.from = new Date(from).toISOString();
    if (to) query.to = new Date(to).toISOString();
    return query;
  });
  return useQuery({
    queryKey: ['admin', 'audit', params],
    queryFn: async () => (await api.get<AuditPage>('/admin/audit', { params: params.value })).data,
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 5_000,
  });
}
