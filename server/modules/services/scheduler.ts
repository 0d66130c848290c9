import { probeAdapter } from './adapters/probes/registry.ts';
import { describeError, type ProbeContext, type ProbeOutcome } from './adapters/probes/types.ts';
import type { ProbeResult, ServiceDef } from './types.ts';

export interface SchedulerOptions {
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  jitter: number;
  /** Wait between probes of a failing service (the service's interval when absent or longer). */
  retryIntervalMs?: number;
  /** How long a service must have been down before its probes back off. */
  backoffAfterMs: number;
  maxBackoffMs: number;
  slowMs: number;
  onResult: (result: ProbeResult) => void;
  /** Replaces the adapter registry (unit tests). */
  runProbe?: (service: ServiceDef, signal: AbortSignal, timeoutMs: number) => Promise<ProbeOutcome>;
  random?: () => number;
  /** The shared browser `browser` probes run in. */
  browser?: ProbeContext['browser'];
  /**
   * Records durably that these services are about to be probed (on the leader's lock connection);
   * false or a rejection means this replica may no longer probe, so nothing is launched.
   */
  claim?: (serviceIds: string[]) => Promise<boolean>;
}

interface Slot {
  service: ServiceDef;
  key: string;
  nextAt: number;
  /** Never started before this (one interval after a previous leader's last start). */
  notBefore: number;
  /** When the current run of failed probes began; null while the service answers. */
  downSince: number | null;
  /** Failed probes since backing off began. */
  backedOff: number;
  running: boolean;
}

const MAX_WAIT_MS = 1_000;
/** How much sooner than due a probe may start (at most a 40th of its interval, well within the jitter). */
const MAX_EARLY_MS = 250;

/**
 * Runs every service's probe on its own interval (with jitter), never more than `concurrency` at a time,
 * cutting each at its timeout. A failing service is retried at its interval (or the shorter retry interval),
 * so its recovery shows within one interval; only one down for `backoffAfterMs` is probed less and less
 * often. One probe per service, whoever looks.
 */
export class ProbeScheduler {
  readonly #options: SchedulerOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #random: () => number;
  #running = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  /** Due slots were left waiting for a free probe. */
  #hasBacklog = false;
  #active = false;
  readonly #inflight = new Set<Promise<void>>();

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  get running(): number {
    return this.#running;
  }

  /** Replaces the probed set; services whose probe did not change keep their timing and backoff. */
  setServices(services: readonly ServiceDef[]): void {
    const seen = new Set<string>();
    const now = Date.now();
    for (const service of services) {
      if (!service.probe) continue;
      seen.add(service.id);
      const key = JSON.stringify([service.probe, service.url]);
      const slot = this.#slots.get(service.id);
      if (slot && slot.key === key) {
        slot.service = service;
        continue;
      }
      // First run spread over the interval so a thousand services do not fire at once.
      const first = slot ? 0 : this.#random() * Math.min(this.#interval(service), 5_000);
      this.#slots.set(service.id, {
        service,
        key,
        nextAt: now + first,
        notBefore: 0,
        downSince: null,
        backedOff: 0,
        // A probe of the old settings still in flight reports to the old slot and is dropped.
        running: false,
      });
    }
    for (const id of this.#slots.keys()) if (!seen.has(id)) this.#slots.delete(id);
    if (this.#active) this.#schedule(0);
  }

  /**
   * Starts probing. `lastStarts` (service id -> epoch ms) are probes a previous leader began: those
   * services continue one interval after them, never sooner, so a takeover probes nothing twice.
   */
  start(lastStarts: ReadonlyMap<string, number> = new Map()): void {
    if (this.#active) return;
    this.#active = true;
    const now = Date.now();
    for (const slot of this.#slots.values()) {
      const last = lastStarts.get(slot.service.id);
      slot.notBefore = last === undefined ? 0 : last + this.#interval(slot.service);
      slot.nextAt =
        last === undefined
          ? Math.min(slot.nextAt, now + this.#random() * Math.min(this.#interval(slot.service), 5_000))
          : Math.max(now, slot.notBefore);
    }
    this.#schedule(0);
  }

  /** Stops scheduling; waits for probes in flight (each is bounded by its timeout). */
  async stop(): Promise<void> {
    this.#active = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#inflight]);
  }

  #interval(service: ServiceDef): number {
    return service.probe?.intervalMs ?? this.#options.intervalMs;
  }

  #schedule(delay: number): void {
    if (!this.#active) return;
    const at = Date.now() + delay;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, delay);
    this.#timer.unref?.();
  }

  #tick(): void {
    const now = Date.now();
    let nextDue = now + MAX_WAIT_MS;
    const due: Slot[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.running) continue;
      // Slots due a moment later start now too: one tick and one claim serve several probes.
      const early = Math.min(MAX_EARLY_MS, this.#interval(slot.service) / 40);
      if (slot.nextAt - early <= now && slot.notBefore <= now) due.push(slot);
      else nextDue = Math.min(nextDue, Math.max(slot.nextAt, slot.notBefore));
    }
    // Most overdue first, so an overloaded scheduler still treats every service fairly.
    if (due.length > 1) due.sort((a, b) => a.nextAt - b.nextAt);
    const free = this.#options.concurrency - this.#running;
    const picked = due.slice(0, Math.max(0, free));
    if (picked.length && this.#options.claim) this.#claimThenLaunch(picked, this.#options.claim);
    else for (const slot of picked) this.#launch(slot);
    // When slots are all busy, finishing probes call #schedule themselves.
    this.#hasBacklog = due.length > free;
    if (!this.#hasBacklog) this.#schedule(Math.max(0, nextDue - Date.now()));
  }

  /** Holds the slots while their start is recorded; launches them only if it was. */
  #claimThenLaunch(slots: Slot[], claim: (ids: string[]) => Promise<boolean>): void {
    for (const slot of slots) this.#reserve(slot);
    const claimed = claim(slots.map((slot) => slot.service.id)).catch(() => false);
    const done = claimed.then((ok) => {
      for (const slot of slots) {
        if (ok && this.#active) {
          this.#run(slot);
          continue;
        }
        this.#running--;
        slot.running = false;
      }
      if (!ok) this.#schedule(MAX_WAIT_MS);
    });
    this.#inflight.add(done);
    done.finally(() => this.#inflight.delete(done));
  }

  #reserve(slot: Slot): void {
    slot.running = true;
    this.#running++;
  }

  #launch(slot: Slot): void {
    this.#reserve(slot);
    this.#run(slot);
  }

  #run(slot: Slot): void {
    const done = this.#probe(slot.service).then((result) => {
      this.#running--;
      slot.running = false;
      if (this.#slots.get(slot.service.id) !== slot) return;
      this.#count(slot, result);
      slot.nextAt = Date.now() + this.#delayAfter(slot);
      if (!this.#active) return;
      this.#options.onResult(result);
      this.#schedule(Math.max(0, Math.min(slot.nextAt, this.#hasBacklog ? 0 : slot.nextAt) - Date.now()));
    });
    this.#inflight.add(done);
    done.finally(() => this.#inflight.delete(done));
  }

  #count(slot: Slot, result: ProbeResult): void {
    if (result.status !== 'down') {
      slot.downSince = null;
      slot.backedOff = 0;
      return;
    }
    slot.downSince ??= result.at;
    if (result.at - slot.downSince >= this.#options.backoffAfterMs) slot.backedOff++;
  }

  #delayAfter(slot: Slot): number {
    const interval = this.#interval(slot.service);
    let base = interval;
    if (slot.downSince !== null) {
      base = Math.min(interval, this.#options.retryIntervalMs ?? interval);
      if (slot.backedOff > 0)
        base = Math.min(base * 2 ** slot.backedOff, Math.max(base, this.#options.maxBackoffMs));
    }
    const jitter = this.#options.jitter;
    return base * (1 - jitter + 2 * jitter * this.#random());
  }

  async #probe(service: ServiceDef): Promise<ProbeResult> {
    const probe = service.probe!;
    const timeoutMs = probe.timeoutMs ?? this.#options.timeoutMs;
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<ProbeOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ status: 'down', error: `timed out after ${timeoutMs} ms` });
      }, timeoutMs);
    });
    let outcome: ProbeOutcome;
    try {
      const run = this.#options.runProbe
        ? this.#options.runProbe(service, controller.signal, timeoutMs)
        : probeAdapter(probe.type).run(probe, {
            signal: controller.signal,
            timeoutMs,
            serviceUrl: service.url,
            serviceId: service.id,
            browser: this.#options.browser,
          });
      outcome = await Promise.race([
        run.catch((error): ProbeOutcome => ({ status: 'down', error: describeError(error) })),
        cut,
      ]);
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = Math.round(outcome.latencyMs ?? performance.now() - started);
    let { status, error } = outcome;
    // A probe type with its own threshold (browser checks take seconds) judges slowness itself.
    const slowMs = 'slowMs' in probe ? Number.POSITIVE_INFINITY : this.#options.slowMs;
    if (status === 'up' && latencyMs > slowMs) {
      status = 'degraded';
      error = `slow: ${latencyMs} ms (over ${slowMs} ms)`;
    }
    return {
      serviceId: service.id,
      at: Date.now(),
      status,
      latencyMs: status === 'down' ? null : latencyMs,
      error: error ?? null,
      figures: outcome.figures ?? [],
    };
  }
}
