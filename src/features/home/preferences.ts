import { ref, watch } from 'vue';
import { useServerPage } from '@/shared/ssr';

export type Density = 'comfortable' | 'compact';
const KEY = 'labdeck.home.density';
/** The same choice as a cookie: the BFF's render of Home's first screen reads it (src/entry-server.ts). */
export const DENSITY_COOKIE = 'labdeck_density';
const YEAR_S = 365 * 24 * 3600;

const asDensity = (value: string | null | undefined): Density =>
  value === 'compact' ? 'compact' : 'comfortable';

/** Tile density, remembered in this browser (local storage, mirrored into a cookie for the server). */
export function useDensity() {
  const page = useServerPage();
  if (page) return ref<Density>(asDensity(page.preferences[DENSITY_COOKIE]));
  const stored = readStored();
  const cookie = new RegExp(`(?:^|;\\s*)${DENSITY_COOKIE}=(\\w+)`).exec(document.cookie)?.[1];
  const density = ref<Density>(asDensity(stored ?? cookie));
  // A choice made before the cookie existed reaches the server from the next page load on.
  if (stored && stored !== cookie) writeCookie(density.value);
  watch(density, (value) => {
    try {
      localStorage.setItem(KEY, value);
    } catch {
      // storage disabled: the cookie still carries it
    }
    writeCookie(value);
  });
  return density;
}

function readStored(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function writeCookie(value: Density) {
  // biome-ignore lint/suspicious/noDocumentCookie: a plain preference cookie; the Cookie Store API is not in every browser
  document.cookie = `${DENSITY_COOKIE}=${value}; Path=/; Max-Age=${YEAR_S}; SameSite=Lax`;
}
