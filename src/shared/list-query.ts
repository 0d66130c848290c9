import { computed, onScopeDispose, ref, watch } from 'vue';

/** What a sortable searchable table asks its API for. */
export interface ListQueryParams {
  q: string;
  sort: string;
  order: 'asc' | 'desc';
}

export interface ListQueryOptions {
  /** The sort a table opens with. */
  sort: string;
  /** Sorts that read best A→Z (names); every other sort starts descending (biggest first). */
  ascending?: readonly string[];
  /** How long typing must pause before the search is sent. */
  debounceMs?: number;
}

/**
 * Search box, sort and order of a table whose rows the server filters and sorts: `q`, `sort` and `order`
 * bind to the controls, `params` is what to fetch (the search trimmed and debounced).
 */
export function useListQuery({ sort: initialSort, ascending = [], debounceMs = 200 }: ListQueryOptions) {
  const startsAscending = (value: string) => ascending.includes(value);
  const q = ref('');
  const sort = ref(initialSort);
  const order = ref<'asc' | 'desc'>(startsAscending(initialSort) ? 'asc' : 'desc');
  const search = ref('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(q, (value) => {
    clearTimeout(timer);
    timer = setTimeout(() => (search.value = value.trim()), debounceMs);
  });
  onScopeDispose(() => clearTimeout(timer));
  watch(sort, (value) => (order.value = startsAscending(value) ? 'asc' : 'desc'));
  const params = computed<ListQueryParams>(() => ({ q: search.value, sort: sort.value, order: order.value }));
  return { q, sort, order, params };
}

export type ListQuery = ReturnType<typeof useListQuery>;
