import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/vue-query';
import { computed, type MaybeRefOrGetter, toValue } from 'vue';
import { api } from '@/shared/api/client';
import { useLive } from '@/shared/api/live';
import type {
  ClusterRef,
  ClusterSummary,
  GroupDetail,
  GroupSummary,
  PeekedMessage,
  Range,
  Series,
  StreamsLiveEvent,
  TopicConfig,
  TopicDetail,
  TopicSummary,
} from './types';

/** Rows a table asks for; search narrows big clusters (the BFF filters and sorts). */
const LIST_LIMIT = 200;

const base = (cluster: string) => `/streams/clusters/${encodeURIComponent(cluster)}`;

/** Every sample the BFF takes arrives on the `streams` topic: refetch what shows that cluster. */
export function useStreamsLive() {
  const client = useQueryClient();
  useLive<StreamsLiveEvent>('streams', (message) => {
    const cluster = message.data;
    client.setQueryData<ClusterSummary[]>(['streams', 'clusters'], (old) =>
      old?.map((c) => (c.id === cluster.id ? cluster : c)),
    );
    void client.invalidateQueries({ queryKey: ['streams', 'cluster', cluster.id] });
  });
}

export function useClusters() {
  return useQuery({
    queryKey: ['streams', 'clusters'],
    queryFn: async () => (await api.get<{ clusters: ClusterSummary[] }>('/streams/clusters')).data.clusters,
    staleTime: 5_000,
  });
}

export interface ListParams {
  q: string;
  sort: string;
  order: 'asc' | 'desc';
}

export function useTopics(cluster: MaybeRefOrGetter<string>, params: MaybeRefOrGetter<ListParams>) {
  return useQuery({
    queryKey: computed(() => ['streams', 'cluster', toValue(cluster), 'topics', toValue(params)]),
    queryFn: async () =>
      (
        await api.get<{ cluster: ClusterRef; total: number; topics: TopicSummary[] }>(
          `${base(toValue(cluster))}/topics`,
          {
            params: { ...toValue(params), limit: LIST_LIMIT },
          },
        )
      ).data,
    placeholderData: keepPreviousData,
    staleTime: 1_000,
  });
}

export function useGroups(cluster: MaybeRefOrGetter<string>, params: MaybeRefOrGetter<ListParams>) {
  return useQuery({
    queryKey: computed(() => ['streams', 'cluster', toValue(cluster), 'groups', toValue(params)]),
    queryFn: async () =>
      (
        await api.get<{ cluster: ClusterRef; total: number; groups: GroupSummary[] }>(
          `${base(toValue(cluster))}/groups`,
          {
            params: { ...toValue(params), limit: LIST_LIMIT },
          },
        )
      ).data,
    placeholderData: keepPreviousData,
    staleTime: 1_000,
  });
}

export function useTopic(cluster: MaybeRefOrGetter<string>, name: MaybeRefOrGetter<string>) {
  return useQuery({
    queryKey: computed(() => ['streams', 'cluster', toValue(cluster), 'topic', toValue(name)]),
    queryFn: async () =>
      (await api.get<TopicDetail>(`${base(toValue(cluster))}/topics/${encodeURIComponent(toValue(name))}`))
        .data,
    staleTime: 1_000,
  });
}

export function useTopicSeries(
  cluster: MaybeRefOrGetter<string>,
  name: MaybeRefOrGetter<string>,
  range: MaybeRefOrGetter<Range>,
) {
  return useQuery({
    queryKey: computed(() => [
      'streams',
      'cluster',
      toValue(cluster),
      'topic-series',
      toValue(name),
      toValue(range),
    ]),
    queryFn: async () =>
      (
        await api.get<Series>(
          `${base(toValue(cluster))}/topics/${encodeURIComponent(toValue(name))}/series`,
          {
            params: { range: toValue(range) },
          },
        )
      ).data,
    placeholderData: keepPreviousData,
    staleTime: 1_000,
  });
}

export function useTopicConfigs(cluster: MaybeRefOrGetter<string>, name: MaybeRefOrGetter<string>) {
  return useQuery({
    queryKey: computed(() => ['streams', 'configs', toValue(cluster), toValue(name)]),
    queryFn: async () =>
      (
        await api.get<{ configs: TopicConfig[] }>(
          `${base(toValue(cluster))}/topics/${encodeURIComponent(toValue(name))}/configs`,
        )
      ).data.configs,
    staleTime: 30_000,
  });
}

export function useGroup(cluster: MaybeRefOrGetter<string>, id: MaybeRefOrGetter<string>) {
  return useQuery({
    queryKey: computed(() => ['streams', 'cluster', toValue(cluster), 'group', toValue(id)]),
    queryFn: async () =>
      (await api.get<GroupDetail>(`${base(toValue(cluster))}/groups/${encodeURIComponent(toValue(id))}`))
        .data,
    staleTime: 1_000,
  });
}

export function useGroupSeries(
  cluster: MaybeRefOrGetter<string>,
  id: MaybeRefOrGetter<string>,
  range: MaybeRefOrGetter<Range>,
) {
  return useQuery({
    queryKey: computed(() => [
      'streams',
      'cluster',
      toValue(cluster),
      'group-series',
      toValue(id),
      toValue(range),
    ]),
    queryFn: async () =>
      (
        await api.get<Series>(`${base(toValue(cluster))}/groups/${encodeURIComponent(toValue(id))}/series`, {
          params: { range: toValue(range) },
        })
      ).data,
    placeholderData: keepPreviousData,
    staleTime: 1_000,
  });
}

/** Operators only; runs when asked (never live). */
export async function peekMessages(
  cluster: string,
  topic: string,
  partition: number | null,
  limit: number,
): Promise<PeekedMessage[]> {
  const params: Record<string, number> = { limit };
  if (partition !== null) params.partition = partition;
  const { data } = await api.get<{ messages: PeekedMessage[] }>(
    `${base(cluster)}/topics/${encodeURIComponent(topic)}/messages`,
    { params },
  );
  return data.messages;
}
