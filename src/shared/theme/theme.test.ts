import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { useThemeStore } from './theme';

describe('theme store', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
  });

  it('follows the system until the user chooses, then remembers the choice', async () => {
    const theme = useThemeStore();
    expect(theme.choice).toBe('system');
    theme.toggle();
    await nextTick();
    const chosen = theme.effective;
    expect(document.documentElement.dataset.theme).toBe(chosen);
    expect(localStorage.getItem('labdeck.theme')).toBe(chosen);

    setActivePinia(createPinia());
    expect(useThemeStore().effective).toBe(chosen);
  });

  it('forgets the stored choice when set back to system', async () => {
    const theme = useThemeStore();
    theme.choice = 'dark';
    await nextTick();
    theme.choice = 'system';
    await nextTick();
    expect(localStorage.getItem('labdeck.theme')).toBeNull();
  });
});
