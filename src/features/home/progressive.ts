import { onMounted, type Ref, ref, watch } from 'vue';
import type { ServiceGroupView } from './types';

/** Tiles in the first paint: more than any screen shows above the fold. */
const FIRST_PAINT_TILES = 16;
/** The rest renders after this long even when the browser reports no paint (hidden tab). */
const FIRST_PAINT_WAIT_MS = 500;

/**
 * Runs `then` once the frame after the current render is on screen. On a page load that is the first
 * contentful paint, which the browser reports only once the frame is presented: rendering the rest
 * earlier competes with rasterising the first screen. Later (in-app navigation) it is the next frame.
 */
function afterFirstScreen(then: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    observer?.disconnect();
    setTimeout(then);
  };
  const timer = setTimeout(run, FIRST_PAINT_WAIT_MS);
  let observer: PerformanceObserver | undefined;
  const painted = performance.getEntriesByName('first-contentful-paint').length > 0;
  const observable =
    typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('paint');
  if (painted || !observable) {
    requestAnimationFrame(run);
    return;
  }
  observer = new PerformanceObserver((list) => {
    if (list.getEntriesByName('first-contentful-paint').length) run();
  });
  observer.observe({ type: 'paint' });
}

/**
 * Paints the first screenful of tiles at once and the rest once that screen is shown, so a lab with hundreds of
 * services shows its first tiles without waiting for every tile to render.
 */
export function useProgressiveGroups(groups: Ref<ServiceGroupView[]>): Ref<ServiceGroupView[]> {
  const shown = ref<ServiceGroupView[]>([]);
  let limit = FIRST_PAINT_TILES;
  const apply = () => {
    let left = limit;
    shown.value = groups.value.flatMap((group) => {
      if (left <= 0) return [];
      const services = group.services.slice(0, left);
      left -= services.length;
      return [{ ...group, services }];
    });
  };
  watch(groups, apply, { immediate: true });
  onMounted(() => {
    const stop = watch(
      () => groups.value.length > 0,
      (ready) => {
        if (!ready) return;
        afterFirstScreen(() => {
          limit = Number.POSITIVE_INFINITY;
          apply();
        });
        queueMicrotask(() => stop());
      },
      { immediate: true },
    );
  });
  return shown;
}
