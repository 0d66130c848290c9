import { type Ref, ref, watch } from 'vue';
import type { Column } from './api';
import { cellText, isNumericType } from './cells';

// The grid's font is 13px monospace (type labels 11px); a monospace glyph is at most ~0.61 em wide.
const CHAR_PX = 8;
const TYPE_CHAR_PX = 7;
/** Cell padding (8 + 8), the sort mark and the gap before the type label. */
const PADDING = 16;
const HEADER_EXTRA = 8 + 14;
/** Text columns are sized from this many first rows; numbers from every row, so none is ever cut. */
const SAMPLE_ROWS = 50;
const MAX_AUTO = 360;
const MIN = 48;

const textPx = (chars: number) => chars * CHAR_PX + PADDING;
const headerPx = (column: Column) =>
  Math.min(
    MAX_AUTO,
    column.name.length * CHAR_PX + column.type.length * TYPE_CHAR_PX + PADDING + HEADER_EXTRA,
  );
/** Characters before the decimal point or exponent (with the sign): the part a column never cuts. */
const integerChars = (text: string) => (text.search(/[.eE]/) === -1 ? text.length : text.search(/[.eE]/));

/**
 * Result column widths: from the header and the first rows' contents (text capped, numbers in full as rows
 * stream in), until the user resizes a column; a numeric column is never resized below its integer part.
 */
export function useColumnWidths(props: { columns: Column[]; rows: unknown[][]; rowCount: number }) {
  const widths: Ref<number[]> = ref([]);
  let content: number[] = [];
  let integers: number[] = [];
  let chosen: Array<number | undefined> = [];
  let measured = 0;
  let numeric: boolean[] = [];

  const update = () => {
    widths.value = props.columns.map((column, c) =>
      Math.max(chosen[c] ?? Math.max(headerPx(column), content[c]!), integers[c]!),
    );
  };
  const measure = (count: number) => {
    for (let r = measured; r < count; r++) {
      const row = props.rows[r];
      if (!row) continue;
      for (let c = 0; c < numeric.length; c++) {
        if (!numeric[c] && r >= SAMPLE_ROWS) continue;
        const text = cellText(row[c]);
        if (numeric[c]) integers[c] = Math.max(integers[c]!, textPx(integerChars(text)));
        content[c] = Math.max(content[c]!, Math.min(numeric[c] ? Infinity : MAX_AUTO, textPx(text.length)));
      }
    }
    measured = Math.max(measured, count);
    update();
  };

  watch(
    () => props.columns,
    (columns) => {
      numeric = columns.map((column) => isNumericType(column.type));
      content = columns.map(() => MIN);
      integers = columns.map(() => MIN);
      chosen = columns.map(() => undefined);
      measured = 0;
      measure(props.rowCount);
    },
    { immediate: true },
  );
  watch(
    () => props.rowCount,
    (count) => {
      if (count < measured) measured = 0;
      if (count > measured && (numeric.includes(true) || measured < SAMPLE_ROWS)) measure(count);
    },
  );

  /** The user's width for a column (kept as the data streams on). */
  const resize = (column: number, width: number) => {
    chosen[column] = Math.max(MIN, width);
    update();
  };
  return { widths, resize };
}
