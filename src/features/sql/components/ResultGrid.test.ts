import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { Column } from '../api';
import ResultGrid from './ResultGrid.vue';

// The grid's font: 13px monospace, type labels 11px; a monospace glyph is at most ~0.61 em wide.
const textPx = (chars: number, fontPx = 13) => chars * 0.61 * fontPx;
const PADDING = 16;

const columns: Column[] = [
  { name: 'region', type: 'varchar' },
  { name: 'total', type: 'numeric' },
];

function mountGrid(rows: unknown[][], cols = columns) {
  return mount(ResultGrid, {
    props: { columns: cols, rows, rowCount: rows.length },
    attachTo: document.body,
  });
}

/** Column widths (px) from the header's grid template, without the row-number column; the last may be `minmax`. */
function template(wrapper: ReturnType<typeof mountGrid>): string[] {
  const style = (wrapper.get('.row.head').element as HTMLElement).style.gridTemplateColumns;
  return style.match(/minmax\([^)]*\)|\S+/g)!.slice(1);
}
const px = (part: string) => Number(/(\d+(?:\.\d+)?)px/.exec(part)![1]);

describe('ResultGrid column widths', () => {
  it('fits a numeric sum and its header, and lets the last column take the remaining width', () => {
    const wrapper = mountGrid([
      ['EMEA', '1732397.52'],
      ['APAC', '98.10'],
    ]);
    const [region, total] = template(wrapper);
    expect(px(total!)).toBeGreaterThanOrEqual(textPx('1732397.52'.length) + PADDING);
    expect(px(total!)).toBeGreaterThanOrEqual(
      textPx('total'.length) + textPx('numeric'.length, 11) + PADDING,
    );
    expect(px(region!)).toBeGreaterThanOrEqual(
      textPx('region'.length) + textPx('varchar'.length, 11) + PADDING,
    );
    expect(total).toMatch(/^minmax\(\d+(\.\d+)?px, 1fr\)$/);
    expect((wrapper.get('.inner').element as HTMLElement).style.minWidth).toBe('100%');
    wrapper.unmount();
  });

  it('sizes columns from the first rows when they arrive after the columns, capping long text', async () => {
    const wrapper = mountGrid([]);
    const before = px(template(wrapper)[0]!);
    const long = 'x'.repeat(200);
    await wrapper.setProps({
      rows: [
        [`${'y'.repeat(30)}`, '1'],
        [long, '2'],
      ],
      rowCount: 2,
    });
    const after = px(template(wrapper)[0]!);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(textPx(30) + PADDING);
    expect(after).toBeLessThanOrEqual(400);
    wrapper.unmount();
  });

  it('never narrows a numeric column below its integer part, even when resized', async () => {
    const wrapper = mountGrid([['EMEA', '1732397.52']], [...columns, { name: 'note', type: 'varchar' }]);
    const handle = wrapper.findAll('.resize')[1]!;
    handle.element.dispatchEvent(new PointerEvent('pointerdown', { clientX: 500, bubbles: true }));
    window.dispatchEvent(new PointerEvent('pointermove', { clientX: 100 }));
    window.dispatchEvent(new PointerEvent('pointerup', { clientX: 100 }));
    await wrapper.vm.$nextTick();
    expect(px(template(wrapper)[1]!)).toBeGreaterThanOrEqual(textPx('1732397'.length) + PADDING);
    wrapper.unmount();
  });
});
