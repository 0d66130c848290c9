import { onMounted, type Ref, ref, watch } from 'vue';
import { afterFirstPaint } from '@/shared/paint';
import type { ServiceGroupView, ServiceView } from './types';

/** Tiles in the first paint: more than any screen shows above the fold. */
const FIRST_PAINT_TILES = 16;

/**
 * Paints the first screenful of tiles at once and the rest once that screen is shown, so a lab with hundreds of
 * services shows its first tiles without waiting for every tile to render.
 */
/** A group as shown: `services` may be its first part only, `all` is the whole group (for its counts). */
export interface ShownGroup extends ServiceGroupView {
  all: ServiceView[];
}

export function useProgressiveGroups(groups: Ref<ServiceGroupView[]>): Ref<ShownGroup[]> {
  const shown = ref<ShownGroup[]>([]);
  let limit = FIRST_PAINT_TILES;
  const apply = () => {
    let left = limit;
    shown.value = groups.value.flatMap((group) => {
      if (left <= 0) return [];
      const services = group.services.slice(0, left);
      left -= services.length;
      return [{ ...group, services, all: group.services }];
    });
  };
  watch(groups, apply, { immediate: true });
  onMounted(() => {
    const stop = watch(
      () => groups.value.length > 0,
      (ready) => {
        if (!ready) return;
        afterFirstPaint(() => {
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
