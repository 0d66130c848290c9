import { ago, dateTime } from '@/features/home/format';
import { seconds } from '@/features/streams/format';

export { ago, dateTime };

/** A duration in milliseconds as "42 s", "3 min", "1.5 h"; "–" when unknown. */
export const duration = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '–' : seconds(ms / 1000);

/** How long a run has been going at `now` (from its start, else from when it was queued). */
export function elapsedMs(
  run: { startedAt: string | null; queuedAt?: string | null },
  now: number,
): number | null {
  const from = run.startedAt ?? run.queuedAt ?? null;
  return from === null ? null : Math.max(0, now - Date.parse(from));
}
