// What the Jobs feature does on every page: the failing-jobs badge, the live channel, palette commands.
import { computed, onScopeDispose, type Ref, ref, watch } from 'vue';
import { useRouter } from 'vue-router';
import { usePaletteStore } from '@/shared/palette/palette';
import type { NavBadge } from '../types';
import { useJobBoard, useJobList, useJobsLive } from './api';
import type { JobFilters } from './filters';

const NO_FILTERS: JobFilters = { source: [], state: [], owner: '', tag: '', q: '' };

/** The number of failing jobs on the navigation link, kept live. */
export function useFailingJobsBadge(): Readonly<Ref<NavBadge | null>> {
  if (import.meta.env.SSR) return ref(null);
  const board = useJobBoard();
  return computed(() => {
    const count = board.data.value?.failing.length ?? 0;
    return count ? { count, label: `${count} failing job${count === 1 ? '' : 's'}` } : null;
  });
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
  const list = useJobList(NO_FILTERS, { enabled: opened });
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

/** The feature's `setup`: live updates for every Jobs query, and jobs in the palette. */
export function useJobsShell(): void {
  if (import.meta.env.SSR) return;
  useJobsLive();
  useJobCommands();
}
