import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import { usePaletteStore } from '@/shared/palette/palette';
import { useServiceCommands } from './quick-launch';
import { serviceView } from './test/service';
import type { ServiceView } from './types';

const service = (id: string, name: string) =>
  serviceView(id, { name, url: `https://${id}.lab/`, tags: ['sql'] });

describe('useServiceCommands', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.restoreAllMocks());

  function mountWith(list: ServiceView[]) {
    const services = ref(list);
    const wrapper = mount(
      defineComponent({
        setup() {
          useServiceCommands(services);
          return () => h('input', { 'data-testid': 'field' });
        },
      }),
      { attachTo: document.body },
    );
    return { wrapper, services };
  }

  it('registers every visible service as a palette command and follows the list', async () => {
    const { wrapper, services } = mountWith([service('trino', 'Trino')]);
    const palette = usePaletteStore();
    expect(palette.commands.map((c) => [c.id, c.title, c.group])).toEqual([
      ['service:trino', 'Trino', 'Services'],
    ]);
    services.value = [service('trino', 'Trino'), service('kafka', 'Kafka')];
    await wrapper.vm.$nextTick();
    expect(palette.commands.map((c) => c.id)).toEqual(['service:trino', 'service:kafka']);
    wrapper.unmount();
    expect(palette.commands).toEqual([]);
  });

  it('opens a new tab on Mod+Enter', () => {
    const { wrapper } = mountWith([service('trino', 'Trino')]);
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    usePaletteStore().commands[0]!.run({ newTab: true });
    expect(open).toHaveBeenCalledWith('https://trino.lab/', '_blank', 'noopener');
    wrapper.unmount();
  });
});
