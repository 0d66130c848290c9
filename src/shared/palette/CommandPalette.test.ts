import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import CommandPalette from './CommandPalette.vue';
import { usePaletteStore } from './palette';

describe('CommandPalette', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    // happy-dom's <dialog> lacks showModal in some versions; the palette only needs open/close.
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.open = true;
    };
  });

  it('filters registered commands and runs the highlighted one on Enter', async () => {
    const palette = usePaletteStore();
    const kafka = vi.fn();
    const trino = vi.fn();
    palette.register([
      { id: 'kafka', title: 'Open Kafka UI', group: 'Services', run: kafka },
      { id: 'trino', title: 'Open Trino', group: 'Services', run: trino },
    ]);
    const wrapper = mount(CommandPalette, { attachTo: document.body });
    palette.open();
    await nextTick();
    await nextTick();
    const input = wrapper.get('input');
    await input.setValue('tri');
    expect(wrapper.findAll('[role="option"]').map((o) => o.text())).toEqual([
      expect.stringContaining('Open Trino'),
    ]);
    await input.trigger('keydown', { key: 'Enter', ctrlKey: true });
    expect(trino).toHaveBeenCalledWith({ newTab: true });
    expect(kafka).not.toHaveBeenCalled();
    expect(palette.isOpen).toBe(false);
    wrapper.unmount();
  });

  it('removes commands when their owner unregisters them', () => {
    const palette = usePaletteStore();
    const unregister = palette.register([{ id: 'a', title: 'A', group: 'G', run: () => {} }]);
    expect(palette.commands).toHaveLength(1);
    unregister();
    expect(palette.commands).toHaveLength(0);
  });
});
