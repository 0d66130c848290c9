import type { ProbeStatus } from './adapters/probes/types.ts';
import type { ProbeResult, ServiceFigure, ServiceHealth, ServiceStatus } from './types.ts';

const SPARK_POINTS = 30;
const HOUR = 3_600_000;
const WEEK_HOURS = 7 * 24;

interface Entry {
  status: ServiceStatus;
  since: number | null;
  lastCheck: number | null;
  latencyMs: number | null;
  error: string | null;
  spark: (number | null)[];
  figures: ServiceFigure[];
  /** hour number (epoch hours) -> [answered, total], for 24 h / 7 d uptime. */
  hours: Map<number, [number, number]>;
  /** Bumped on every change, so serialised views can be reused while it stays the same. */
  rev: number;
}

export interface Transition {
  serviceId: string;
  from: ServiceStatus;
  to: ProbeStatus;
  at: number;
}

/**
 * Health of every service, in memory: current state and since when, last check, a latency sparkline and
 * hourly answered/total counters for uptime. Fed by probe results (own or tailed from the database).
 */
export class HealthBook {
  readonly #entries = new Map<string, Entry>();

  #entry(id: string): Entry {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = {
        status: 'unknown',
        since: null,
        lastCheck: null,
        latencyMs: null,
        error: null,
        spark: [],
        figures: [],
        hours: new Map(),
        rev: 0,
      };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  /** Applies a result; returns the transition when the state changed. */
  apply(result: ProbeResult): Transition | null {
    const entry = this.#entry(result.serviceId);
    if (entry.lastCheck !== null && result.at < entry.lastCheck) return null;
    entry.rev++;
    const from = entry.status;
    entry.lastCheck = result.at;
    entry.latencyMs = result.latencyMs;
    entry.error = result.error;
    entry.figures = result.figures;
    entry.spark.push(result.status === 'down' ? null : result.latencyMs);
    if (entry.spark.length > SPARK_POINTS) entry.spark.shift();
    this.count(result.serviceId, result.at, result.status !== 'down' ? 1 : 0, 1);
    if (from === result.status) return null;
    entry.status = result.status;
    entry.since = result.at;
    return { serviceId: result.serviceId, from, to: result.status, at: result.at };
  }

  /** Loads the state saved before a restart. */
  restore(id: string, state: { status: ProbeStatus; since: number }): void {
    const entry = this.#entry(id);
    entry.rev++;
    entry.status = state.status;
    entry.since = state.since;
  }

  restoreLast(result: ProbeResult, spark: (number | null)[]): void {
    const entry = this.#entry(result.serviceId);
    entry.rev++;
    entry.lastCheck = result.at;
    entry.latencyMs = result.latencyMs;
    entry.error = result.error;
    entry.figures = result.figures;
    entry.spark = spark.slice(-SPARK_POINTS);
    if (entry.status === 'unknown') {
      entry.status = result.status;
      entry.since = result.at;
    }
  }

  count(id: string, at: number, answered: number, total: number): void {
    const entry = this.#entry(id);
    entry.rev++;
    const hours = entry.hours;
    const hour = Math.floor(at / HOUR);
    const slot = hours.get(hour);
    if (slot) {
      slot[0] += answered;
      slot[1] += total;
    } else {
      hours.set(hour, [answered, total]);
      for (const key of hours.keys()) if (key <= hour - WEEK_HOURS) hours.delete(key);
    }
  }

  /** Changes whenever the service's health changes (0 for a service never seen). */
  revision(id: string): number {
    return this.#entries.get(id)?.rev ?? 0;
  }

  forget(keep: ReadonlySet<string>): void {
    for (const id of this.#entries.keys()) if (!keep.has(id)) this.#entries.delete(id);
  }

  health(id: string, now = Date.now()): ServiceHealth {
    const entry = this.#entries.get(id);
    if (!entry) {
      return {
        status: 'unknown',
        since: null,
        lastCheck: null,
        latencyMs: null,
        error: null,
        uptime24h: null,
        uptime7d: null,
        sparkline: [],
        figures: [],
      };
    }
    const hour = Math.floor(now / HOUR);
    return {
      status: entry.status,
      since: iso(entry.since),
      lastCheck: iso(entry.lastCheck),
      latencyMs: entry.latencyMs,
      error: entry.status === 'up' ? null : entry.error,
      uptime24h: uptime(entry.hours, hour - 24),
      uptime7d: uptime(entry.hours, hour - WEEK_HOURS),
      sparkline: entry.spark,
      figures: entry.figures,
    };
  }
}

function uptime(hours: Map<number, [number, number]>, after: number): number | null {
  let answered = 0;
  let total = 0;
  for (const [hour, [a, t]] of hours) {
    if (hour > after) {
      answered += a;
      total += t;
    }
  }
  return total ? Math.round((answered / total) * 10_000) / 100 : null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
