import { defineStore } from 'pinia';
import { computed, ref, watchEffect } from 'vue';

export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'labdeck.theme';

/** Light/dark theme: follows the OS until the user picks one, then remembers it (read by public/theme-init.js). */
export const useThemeStore = defineStore('theme', () => {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const systemDark = ref(media?.matches ?? false);
  media?.addEventListener('change', (e) => {
    systemDark.value = e.matches;
  });
  const stored = readStored();
  const choice = ref<ThemeChoice>(stored ?? 'system');
  const effective = computed<'light' | 'dark'>(() =>
    choice.value === 'system' ? (systemDark.value ? 'dark' : 'light') : choice.value,
  );

  watchEffect(() => {
    if (typeof document === 'undefined') return; // rendering on the server: the page's script sets it
    document.documentElement.dataset.theme = effective.value;
    try {
      if (choice.value === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice.value);
    } catch {
      // storage disabled: the choice lasts for this tab only
    }
  });

  function toggle() {
    choice.value = effective.value === 'dark' ? 'light' : 'dark';
  }

  return { choice, effective, toggle };
});

function readStored(): ThemeChoice | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}
