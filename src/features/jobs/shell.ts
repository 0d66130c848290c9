// What the Jobs feature does on every page: the failing-jobs badge, the live channel, palette commands.

import type { JobBoard } from '@contracts/jobs';
import { computed, onScopeDispose, type Ref, ref, watch } from 'vue';
import { useRouter } from 'vue-router';
import { usePaletteStore } from '@/shared/palette/palette';
import { type TileBadge, type TileBadgesByService, useContributeTileBadges } from '@/shared/tile-badges';
import type { NavBadge } from '../types';
import { useJobBoard, useJobList, useJobsLive } from './api';
import { filtersToQuery, type JobFilters } from './filters';

const NO_FILTERS: JobFilters = { source: [], state: [], owner: '', tag: '', q: '' };
/** The palette offers this many jobs, most in need of attention first. */
const PALETTE_JOBS = 500;

const failingJobs = (count: number) => `${count} failing job${count === 1 ? '' : 's'}`;

/** The number of failing jobs on the navigation link, kept live. */
export function useFailingJobsBadge(): Readonly<Ref<NavBadge | null>> {
  if (import.meta.env.SSR) return ref(null);
  const board = useJobBoard();
  return computed(() => {
    const count = board.data.value?.failing.length ?? 0;
    return count ? { count, label: failingJobs(count) } : null;
  });
}

/**
 * The failing-jobs badge of each Home service a source names (`service:`), linking to the Jobs page
 * filtered by that service's sources. Services with no failing job get none.
 */
export function failingJobsByService(board: JobBoard): TileBadgesByService {
  const sourcesOf = new Map<string, string[]>();
  for (const source of board.sources)
    if (source.service) sourcesOf.set(source.service, [...(sourcesOf.get(source.service) ?? []), source.id]);
  const badges = new Map<string, TileBadge>();
  for (const [service, sources] of sourcesOf) {
    const count = board.failing.filter((job) => sources.includes(job.source)).length;
    if (!count) continue;
    const query = filtersToQuery({ ...NO_FILTERS, source: sources });
    badges.set(service, {
      kind: 'failing-jobs',
      count,
      label: failingJobs(count),
      to: { name: 'jobs', query },
      tone: 'danger',
    });
  }
  return badges;
}

/** Failing jobs on the Home tiles of the services the sources name, from the board the nav badge reads. */
export function useFailingJobsTileBadges(): void {
  const board = useJobBoard();
  const badges = computed(() => (board.data.value ? failingJobsByService(board.data.value) : new Map()));
  useContributeTileBadges(badges);
}

/** Every job is a palette command ("orders_daily" → its page); the list loads when the palette first opens. */
export function useJobCommands(): void {
  const palette = usePaletteStore();
  const router = useRouter();
  const opened = ref(palette.isOpen);
  watch(
    () => palette.isOpen,
    (open) => {
      if (open) opened.value = true;
    },
  );
  const list = useJobList(NO_FILTERS, { enabled: opened, limit: PALETTE_JOBS });
  let unregister = () => {};
  watch(
    () => list.data.value,
    (answer) => {
      unregister();
      const sourceName = new Map(answer?.sources.map((s) => [s.id, s.name]));
      unregister = palette.register(
        (answer?.jobs ?? []).map((job) => ({
          id: `job:${job.source}/${job.jobId}`,
          title: job.name,
          group: 'Jobs',
          hint: sourceName.get(job.source) ?? job.source,
          keywords: [job.jobId, job.source, ...(job.owner ? [job.owner] : []), ...job.tags],
          run: ({ newTab }) => {
            const target = router.resolve({
              name: 'jobs-job',
              params: { source: job.source, job: job.jobId },
            });
            if (newTab) window.open(target.href, '_blank', 'noopener');
            else void router.push(target);
          },
        })),
      );
    },
    { immediate: true },
  );
  onScopeDispose(() => unregister());
}

/** The feature's `setup`: live updates for every Jobs query, jobs in the palette, failing jobs on Home's tiles. */
export function useJobsShell(): void {
  if (import.meta.env.SSR) return;
  useJobsLive();
  useJobCommands();
  useFailingJobsTileBadges();
}
