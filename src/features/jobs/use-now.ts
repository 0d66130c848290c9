import { onScopeDispose, type Ref, ref } from 'vue';

/** The time, ticking every `intervalMs` while the calling component lives (elapsed times, open Gantt bars). */
export function useNow(intervalMs = 1_000): Readonly<Ref<number>> {
  const now = ref(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
