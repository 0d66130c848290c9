import { ref, watch } from 'vue';

export type Density = 'comfortable' | 'compact';
const KEY = 'labdeck.home.density';

/** Tile density, remembered in this browser. */
export function useDensity() {
  const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
  const density = ref<Density>(stored === 'compact' ? 'compact' : 'comfortable');
  watch(density, (value) => localStorage.setItem(KEY, value));
  return density;
}
