import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { hasAnyRole } from '../../platform/access.ts';
import { notFound } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import type { JsonBody } from '../../platform/json-body.ts';
import { LEADER_LOCKS, Leadership } from '../../platform/leader.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { enabledSources } from './adapters/discovery/index.ts';
import type { DiscoverySource } from './adapters/discovery/types.ts';
import type { ProbeStatus } from './adapters/probes/types.ts';
import { BrowserCheckDesk } from './browser/index.ts';
import { Catalog } from './catalog.ts';
import type { ServicesConfig } from './config.ts';
import {
  type DiscoveryState,
  SERVICES_TOPIC,
  type ServiceHealth,
  type ServiceHistory,
  type ServicesLiveEvent,
  type ServiceView,
} from './contract.ts';
import { Gate } from './gate/rules.ts';
import { HealthBook } from './health.ts';
import { ProbeScheduler } from './scheduler.ts';
import { ServicesStore } from './store.ts';
import type { ProbeResult, ServiceDef } from './types.ts';

const FLUSH_MS = 1_000;
const TAIL_MS = 1_000;
const PUBLISH_MS = 2_000;
const CACHE_MS = 1_000;
const COMPACT_MS = 10 * 60_000;
const MAX_BUFFER = 50_000;

/** The public view of one service: no probe settings, headers or credentials. */
function publicService(service: ServiceDef, health: ServiceHealth): ServiceView {
  return {
    id: service.id,
    name: service.name,
    url: service.url,
    description: service.description ?? null,
    icon: service.icon ?? null,
    tags: service.tags,
    owner: service.owner ?? null,
    docs: service.docs ?? null,
    group: service.group,
    source: service.source,
    kind: service.kind ?? null,
    probe: service.probe?.type ?? null,
    ...health,
  };
}

/**
 * The services capability: catalog (declared + discovered), probing on the leader replica, history in
 * PostgreSQL, health in memory, and the cached list the API serves.
 */
export class ServicesService {
  readonly catalog: Catalog;
  readonly health = new HealthBook();
  readonly store: ServicesStore;
  readonly browserChecks: BrowserCheckDesk;
  readonly #ctx: ModuleContext;
  readonly #config: ServicesConfig;
  readonly #scheduler: ProbeScheduler;
  readonly #leadership: Leadership;
  readonly #sources: DiscoverySource[] = [];
  #buffer: ProbeResult[] = [];
  #changedStates = new Map<string, { status: ProbeStatus; since: number }>();
  #tailId = 0;
  #timers: NodeJS.Timeout[] = [];
  #version = 1;
  #stateVersion = 1;
  #published = { version: 1, stateVersion: 1 };
  #publishTimer: NodeJS.Timeout | undefined;
  #cache = new Map<string, JsonBody & { version: number; stateVersion: number; builtAt: number }>();
  #flushing: Promise<void> = Promise.resolve();
  readonly #fragments = new WeakMap<ServiceDef, { stamp: number; text: string }>();
  #tailing = false;
  #gate: { services: readonly ServiceDef[]; gate: Gate } | undefined;
  /** The HTTP server listens: probing may start (on the leader). */
  #listening = false;

  constructor(ctx: ModuleContext, config: ServicesConfig) {
    this.#ctx = ctx;
    this.#config = config;
    this.catalog = new Catalog(config);
    this.store = new ServicesStore(ctx.db);
    this.browserChecks = new BrowserCheckDesk(ctx.db, config.browserChecks, () =>
      ctx.log.warn('the browser of browser checks went away; the next check starts a new one'),
    );
    this.#scheduler = new ProbeScheduler({
      ...config.probes,
      browser: this.browserChecks.runner,
      onResult: (result) => this.#onOwnResult(result),
      claim: async (ids) => {
        await this.#leadership.fenced(ServicesStore.CLAIM_PROBES, [ids]);
        return true;
      },
    });
    this.#leadership = new Leadership(ctx.db, ctx.log.child({ module: 'services' }), {
      lock: LEADER_LOCKS.probes,
      duty: 'probes services',
      onChange: (leader) => this.#onLeadership(leader),
    });
  }

  /** The forward-auth gate over the current catalog (rebuilt when discovery changes it). */
  gate(): Gate {
    const services = this.catalog.services;
    if (this.#gate?.services !== services) this.#gate = { services, gate: new Gate(services) };
    return this.#gate.gate;
  }

  get isLeader(): boolean {
    return this.#leadership.isLeader;
  }

  async start(): Promise<void> {
    await this.#restore();
    this.#tailId = await this.store.lastResultId();
    this.#scheduler.setServices(this.catalog.services);
    this.#sources.push(...enabledSources(this.#config.discovery));
    for (const source of this.#sources) {
      this.catalog.addSource(source.name);
      source.start({
        update: (services, problems) => {
          for (const problem of problems) this.#ctx.log.warn(problem, 'skipped a discovered service');
          if (this.catalog.update(source.name, services, problems)) this.#catalogChanged();
          else this.#touch(true);
        },
        failed: (message) => {
          this.#ctx.log.warn(
            { source: source.name, message },
            'service discovery failed; keeping the last list',
          );
          this.catalog.fail(source.name, message);
          this.#touch(true);
        },
      });
    }
    this.#every(FLUSH_MS, 'save results', () => this.#flush());
    this.#every(TAIL_MS, 'follow results', () => this.#tail());
    this.#every(PUBLISH_MS, 'publish', () => this.#publish());
    this.#every(COMPACT_MS, 'compact history', () => this.#compact());
    await this.#leadership.start();
  }

  listening(): void {
    this.#listening = true;
    if (this.#leadership.isLeader) this.#startProbing();
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    clearTimeout(this.#publishTimer);
    await Promise.allSettled(this.#sources.map((source) => source.stop()));
    await this.#scheduler.stop();
    await this.browserChecks.close();
    await this.#flush();
    await this.#leadership.stop();
  }

  /** Discovery as admins see it: each source's state and the objects skipped with the reason. */
  discovery(): DiscoveryState {
    return { sources: this.catalog.sourceStatus(), problems: this.catalog.problems(), leader: this.isLeader };
  }

  favourites(user: User): Promise<string[]> {
    return this.store.favourites(user.id);
  }

  async addFavourite(user: User, id: string): Promise<void> {
    if (!this.find(user, id)) throw notFound(`No service ${id}`);
    await this.store.addFavourite(user.id, id);
  }

  removeFavourite(user: User, id: string): Promise<void> {
    return this.store.removeFavourite(user.id, id);
  }

  /** Health buckets and failures of a service the user may see, between `from` and `to`. */
  async history(user: User, id: string, from: Date, to: Date): Promise<ServiceHistory> {
    if (!this.find(user, id)) throw notFound(`No service ${id}`);
    const [buckets, failures] = await Promise.all([
      this.store.history(id, from, to),
      this.store.failures(id, from, to),
    ]);
    return { id, from: from.toISOString(), to: to.toISOString(), buckets, failures };
  }

  /** The list a user may see, serialised once per second at most (and at once after a state change). */
  listFor(user: User): JsonBody {
    const key = user.roles.includes('admin') ? '*admin' : [...user.roles].sort().join(',');
    const cached = this.#cache.get(key);
    const now = Date.now();
    if (
      cached &&
      (cached.version === this.#version ||
        (cached.stateVersion === this.#stateVersion && now - cached.builtAt < CACHE_MS))
    ) {
      return cached;
    }
    const visible = this.catalog.services.filter((service) => hasAnyRole(user, service.roles));
    const parts: string[] = [];
    for (const group of this.catalog.groups) {
      const members = visible.filter((service) => service.group === group.name);
      if (!members.length) continue;
      const head = JSON.stringify({ name: group.name, collapsed: group.collapsed }).slice(0, -1);
      parts.push(`${head},"services":[${members.map((service) => this.#fragment(service, now)).join(',')}]}`);
    }
    const head = JSON.stringify({ version: this.#version, warnings: this.catalog.warnings() }).slice(0, -1);
    const json = Buffer.from(`${head},"groups":[${parts.join(',')}]}`);
    const entry = {
      json,
      gzip: gzipSync(json, { level: 1 }),
      etag: `"${createHash('sha1').update(json).digest('base64url').slice(0, 22)}"`,
      version: this.#version,
      stateVersion: this.#stateVersion,
      builtAt: now,
    };
    if (this.#cache.size > 100) this.#cache.clear();
    this.#cache.set(key, entry);
    return entry;
  }

  /** One service's JSON, reused until its health changes (and re-rendered each minute for uptime). */
  #fragment(service: ServiceDef, now: number): string {
    const stamp = this.health.revision(service.id) * 1e6 + Math.floor(now / 60_000);
    const cached = this.#fragments.get(service);
    if (cached?.stamp === stamp) return cached.text;
    const text = JSON.stringify(publicService(service, this.health.health(service.id, now)));
    this.#fragments.set(service, { stamp, text });
    return text;
  }

  find(user: User, id: string): ServiceDef | undefined {
    const service = this.catalog.services.find((s) => s.id === id);
    return service && hasAnyRole(user, service.roles) ? service : undefined;
  }

  /** Runs a background task; while it keeps failing (database restarting) it is logged once a minute. */
  #every(ms: number, task: string, fn: () => unknown): void {
    let lastLogged = 0;
    const timer = setInterval(() => {
      Promise.resolve(fn()).then(
        () => {
          lastLogged = 0;
        },
        (error) => {
          if (Date.now() - lastLogged < 60_000) return;
          lastLogged = Date.now();
          this.#ctx.log.warn({ err: error, task }, 'services background task failed; retrying');
        },
      );
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  async #restore(): Promise<void> {
    const [states, recent, hours] = await Promise.all([
      this.store.loadStates(),
      this.store.recentResults(30),
      this.store.hourlyCounts(),
    ]);
    for (const [id, state] of states) this.health.restore(id, state);
    for (const [id, results] of recent) {
      const last = results.at(-1)!;
      this.health.restoreLast(
        last,
        results.map((r) => (r.status === 'down' ? null : r.latencyMs)),
      );
      if (!states.has(id)) this.health.restore(id, { status: last.status, since: last.at });
    }
    for (const row of hours) this.health.count(row.serviceId, row.hour, row.answered, row.total);
  }

  #onLeadership(leader: boolean): void {
    if (leader) {
      this.#startProbing();
      setTimeout(() => void this.#compact().catch(() => {}), 10_000).unref();
    } else {
      void this.#scheduler.stop();
    }
  }

  #startProbing(): void {
    if (!this.#listening) return;
    // Catch up with what the previous leader wrote, then probe where it left off.
    void this.#tail()
      .then(() => this.store.probeStarts())
      .then(
        (starts) => {
          if (this.#leadership.isLeader) this.#scheduler.start(starts);
        },
        (error) => {
          // Without the previous leader's probe starts, probing could repeat its last ones: wait.
          this.#ctx.log.warn({ err: error }, 'could not read where probing left off; retrying');
          setTimeout(() => {
            if (this.#leadership.isLeader) this.#startProbing();
          }, 1_000).unref();
        },
      );
  }

  #onOwnResult(result: ProbeResult): void {
    this.#apply(result);
    if (this.#buffer.length < MAX_BUFFER) this.#buffer.push(result);
  }

  #apply(result: ProbeResult): void {
    const transition = this.health.apply(result);
    if (transition) {
      this.#changedStates.set(result.serviceId, { status: transition.to, since: transition.at });
      this.#ctx.log.info(
        { service: result.serviceId, from: transition.from, to: transition.to, error: result.error },
        'service state changed',
      );
    }
    this.#touch(Boolean(transition));
  }

  /** Marks the cached lists stale; a state change is pushed to browsers at once, the rest every 2 s. */
  #touch(stateChanged: boolean): void {
    this.#version++;
    if (!stateChanged) return;
    this.#stateVersion++;
    if (!this.#publishTimer) {
      this.#publishTimer = setTimeout(() => {
        this.#publishTimer = undefined;
        this.#publish();
      }, 50);
    }
  }

  #publish(): void {
    if (this.#published.version === this.#version) return;
    const stateChanged = this.#published.stateVersion !== this.#stateVersion;
    this.#published = { version: this.#version, stateVersion: this.#stateVersion };
    const event: ServicesLiveEvent = {
      topic: SERVICES_TOPIC,
      type: 'changed',
      data: { version: this.#version, stateChanged },
    };
    this.#ctx.bus.publish(event);
  }

  #catalogChanged(): void {
    const ids = new Set(this.catalog.services.map((s) => s.id));
    this.health.forget(ids);
    this.#scheduler.setServices(this.catalog.services);
    this.#touch(true);
  }

  #flush(): Promise<void> {
    // After the previous flush, whatever became of it: a failed one must not end all later flushes.
    this.#flushing = this.#flushing
      .catch(() => {})
      .then(async () => {
        if (!this.#buffer.length && !this.#changedStates.size) return;
        const batch = this.#buffer;
        const states = this.#changedStates;
        this.#buffer = [];
        this.#changedStates = new Map();
        try {
          await this.store.saveResults(batch, states);
        } catch (error) {
          // Keep them for the next attempt (the database may be restarting).
          this.#buffer = [...batch, ...this.#buffer].slice(-MAX_BUFFER);
          for (const [id, state] of states)
            if (!this.#changedStates.has(id)) this.#changedStates.set(id, state);
          throw error;
        }
      });
    return this.#flushing;
  }

  /** Followers apply what the leader wrote, so every replica serves the same health. */
  async #tail(): Promise<void> {
    if (this.#tailing) return;
    this.#tailing = true;
    try {
      for (;;) {
        const { lastId, results } = await this.store.resultsAfter(this.#tailId);
        const own = this.#leadership.isLeader;
        this.#tailId = lastId;
        if (!own) for (const result of results) this.#apply(result);
        if (results.length < 5_000) break;
      }
    } finally {
      this.#tailing = false;
    }
  }

  async #compact(): Promise<void> {
    if (!this.#leadership.isLeader) return;
    const { rawHours, days } = this.#config.retention;
    const { folded, dropped } = await this.store.compact(rawHours, days);
    if (folded || dropped) this.#ctx.log.debug({ folded, dropped }, 'service history compacted');
  }
}
