import { onMounted, type Ref, ref, watch } from 'vue';
import type { ServiceGroupView } from './types';

/** Tiles in the first paint: more than any screen shows above the fold. */
const FIRST_PAINT_TILES = 16;

/**
 * Paints the first screenful of tiles at once and the rest once that frame is out, so a lab with hundreds of
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
        // After the frame that shows the first tiles has been produced (the second animation frame
        // starts once it is), so rendering the rest does not hold up that frame on a busy machine.
        requestAnimationFrame(() =>
          requestAnimationFrame(() =>
            setTimeout(() => {
              limit = Number.POSITIVE_INFINITY;
              apply();
            }),
          ),
        );
        queueMicrotask(() => stop());
      },
      { immediate: true },
    );
  });
  return shown;
}
