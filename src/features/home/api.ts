import type { ServicesLiveEvent } from '@contracts/services';
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query';
import { computed, type Ref } from 'vue';
import { bootAnswer } from '@/shared/api/boot';
import { api } from '@/shared/api/client';
import { invalidateLive, useLive } from '@/shared/api/live';
import type { BrowserCheckList, DiscoveryState, ServiceHistory, ServiceList } from './types';

const SERVICES = ['services'] as const;

/** The services the user may see, kept live: the BFF says "changed" over SSE and the list is refetched. */
export function useServices() {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: SERVICES,
    queryFn: async () => (await api.get<ServiceList>('/services')).data,
    initialData: bootAnswer<ServiceList>('/services'),
    staleTime: 60_000,
    refetchInterval: 60_000,
  });
  useLive<ServicesLiveEvent>('services', (message) => {
    invalidateLive(client, SERVICES);
    if (message.data.stateChanged) invalidateLive(client, ['services', 'history']);
  });
  return query;
}

export function useServiceHistory(id: Ref<string | null>) {
  return useQuery({
    queryKey: computed(() => ['services', 'history', id.value]),
    enabled: computed(() => Boolean(id.value)),
    queryFn: async () =>
      (await api.get<ServiceHistory>(`/services/${encodeURIComponent(id.value!)}/history`)).data,
    staleTime: 30_000,
  });
}

export function useFavourites() {
  const boot = bootAnswer<{ ids: string[] }>('/services/favourites');
  return useQuery({
    queryKey: ['services', 'favourites'],
    queryFn: async () => (await api.get<{ ids: string[] }>('/services/favourites')).data.ids,
    initialData: () => boot()?.ids,
    staleTime: 5 * 60_000,
  });
}

/** Pins or unpins a favourite, optimistically. */
export function useToggleFavourite() {
  const client = useQueryClient();
  const key = ['services', 'favourites'];
  return useMutation({
    mutationFn: async ({ id, pinned }: { id: string; pinned: boolean }) => {
      const path = `/services/favourites/${encodeURIComponent(id)}`;
      await (pinned ? api.put(path) : api.delete(path));
    },
    onMutate: async ({ id, pinned }) => {
      await client.cancelQueries({ queryKey: key });
      const before = client.getQueryData<string[]>(key) ?? [];
      client.setQueryData(
        key,
        pinned ? [...before.filter((x) => x !== id), id] : before.filter((x) => x !== id),
      );
      return { before };
    },
    onError: (_error, _vars, context) => client.setQueryData(key, context?.before),
    onSettled: () => client.invalidateQueries({ queryKey: key }),
  });
}

export function useDiscoveryState(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: ['services', 'discovery'],
    enabled,
    queryFn: async () => (await api.get<DiscoveryState>('/services/discovery')).data,
    refetchInterval: 30_000,
  });
}

/** The last browser check of a service and its kept screenshots (refetched with the list's live hints). */
export function useBrowserChecks(id: Ref<string | null>) {
  return useQuery({
    queryKey: computed(() => ['services', 'checks', id.value]),
    enabled: computed(() => Boolean(id.value)),
    queryFn: async () =>
      (await api.get<BrowserCheckList>(`/services/${encodeURIComponent(id.value!)}/checks`)).data,
    staleTime: 10_000,
  });
}
