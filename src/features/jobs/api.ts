import type {
  JobBoard,
  JobList,
  JobSourceView,
  JobsLiveEvent,
  RerunResult,
  RunDetail,
  RunPage,
  RunView,
} from '@contracts/jobs';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query';
import { computed, type MaybeRefOrGetter, toValue } from 'vue';
import { api } from '@/shared/api/client';
import { invalidateLive, useLive } from '@/shared/api/live';
import { filtersToQuery, type JobFilters } from './filters';
import { isActive } from './states';

const BOARD = ['jobs', 'board'] as const;
const LIST = ['jobs', 'list'] as const;
const RUN_PAGE_SIZE = 50;

const enc = encodeURIComponent;
/** API paths of a job and a run: every part URL-encoded (Airflow run ids hold ':' and '+', OpenLineage jobs '/'). */
export const jobApiPath = (source: string, job: string) => `/jobs/${enc(source)}/${enc(job)}`;
export const runApiPath = (source: string, job: string, run: string) =>
  `${jobApiPath(source, job)}/runs/${enc(run)}`;

/** The glance: failing, running, late, recovered, and every source's status. */
export function useJobBoard(options: { enabled?: MaybeRefOrGetter<boolean> } = {}) {
  return useQuery({
    queryKey: BOARD,
    queryFn: async () => (await api.get<JobBoard>('/jobs/board')).data,
    enabled: () => toValue(options.enabled ?? true),
    staleTime: 5_000,
    // The live channel says when runs change; this catches a missed event (and ticks "since").
    refetchInterval: 60_000,
  });
}

/** Jobs the matrix shows at first and adds per "Show more" (a lab with thousands stays a light page). */
export const JOB_PAGE_SIZE = 100;

/** The job × state matrix, filtered on the server, its first `limit` jobs in order of attention. */
export function useJobList(
  filters: MaybeRefOrGetter<JobFilters>,
  options: { enabled?: MaybeRefOrGetter<boolean>; limit?: MaybeRefOrGetter<number> } = {},
) {
  const params = () => ({
    ...filtersToQuery(toValue(filters)),
    limit: toValue(options.limit ?? JOB_PAGE_SIZE),
  });
  return useQuery({
    queryKey: computed(() => [...LIST, params()]),
    queryFn: async () => (await api.get<JobList>('/jobs', { params: params() })).data,
    enabled: () => toValue(options.enabled ?? true),
    placeholderData: (previous) => previous,
    staleTime: 5_000,
  });
}

/** A job and its runs, newest first, one page of 50 at a time. */
export function useJobRuns(source: MaybeRefOrGetter<string>, job: MaybeRefOrGetter<string>) {
  return useInfiniteQuery({
    queryKey: computed(() => ['jobs', 'runs', toValue(source), toValue(job)]),
    queryFn: async ({ pageParam }) =>
      (
        await api.get<RunPage>(`${jobApiPath(toValue(source), toValue(job))}/runs`, {
          params: pageParam ? { before: pageParam, limit: RUN_PAGE_SIZE } : { limit: RUN_PAGE_SIZE },
        })
      ).data,
    initialPageParam: '',
    getNextPageParam: (page) => page.next ?? undefined,
    staleTime: 5_000,
  });
}

/**
 * A run with its tasks; refetched every 10 s while it runs (tasks change without the run changing), and
 * every 5 s while it cannot be loaded (a run opened before Labdeck's first poll stored it comes a poll later).
 */
export function useRunDetail(
  source: MaybeRefOrGetter<string>,
  job: MaybeRefOrGetter<string>,
  run: MaybeRefOrGetter<string>,
) {
  return useQuery({
    queryKey: computed(() => ['jobs', 'run', toValue(source), toValue(job), toValue(run)]),
    queryFn: async () =>
      (await api.get<RunDetail>(runApiPath(toValue(source), toValue(job), toValue(run)))).data,
    refetchInterval: (query) => {
      if (query.state.data) return isActive(query.state.data.run.state) ? 10_000 : false;
      return query.state.error ? 5_000 : false;
    },
    staleTime: 2_000,
  });
}

/** A source as the board last saw it (its actions and status), for the job and run pages. */
export function useJobSource(source: MaybeRefOrGetter<string>) {
  const board = useJobBoard();
  return computed<JobSourceView | undefined>(() =>
    board.data.value?.sources.find((s) => s.id === toValue(source)),
  );
}

/** Changed runs refetch what shows them; a source's new status is patched in place. */
export function useJobsLive(): void {
  const client = useQueryClient();
  useLive<JobsLiveEvent>('jobs', (message) => {
    if (message.type === 'sources') {
      const patch = (sources: JobSourceView[]) =>
        sources.map((s) => message.data.find((changed) => changed.id === s.id) ?? s);
      client.setQueryData<JobBoard>(BOARD, (old) => old && { ...old, sources: patch(old.sources) });
      client.setQueriesData<JobList>(
        { queryKey: LIST },
        (old) => old && { ...old, sources: patch(old.sources) },
      );
      return;
    }
    invalidateLive(client, BOARD);
    invalidateLive(client, LIST);
    for (const run of message.data) {
      invalidateLive(client, ['jobs', 'runs', run.source, run.jobId]);
      invalidateLive(client, ['jobs', 'run', run.source, run.jobId, run.runId]);
    }
  });
}

function useRefetchJob(source: MaybeRefOrGetter<string>, job: MaybeRefOrGetter<string>) {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: ['jobs', 'runs', toValue(source), toValue(job)] });
    void client.invalidateQueries({ queryKey: ['jobs', 'run', toValue(source), toValue(job)] });
    void client.invalidateQueries({ queryKey: BOARD });
  };
}

/** POST …/trigger with a JSON object conf: the new run. */
export function useTriggerRun(source: MaybeRefOrGetter<string>, job: MaybeRefOrGetter<string>) {
  const refetch = useRefetchJob(source, job);
  return useMutation({
    mutationFn: async (conf: Record<string, unknown>) =>
      (await api.post<RunView>(`${jobApiPath(toValue(source), toValue(job))}/trigger`, { conf })).data,
    onSuccess: refetch,
  });
}

/** POST …/rerun-failed: `dryRun: true` lists what would re-run, `false` does it. */
export function useRerunFailed(
  source: MaybeRefOrGetter<string>,
  job: MaybeRefOrGetter<string>,
  run: MaybeRefOrGetter<string>,
) {
  const refetch = useRefetchJob(source, job);
  return useMutation({
    mutationFn: async (dryRun: boolean) =>
      (
        await api.post<RerunResult>(
          `${runApiPath(toValue(source), toValue(job), toValue(run))}/rerun-failed`,
          { dryRun },
        )
      ).data,
    onSuccess: (result) => {
      if (!result.dryRun) refetch();
    },
  });
}

/** POST …/cancel (204). */
export function useCancelRun(
  source: MaybeRefOrGetter<string>,
  job: MaybeRefOrGetter<string>,
  run: MaybeRefOrGetter<string>,
) {
  const refetch = useRefetchJob(source, job);
  return useMutation({
    mutationFn: async () => {
      await api.post(`${runApiPath(toValue(source), toValue(job), toValue(run))}/cancel`);
    },
    onSuccess: refetch,
  });
}
