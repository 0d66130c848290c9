import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { usePaletteStore } from './palette';
import { usePaletteShortcuts } from './shortcuts';

describe('usePaletteShortcuts', () => {
  beforeEach(() => setActivePinia(createPinia()));

  const mountShortcuts = () =>
    mount(
      defineComponent({
        setup() {
          usePaletteShortcuts();
          return () =>
            h('div', [
              h('input', { 'data-testid': 'field' }),
              h('div', { class: 'monaco-editor' }, [h('div', { 'data-testid': 'edit-context' })]),
            ]);
        },
      }),
      { attachTo: document.body },
    );

  it('opens the palette with "/" unless the user is typing', () => {
    const wrapper = mountShortcuts();
    const palette = usePaletteStore();
    wrapper
      .get('[data-testid="field"]')
      .element.dispatchEvent(new KeyboardEvent('keydown', { key: '/', bubbles: true }));
    expect(palette.isOpen).toBe(false);
    // Monaco's EditContext element: a plain <div> inside the editor (a division in SQL, not the palette).
    wrapper
      .get('[data-testid="edit-context"]')
      .element.dispatchEvent(new KeyboardEvent('keydown', { key: '/', bubbles: true }));
    expect(palette.isOpen).toBe(false);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '/' }));
    expect(palette.isOpen).toBe(true);
    wrapper.unmount();
  });

  it('toggles the palette with Ctrl+K', () => {
    const wrapper = mountShortcuts();
    const palette = usePaletteStore();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true }));
    expect(palette.isOpen).toBe(true);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true }));
    expect(palette.isOpen).toBe(false);
    wrapper.unmount();
  });
});
