import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/vue-query';
import { computed, type MaybeRefOrGetter, toValue } from 'vue';
import { api } from '@/shared/api/client';
import { invalidateLive, useLive } from '@/shared/api/live';
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
    invalidateLive(client, ['streams', 'cluster', cluster.id]);
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

/** One GET of the streams API as a vue-query hook; `key` and `path` are read again when their refs change. */
function useStreamsGet<Body, Result = Body>(
  key: () => unknown[],
  path: () => string,
  options: {
    params?: () => Record<string, unknown>;
    pick?: (body: Body) => Result;
    /** Keep showing the last answer while a new search, sort or range loads. */
    keepPrevious?: boolean;
    staleTime?: number;
  } = {},
) {
  const { params, pick = (body: Body) => body as unknown as Result } = options;
  return useQuery({
    queryKey: computed(key),
    queryFn: async () => pick((await api.get<Body>(path(), { params: params?.() })).data),
    placeholderData: options.keepPrevious ? keepPreviousData : undefined,
    staleTime: options.staleTime ?? 1_000,
  });
}

type Name = MaybeRefOrGetter<string>;
/** Query keys under `['streams', 'cluster', id]` are refetched on every sample of that cluster. */
const liveKey = (cluster: Name, ...rest: unknown[]) => ['streams', 'cluster', toValue(cluster), ...rest];
const itemPath = (cluster: Name, kind: 'topics' | 'groups', name: Name, rest = '') =>
  `${base(toValue(cluster))}/${kind}/${encodeURIComponent(toValue(name))}${rest}`;

function useList<Body>(kind: 'topics' | 'groups', cluster: Name, params: MaybeRefOrGetter<ListParams>) {
  return useStreamsGet<Body>(
    () => liveKey(cluster, kind, toValue(params)),
    () => `${base(toValue(cluster))}/${kind}`,
    { params: () => ({ ...toValue(params), limit: LIST_LIMIT }), keepPrevious: true },
  );
}

function useSeries(kind: 'topics' | 'groups', cluster: Name, name: Name, range: MaybeRefOrGetter<Range>) {
  const key = kind === 'topics' ? 'topic-series' : 'group-series';
  return useStreamsGet<Series>(
    () => liveKey(cluster, key, toValue(name), toValue(range)),
    () => itemPath(cluster, kind, name, '/series'),
    { params: () => ({ range: toValue(range) }), keepPrevious: true },
  );
}

export const useTopics = (cluster: Name, params: MaybeRefOrGetter<ListParams>) =>
  useList<{ cluster: ClusterRef; total: number; topics: TopicSummary[] }>('topics', cluster, params);

export const useGroups = (cluster: Name, params: MaybeRefOrGetter<ListParams>) =>
  useList<{ cluster: ClusterRef; total: number; groups: GroupSummary[] }>('groups', cluster, params);

export const useTopic = (cluster: Name, name: Name) =>
  useStreamsGet<TopicDetail>(
    () => liveKey(cluster, 'topic', toValue(name)),
    () => itemPath(cluster, 'topics', name),
  );

export const useTopicSeries = (cluster: Name, name: Name, range: MaybeRefOrGetter<Range>) =>
  useSeries('topics', cluster, name, range);

/** Configs change rarely: not refetched on samples. */
export const useTopicConfigs = (cluster: Name, name: Name) =>
  useStreamsGet<{ configs: TopicConfig[] }, TopicConfig[]>(
    () => ['streams', 'configs', toValue(cluster), toValue(name)],
    () => itemPath(cluster, 'topics', name, '/configs'),
    { pick: (body) => body.configs, staleTime: 30_000 },
  );

export const useGroup = (cluster: Name, id: Name) =>
  useStreamsGet<GroupDetail>(
    () => liveKey(cluster, 'group', toValue(id)),
    () => itemPath(cluster, 'groups', id),
  );

export const useGroupSeries = (cluster: Name, id: Name, range: MaybeRefOrGetter<Range>) =>
  useSeries('groups', cluster, id, range);

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
    itemPath(cluster, 'topics', topic, '/messages'),
    { params },
  );
  return data.messages;
}
