import type { UseQueryReturnType } from '@tanstack/vue-query';
import { computed, type MaybeRefOrGetter, type Ref, ref } from 'vue';
import { useStreamsLive } from './api';
import type { Range, Series } from './types';

type Name = () => string;

const PAGES = {
  topic: { failure: 'Could not load the topic', tab: undefined, trail: '' },
  group: { failure: 'Could not load the consumer group', tab: 'groups', trail: ' / groups' },
} as const;

/**
 * What a topic or group page shows, kept live: the detail, the chart's range and its series, and the
 * props of its DetailLayout (`v-bind="layout"`).
 */
export function useStreamsDetail<Detail>(
  kind: keyof typeof PAGES,
  cluster: Name,
  name: Name,
  useDetail: (cluster: Name, name: Name) => UseQueryReturnType<Detail, Error>,
  useSeries: (cluster: Name, name: Name, range: MaybeRefOrGetter<Range>) => UseQueryReturnType<Series, Error>,
) {
  useStreamsLive();
  const detail = useDetail(cluster, name);
  const range: Ref<Range> = ref('5m');
  const series = useSeries(cluster, name, range);
  const { failure, tab, trail } = PAGES[kind];
  const layout = computed(() => ({
    crumb: { name: 'streams', query: { cluster: cluster(), tab } },
    trail: `${cluster()}${trail}`,
    title: name(),
    failure,
    pending: detail.isPending.value,
    error: detail.error.value,
    detail: detail.data.value,
  }));
  return { range, layout, refetch: () => detail.refetch(), points: computed(() => series.data.value) };
}
