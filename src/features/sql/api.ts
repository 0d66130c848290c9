import type { ApiErrorBody } from '@contracts/platform';
import type {
  ConnectionInfo,
  HistoryEntry,
  MetaNode,
  RunMessage,
  RunRequest,
  SavedQuery,
  Tab,
} from '@contracts/sql';
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query';
import { computed, type MaybeRefOrGetter, toValue } from 'vue';
import { ApiFailure, api } from '@/shared/api/client';

export type {
  Column,
  ConnectionInfo as Connection,
  HistoryEntry,
  MetaNode,
  Progress,
  RunMessage,
  RunRequest,
  SavedQuery,
  SqlError,
  Tab,
} from '@contracts/sql';

const csrfToken = () => /(?:^|;\s*)labdeck_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';

/**
 * Runs a statement and hands each NDJSON message to `onMessage` as it arrives (axios cannot stream).
 * Aborting `signal` closes the response, which cancels the query on the server.
 */
export async function streamRun(
  body: RunRequest,
  onMessage: (m: RunMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch('/api/sql/run', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/x-ndjson',
      'X-CSRF-Token': decodeURIComponent(csrfToken()),
    },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as Partial<ApiErrorBody> | null;
    throw new ApiFailure(
      res.status,
      body?.error?.message ? body.error : { code: 'http', message: `Run failed with HTTP ${res.status}` },
    );
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let from = 0;
    let at = buffer.indexOf('\n', from);
    while (at >= 0) {
      onMessage(JSON.parse(buffer.slice(from, at)) as RunMessage);
      from = at + 1;
      at = buffer.indexOf('\n', from);
    }
    buffer = buffer.slice(from);
  }
}

export const cancelRun = (runId: string) => api.post(`/sql/runs/${encodeURIComponent(runId)}/cancel`);

/** Asks for an export and returns the one-time download URL (a plain GET the browser saves). */
export async function createExport(body: {
  connectionId: string;
  sql: string;
  tabId: string;
  format: 'csv' | 'jsonl';
}) {
  return (await api.post<{ id: string; url: string }>('/sql/exports', body)).data.url;
}

export function useConnections() {
  return useQuery({
    queryKey: ['sql', 'connections'],
    queryFn: async () =>
      (await api.get<{ connections: ConnectionInfo[] }>('/sql/connections')).data.connections,
    staleTime: 60_000,
  });
}

export const fetchTabs = async () => (await api.get<{ tabs: Tab[] }>('/sql/tabs')).data.tabs;
export const saveTab = (tab: Tab) =>
  api.put(`/sql/tabs/${tab.id}`, {
    title: tab.title,
    connectionId: tab.connectionId,
    sql: tab.sql,
    position: tab.position,
  });
export const deleteTab = (id: string) => api.delete(`/sql/tabs/${id}`);

export function useHistory(search: MaybeRefOrGetter<string>) {
  return useQuery({
    queryKey: computed(() => ['sql', 'history', toValue(search)]),
    queryFn: async () =>
      (
        await api.get<{ items: HistoryEntry[] }>('/sql/history', {
          params: { q: toValue(search) || undefined, limit: 200 },
        })
      ).data.items,
  });
}

export function useSavedQueries(search: MaybeRefOrGetter<string>) {
  return useQuery({
    queryKey: computed(() => ['sql', 'saved', toValue(search)]),
    queryFn: async () =>
      (await api.get<{ items: SavedQuery[] }>('/sql/saved', { params: { q: toValue(search) || undefined } }))
        .data.items,
  });
}

export const fetchSaved = async (id: string) =>
  (await api.get<SavedQuery>(`/sql/saved/${encodeURIComponent(id)}`)).data;

export function useSaveQuery() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (q: { name: string; connectionId: string; sql: string }) =>
      (await api.post<SavedQuery>('/sql/saved', q)).data,
    onSuccess: () => client.invalidateQueries({ queryKey: ['sql', 'saved'] }),
  });
}

export function useDeleteSaved() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/sql/saved/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['sql', 'saved'] }),
  });
}

/** Children of a metadata path, cached for the session (also used by autocomplete). */
export const metadataQuery = (connectionId: string, path: string[]) => ({
  queryKey: ['sql', 'meta', connectionId, ...path],
  queryFn: async () => {
    const [catalog, schema, table] = path;
    return (
      await api.get<{ items: MetaNode[] }>(`/sql/connections/${encodeURIComponent(connectionId)}/metadata`, {
        params: { catalog, schema, table },
      })
    ).data.items;
  },
  staleTime: 5 * 60_000,
});

/** Drops the server's cached metadata of a connection for this user (after DDL). */
export const refreshMetadata = (connectionId: string) =>
  api.get(`/sql/connections/${encodeURIComponent(connectionId)}/metadata`, { params: { refresh: '1' } });

export const functionsQuery = (connectionId: string) => ({
  queryKey: ['sql', 'functions', connectionId],
  queryFn: async () =>
    (await api.get<{ functions: string[] }>(`/sql/connections/${encodeURIComponent(connectionId)}/functions`))
      .data.functions,
  staleTime: 30 * 60_000,
});
