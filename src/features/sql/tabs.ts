import { reactive, ref } from 'vue';
import { deleteTab, fetchTabs, saveTab, type Tab } from './api';

const SAVE_DELAY_MS = 600;

const newId = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The user's editor tabs, loaded from and saved to the server (debounced), so they follow the user. */
export function useSqlTabs() {
  const tabs = ref<Tab[]>([]);
  const activeId = ref('');
  const loaded = ref(false);
  const error = ref<unknown>(null);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const saving = reactive(new Set<string>());

  async function load(defaultConnection: () => string | null) {
    try {
      tabs.value = await fetchTabs();
      if (!tabs.value.length) add(defaultConnection());
      activeId.value = tabs.value[0]!.id;
      loaded.value = true;
    } catch (e) {
      error.value = e;
    }
  }

  function persist(tab: Tab, now = false) {
    clearTimeout(timers.get(tab.id));
    const save = () => {
      timers.delete(tab.id);
      saving.add(tab.id);
      saveTab(tab)
        .catch((e) => (error.value = e))
        .finally(() => saving.delete(tab.id));
    };
    if (now) save();
    else timers.set(tab.id, setTimeout(save, SAVE_DELAY_MS));
  }

  function add(connectionId: string | null, sql = '', title?: string): Tab {
    const position = tabs.value.reduce((m, t) => Math.max(m, t.position + 1), 0);
    const tab: Tab = {
      id: newId(),
      position,
      title: title ?? `Query ${position + 1}`,
      connectionId,
      sql,
      updatedAt: new Date().toISOString(),
    };
    tabs.value = [...tabs.value, tab];
    activeId.value = tab.id;
    persist(tab, true);
    return tab;
  }

  function update(id: string, patch: Partial<Omit<Tab, 'id'>>) {
    const tab = tabs.value.find((t) => t.id === id);
    if (!tab) return;
    Object.assign(tab, patch);
    persist(tab);
  }

  async function close(id: string) {
    clearTimeout(timers.get(id));
    const index = tabs.value.findIndex((t) => t.id === id);
    tabs.value = tabs.value.filter((t) => t.id !== id);
    if (activeId.value === id) activeId.value = tabs.value[Math.max(0, index - 1)]?.id ?? '';
    await deleteTab(id).catch((e) => (error.value = e));
  }

  /** Saves pending edits now (before the page goes away). */
  function flush() {
    for (const [id, timer] of timers) {
      clearTimeout(timer);
      const tab = tabs.value.find((t) => t.id === id);
      if (tab) persist(tab, true);
    }
  }

  return { tabs, activeId, loaded, error, saving, load, add, update, close, flush };
}
