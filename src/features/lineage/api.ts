import type {
  ColumnGraph,
  Direction,
  LineageGraph,
  NodeDetail,
  RecentJobs,
  SearchResults,
  TimeRange,
} from '@contracts/lineage';
import { useQuery } from '@tanstack/vue-query';
import { computed, type Ref } from 'vue';
import { api } from '@/shared/api/client';

export interface GraphParams {
  nodeId: string;
  depth: number;
  direction?: Direction;
  asOf?: string | null;
  offset?: number;
}

/** One walk of the lineage graph (used imperatively: the page merges results into what is on screen). */
export async function fetchGraph(params: GraphParams): Promise<LineageGraph> {
  const query: Record<string, string | number> = {
    nodeId: params.nodeId,
    depth: params.depth,
    direction: params.direction ?? 'both',
  };
  if (params.asOf) query.asOf = params.asOf;
  if (params.offset) query.offset = params.offset;
  return (await api.get<LineageGraph>('/lineage', { params: query })).data;
}

export async function fetchColumns(nodeId: string, field: string, asOf: string | null): Promise<ColumnGraph> {
  const params: Record<string, string> = { nodeId, field };
  if (asOf) params.asOf = asOf;
  return (await api.get<ColumnGraph>('/lineage/columns', { params })).data;
}

export async function fetchFields(nodeId: string, asOf: string | null): Promise<string[]> {
  const params: Record<string, string> = { nodeId };
  if (asOf) params.asOf = asOf;
  const detail = (await api.get<NodeDetail>('/lineage/node', { params })).data;
  return detail.kind === 'dataset' ? detail.fields.map((f) => f.name) : [];
}

export function useLineageSearch(text: Ref<string>) {
  return useQuery({
    queryKey: computed(() => ['lineage', 'search', text.value.trim()]),
    enabled: computed(() => text.value.trim().length > 0),
    queryFn: async () =>
      (
        await api.get<SearchResults>('/lineage/search', {
          params: { q: text.value.trim(), limit: 12 },
        })
      ).data.results,
    staleTime: 5_000,
  });
}

/** The jobs that ran last (Lineage's empty state), refreshed while shown. */
export function useRecentJobs(limit = 8) {
  return useQuery({
    queryKey: ['lineage', 'recent', limit],
    queryFn: async () => (await api.get<RecentJobs>('/lineage/recent', { params: { limit } })).data.jobs,
    refetchInterval: 15_000,
  });
}

export function useNodeDetail(nodeId: Ref<string | null>, asOf: Ref<string | null>, version: Ref<number>) {
  return useQuery({
    queryKey: computed(() => ['lineage', 'node', nodeId.value, asOf.value, version.value]),
    enabled: computed(() => Boolean(nodeId.value) && !nodeId.value!.startsWith('more:')),
    queryFn: async () => {
      const params: Record<string, string> = { nodeId: nodeId.value! };
      if (asOf.value) params.asOf = asOf.value;
      return (await api.get<NodeDetail>('/lineage/node', { params })).data;
    },
    placeholderData: (previous) => previous,
  });
}

export function useTimeRange(version: Ref<number>) {
  return useQuery({
    queryKey: computed(() => ['lineage', 'range', version.value]),
    queryFn: async () => (await api.get<TimeRange>('/lineage/range')).data,
    placeholderData: (previous) => previous,
  });
}
