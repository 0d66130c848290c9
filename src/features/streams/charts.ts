import type { ChartAxis, ChartSeries } from '@/shared/ui/time-chart';

/** The lines of a detail page's chart over the columns of its Series points ([t, ...values]). */
export interface StreamsChart {
  series: ChartSeries[];
  axes: ChartAxis[];
}

export const THROUGHPUT_CHART: StreamsChart = {
  series: [
    { name: 'msgs/s', column: 1, color: '--accent' },
    { name: 'bytes/s ≈', column: 2, axis: 1, color: '--warn' },
  ],
  axes: [{ name: 'msgs/s' }, { name: 'bytes/s' }],
};

export const LAG_CHART: StreamsChart = {
  series: [{ name: 'total lag (messages)', column: 1, color: '--accent' }],
  axes: [{ name: 'messages' }],
};
