import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { useProgressiveGroups } from './progressive';
import type { ServiceGroupView, ServiceView } from './types';

const groups = (sizes: number[]): ServiceGroupView[] =>
  sizes.map((size, g) => ({
    name: `Group ${g}`,
    collapsed: false,
    services: Array.from({ length: size }, (_, i) => ({ id: `s-${g}-${i}` }) as ServiceView),
  }));

describe('useProgressiveGroups', () => {
  it('shows the first screenful at once and the rest once the first screen is out', async () => {
    const source = ref(groups([10, 30]));
    let shown: ReturnType<typeof useProgressiveGroups> | undefined;
    const wrapper = mount(
      defineComponent({
        setup() {
          shown = useProgressiveGroups(source);
          return () => h('div');
        },
      }),
    );
    expect(shown!.value.map((g) => g.services.length)).toEqual([10, 6]);
    expect(shown!.value.map((g) => g.all.length)).toEqual([10, 30]); // what the headings count
    await expect.poll(() => shown!.value.map((g) => g.services.length)).toEqual([10, 30]);
    source.value = groups([5, 50]);
    await nextTick();
    expect(shown!.value.map((g) => g.services.length)).toEqual([5, 50]);
    wrapper.unmount();
  });
});
