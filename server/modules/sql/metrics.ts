import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** SQL Lab metrics on the app's registry (GET /metrics). */
export function createSqlMetrics(registry: Registry) {
  return {
    runs: new Counter({
      name: 'labdeck_sql_runs_total',
      help: 'SQL runs and exports by engine, kind and final state',
      labelNames: ['engine', 'kind', 'state'] as const,
      registers: [registry],
    }),
    rows: new Counter({
      name: 'labdeck_sql_rows_total',
      help: 'Rows streamed to browsers and downloads',
      labelNames: ['engine', 'kind'] as const,
      registers: [registry],
    }),
    running: new Gauge({
      name: 'labdeck_sql_running',
      help: 'SQL runs and exports in progress',
      registers: [registry],
    }),
    seconds: new Histogram({
      name: 'labdeck_sql_run_seconds',
      help: 'Duration of SQL runs and exports',
      labelNames: ['engine', 'kind'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    }),
  };
}

export type SqlMetrics = ReturnType<typeof createSqlMetrics>;
