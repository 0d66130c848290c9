import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import SparkLine from './SparkLine.vue';

describe('SparkLine', () => {
  it('draws one segment per run of answered probes, with gaps for failures', () => {
    const path = mount(SparkLine, { props: { points: [10, 20, null, 20, 10], width: 40, height: 20 } })
      .get('path')
      .attributes('d');
    expect(path).toBe('M0.0 10.0L10.0 2.0M30.0 2.0L40.0 10.0');
  });

  it('draws nothing with fewer than two points', () => {
    expect(
      mount(SparkLine, { props: { points: [5] } })
        .find('path')
        .exists(),
    ).toBe(false);
  });
});
