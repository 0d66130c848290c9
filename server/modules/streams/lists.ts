import type {
  ClusterRef,
  ClusterView,
  GroupList,
  GroupSummary,
  ListQuery,
  TopicList,
  TopicSummary,
  Verdict,
} from './contract.ts';

const SEVERITY: readonly Verdict[] = ['OK', 'WARN', 'STALL', 'REWIND', 'STOP', 'ERROR'];

export const clusterRef = (view: ClusterView): ClusterRef => ({
  id: view.id,
  status: view.status,
  sampledAt: view.sampledAt,
  intervalMs: view.intervalMs,
});

/** The topics of a cluster view matching `query`, sorted and cut to its limit. */
export function topicList(view: ClusterView, query: ListQuery): TopicList {
  const needle = query.q?.toLowerCase();
  const matching = view.topics.filter(
    (t) => (query.internal === 'true' || !t.internal) && (!needle || t.name.toLowerCase().includes(needle)),
  );
  const key: Record<ListQuery['sort'], (t: TopicSummary) => number | string> = {
    name: (t) => t.name,
    rate: (t) => t.rate ?? -1,
    size: (t) => t.size ?? -1,
    partitions: (t) => t.partitions,
    lag: (t) => t.name,
    status: (t) => t.name,
  };
  const topics = sortBy(matching, key[query.sort], orderOf(query)).slice(0, query.limit);
  return {
    cluster: clusterRef(view),
    total: matching.length,
    topics: topics.map(({ parts: _parts, ...topic }) => topic),
  };
}

/** The consumer groups of a cluster view matching `query` (by id or topic), sorted and cut to its limit. */
export function groupList(view: ClusterView, query: ListQuery): GroupList {
  const needle = query.q?.toLowerCase();
  const matching = view.groups.filter(
    (g) =>
      !needle ||
      g.id.toLowerCase().includes(needle) ||
      g.topics.some((t) => t.toLowerCase().includes(needle)),
  );
  const key: Record<ListQuery['sort'], (g: GroupSummary) => number | string> = {
    name: (g) => g.id,
    lag: (g) => g.totalLag ?? -1,
    status: (g) => SEVERITY.indexOf(g.status),
    rate: (g) => g.consumeRate ?? -1,
    size: (g) => g.totalLag ?? -1,
    partitions: (g) => g.topics.length,
  };
  const groups = sortBy(matching, key[query.sort], orderOf(query)).slice(0, query.limit);
  return {
    cluster: clusterRef(view),
    total: matching.length,
    groups: groups.map(({ parts: _parts, ...group }) => group),
  };
}

const orderOf = (query: ListQuery) => query.order ?? (query.sort === 'name' ? 'asc' : 'desc');

function sortBy<T>(items: readonly T[], key: (item: T) => number | string, order: 'asc' | 'desc'): T[] {
  const sign = order === 'asc' ? 1 : -1;
  return items
    .map((item) => ({ item, k: key(item) }))
    .sort(
      (a, b) =>
        sign *
        (typeof a.k === 'string'
          ? String(a.k).localeCompare(String(b.k))
          : (a.k as number) - (b.k as number)),
    )
    .map(({ item }) => item);
}
