import type { UseQueryReturnType } from '@tanstack/vue-query';
import { computed, type Ref } from 'vue';
import { type ListQueryParams, useListQuery } from '@/shared/list-query';
import { useGroups, useTopics } from './api';
import { useStreamsPalette } from './palette';

const TABLES = {
  topic: {
    label: 'Topics',
    searches: 'topics',
    loadingLabel: 'Loading topics…',
    sort: 'rate',
    columns: [
      { label: 'Topic' },
      { label: 'msgs/s', num: true },
      { label: '1 min avg', num: true },
      { label: 'Trend' },
      { label: 'bytes/s ≈', num: true },
      { label: 'Size', num: true },
      { label: 'Partitions', num: true },
      { label: 'RF', num: true },
      { label: 'ISR' },
    ],
    sorts: [
      { value: 'rate', label: 'msgs/s' },
      { value: 'size', label: 'size' },
      { value: 'partitions', label: 'partitions' },
      { value: 'name', label: 'name' },
    ],
  },
  group: {
    label: 'Consumer groups',
    searches: 'groups or topics',
    loadingLabel: 'Loading consumer groups…',
    sort: 'status',
    columns: [
      { label: 'Group' },
      { label: 'State' },
      { label: 'Members', num: true },
      { label: 'Topics' },
      { label: 'Lag', num: true },
      { label: 'Behind', num: true },
      { label: 'Lag trend' },
      { label: 'Status' },
    ],
    sorts: [
      { value: 'status', label: 'status' },
      { value: 'lag', label: 'lag' },
      { value: 'name', label: 'name' },
    ],
  },
} as const;

/**
 * What a topic or group table of a cluster needs: its rows (fetched with the table's search and sort),
 * their names in the command palette while shown, its column headings, and the props of its ListSection
 * (`v-bind="section"`).
 */
function useStreamsTable<Data>(
  kind: keyof typeof TABLES,
  cluster: () => string,
  useRows: (cluster: () => string, params: Ref<ListQueryParams>) => UseQueryReturnType<Data, Error>,
  names: (data: Data) => string[],
) {
  const { sort, columns, ...texts } = TABLES[kind];
  const list = useListQuery({ sort, ascending: ['name'] });
  const rows = useRows(cluster, list.params);
  useStreamsPalette(
    kind,
    cluster,
    computed(() => rows.data.value && names(rows.data.value)),
  );
  const section = computed(() => ({
    ...texts,
    list,
    pending: rows.isPending.value,
    error: rows.error.value,
  }));
  return { rows, section, columns };
}

export const useTopicTable = (cluster: () => string) =>
  useStreamsTable('topic', cluster, useTopics, (data) => data.topics.map((t) => t.name));

export const useGroupTable = (cluster: () => string) =>
  useStreamsTable('group', cluster, useGroups, (data) => data.groups.map((g) => g.id));
