import { defineAsyncComponent } from 'vue';

/** One line (or bars) of a TimeChart: the values at `column` of each row (column 0 is the time). */
export interface ChartSeries {
  name: string;
  column: number;
  /** Index into the chart's `axes`; 0 when absent. */
  axis?: number;
  /** A CSS custom property of the theme (`--accent`). */
  color: string;
  kind?: 'line' | 'bar';
  dashed?: boolean;
}

export interface ChartAxis {
  name: string;
  /** Counts: no fractional ticks. */
  integer?: boolean;
}

/** A row of a TimeChart: the time (epoch ms or ISO string), then one value per column. */
export type ChartRow = ReadonlyArray<number | string | null>;

// echarts is heavy: the chart loads the first time a page shows one, never with the routes that do not.
export const TimeChart = defineAsyncComponent(() => import('./TimeChart.vue'));
