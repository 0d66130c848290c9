import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';

export interface PaletteCommand {
  id: string;
  title: string;
  group: string;
  hint?: string;
  keywords?: string[];
  /** `newTab` is true when the user pressed Mod+Enter. */
  run: (options: { newTab: boolean }) => void;
}

/** The command palette (Mod+K): features register their commands here and remove them when they go. */
export const usePaletteStore = defineStore('palette', () => {
  const isOpen = ref(false);
  const sources = shallowRef(new Map<symbol, readonly PaletteCommand[]>());
  const commands = computed(() => [...sources.value.values()].flat());

  function register(list: readonly PaletteCommand[]): () => void {
    const key = Symbol('commands');
    sources.value = new Map(sources.value).set(key, list);
    return () => {
      const next = new Map(sources.value);
      next.delete(key);
      sources.value = next;
    };
  }

  return {
    isOpen,
    commands,
    register,
    open: () => {
      isOpen.value = true;
    },
    close: () => {
      isOpen.value = false;
    },
  };
});
