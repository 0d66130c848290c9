import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeOutcome } from './adapters/probes/types.ts';
import { ProbeScheduler, type SchedulerOptions } from './scheduler.ts';
import type { ProbeResult, ServiceDef } from './types.ts';

const service = (id: string, intervalMs?: number): ServiceDef => ({
  id,
  name: id,
  url: `http://${id}.test/`,
  tags: [],
  roles: [],
  group: 'G',
  source: 'config',
  probe: { type: 'tcp', intervalMs },
});

const defaults = {
  intervalMs: 100,
  timeoutMs: 200,
  concurrency: 4,
  jitter: 0,
  backoffAfterMs: 0,
  maxBackoffMs: 800,
  slowMs: 10_000,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let scheduler: ProbeScheduler | undefined;
afterEach(() => scheduler?.stop());

function start(
  options: Partial<SchedulerOptions> & Pick<SchedulerOptions, 'runProbe'>,
  services: ServiceDef[],
) {
  const results: ProbeResult[] = [];
  scheduler = new ProbeScheduler({
    ...defaults,
    random: () => 0,
    onResult: (r) => results.push(r),
    ...options,
  });
  scheduler.setServices(services);
  scheduler.start();
  return results;
}

describe('ProbeScheduler', () => {
  it('never runs more probes at once than the concurrency cap', async () => {
    let running = 0;
    let peak = 0;
    const results = start(
      {
        concurrency: 3,
        runProbe: async () => {
          peak = Math.max(peak, ++running);
          await sleep(20);
          running--;
          return { status: 'up' };
        },
      },
      Array.from({ length: 20 }, (_, i) => service(`s${i}`)),
    );
    await sleep(400);
    expect(peak).toBe(3);
    expect(new Set(results.map((r) => r.serviceId)).size).toBe(20);
  });

  it('cuts a hanging probe at its timeout and counts it as down', async () => {
    const results = start({ runProbe: () => new Promise<ProbeOutcome>(() => {}) }, [service('hang', 10_000)]);
    await sleep(350);
    expect(results[0]).toMatchObject({
      serviceId: 'hang',
      status: 'down',
      error: 'timed out after 200 ms',
      latencyMs: null,
    });
    expect(scheduler!.running).toBe(0);
  });

  it('probes each service on its own interval, once at a time', async () => {
    const results = start({ runProbe: async () => ({ status: 'up' }) }, [
      service('fast', 50),
      service('slow', 300),
    ]);
    await sleep(640);
    const count = (id: string) => results.filter((r) => r.serviceId === id).length;
    expect(count('fast')).toBeGreaterThanOrEqual(8);
    expect(count('fast')).toBeLessThanOrEqual(14);
    expect(count('slow')).toBeGreaterThanOrEqual(2);
    expect(count('slow')).toBeLessThanOrEqual(3);
  });

  it('keeps retrying a failing service at its retry interval until it has been down for backoffAfterMs', async () => {
    const times: number[] = [];
    start(
      {
        backoffAfterMs: 400,
        retryIntervalMs: 40,
        runProbe: async () => {
          times.push(Date.now());
          return { status: 'down', error: 'no' };
        },
      },
      [service('flaky', 200)],
    );
    await sleep(900);
    const started = times[0]!;
    const gaps = times.slice(1).map((t, i) => [times[i]! - started, t - times[i]!] as const);
    const early = gaps
      .filter(([at]) => at < 360)
      .map(([, gap]) => gap)
      .sort((a, b) => a - b);
    const late = gaps.filter(([at]) => at > 440).map(([, gap]) => gap);
    // Every 40 ms while down for less than 400 ms (not the 200 ms interval, not doubling)...
    expect(early.length).toBeGreaterThanOrEqual(5);
    expect(early[Math.floor(early.length / 2)]!).toBeLessThan(80);
    expect(early.at(-1)!).toBeLessThan(200);
    // ...then doubling.
    expect(Math.max(...late)).toBeGreaterThanOrEqual(150);
  });

  it('backs off a service that stays down, and returns to its interval once it answers', async () => {
    let up = false;
    const times: number[] = [];
    start(
      {
        runProbe: async () => {
          times.push(Date.now());
          return up ? { status: 'up' } : { status: 'down', error: 'no' };
        },
      },
      [service('flaky', 50)],
    );
    await sleep(900);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 100, 200, 400 ms...: each wait doubles while the service is down (backoffAfterMs 0).
    expect(gaps[2]!).toBeGreaterThan(gaps[0]! * 2);
    up = true;
    await sleep(900);
    const recent = times.slice(-3);
    expect(recent[2]! - recent[1]!).toBeLessThan(120);
  });

  it('marks slow answers as degraded', async () => {
    const results = start(
      {
        slowMs: 20,
        runProbe: async () => {
          await sleep(40);
          return { status: 'up' };
        },
      },
      [service('slow')],
    );
    await sleep(150);
    expect(results[0]).toMatchObject({
      status: 'degraded',
      error: expect.stringMatching(/^slow: \d+ ms \(over 20 ms\)$/),
    });
  });

  it('keeps timing for unchanged services and drops removed ones', async () => {
    const results = start({ runProbe: async () => ({ status: 'up' }) }, [service('a'), service('b')]);
    await sleep(50);
    scheduler!.setServices([service('a')]);
    const before = results.length;
    await sleep(300);
    expect(results.slice(before).every((r) => r.serviceId === 'a')).toBe(true);
  });

  it('starts the probes due within a 40th of their interval together, under one claim', async () => {
    // First probes at 0, 100, 200 and 400 ms (random x 5 s, drawn by setServices and by start); the interval
    // is 10 s, so the window is 250 ms.
    const firsts = [0, 0.02, 0.04, 0.08, 0, 0.02, 0.04, 0.08];
    const claims: string[][] = [];
    const started = Date.now();
    const startedAt = new Map<string, number>();
    start(
      {
        random: () => firsts.shift() ?? 0,
        claim: async (ids) => {
          claims.push(ids);
          return true;
        },
        runProbe: async (s) => {
          startedAt.set(s.id, Date.now() - started);
          return { status: 'up' };
        },
      },
      ['a', 'b', 'c', 'd'].map((id) => service(id, 10_000)),
    );
    await sleep(600);
    expect(claims).toEqual([['a', 'b', 'c'], ['d']]);
    expect(startedAt.get('c')).toBeLessThan(150);
    expect(startedAt.get('d')).toBeGreaterThanOrEqual(380);
  });

  it('after a takeover starts no probe sooner than one interval after the last recorded start', async () => {
    const startedAt: number[] = [];
    const last = Date.now() - 10_000 + 100;
    scheduler = new ProbeScheduler({
      ...defaults,
      random: () => 0,
      onResult: () => {},
      claim: async () => true,
      runProbe: async () => {
        startedAt.push(Date.now());
        return { status: 'up' };
      },
    });
    scheduler.setServices([service('a', 10_000)]);
    scheduler.start(new Map([['a', last]]));
    await sleep(300);
    expect(startedAt).toHaveLength(1);
    expect(startedAt[0]! - last).toBeGreaterThanOrEqual(10_000);
  });
});
