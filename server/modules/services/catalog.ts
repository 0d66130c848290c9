import { probeSchema } from './adapters/probes/registry.ts';
import { declaredId, type ServicesConfig } from './config.ts';
import type { DiscoveryProblem, DiscoverySourceStatus } from './contract.ts';
import type { GroupDef, ServiceDef } from './types.ts';

interface SourceState {
  services: ServiceDef[];
  problems: DiscoveryProblem[];
  warning: string | null;
  lastUpdate: number | null;
}

/** Declared services plus what discovery found; declared ones win on the same id. */
export class Catalog {
  readonly #declared: ServiceDef[];
  readonly #groups: GroupDef[];
  readonly #sources = new Map<string, SourceState>();
  #merged: ServiceDef[] = [];
  #mergedGroups: GroupDef[] = [];

  constructor(config: ServicesConfig) {
    this.#groups = config.groups.map((group) => ({ name: group.name, collapsed: group.collapsed }));
    this.#declared = config.groups.flatMap((group) =>
      group.services.map<ServiceDef>((service) => ({
        id: declaredId(service),
        name: service.name,
        url: service.url,
        description: service.description,
        ...(service.kind ? { kind: service.kind } : {}),
        icon: service.icon,
        tags: service.tags,
        owner: service.owner,
        docs: service.docs,
        roles: service.roles,
        group: group.name,
        source: 'config',
        probe: service.probe === false ? null : (service.probe ?? probeSchema.parse({ type: 'http' })),
        access: service.access,
      })),
    );
    this.#merge();
  }

  get services(): readonly ServiceDef[] {
    return this.#merged;
  }

  get groups(): readonly GroupDef[] {
    return this.#mergedGroups;
  }

  addSource(name: string): void {
    this.#sources.set(name, { services: [], problems: [], warning: null, lastUpdate: null });
  }

  /** A source's new complete list; returns true when the merged catalog changed. */
  update(name: string, services: ServiceDef[], problems: DiscoveryProblem[]): boolean {
    const state = this.#sources.get(name)!;
    const before = JSON.stringify(state.services);
    state.services = services;
    state.problems = problems;
    state.warning = null;
    state.lastUpdate = Date.now();
    if (before === JSON.stringify(services)) return false;
    this.#merge();
    return true;
  }

  /** The source failed: keep its last list and show the warning. */
  fail(name: string, warning: string): void {
    const state = this.#sources.get(name)!;
    state.warning = warning.slice(0, 500);
  }

  warnings(): string[] {
    return [...this.#sources.values()].flatMap((state) =>
      state.warning ? [`${state.warning} (showing the last known list)`] : [],
    );
  }

  problems(): DiscoveryProblem[] {
    return [...this.#sources.values()].flatMap((state) => state.problems);
  }

  sourceStatus(): DiscoverySourceStatus[] {
    return [...this.#sources].map(([name, state]) => ({
      name,
      ok: !state.warning,
      warning: state.warning,
      lastUpdate: state.lastUpdate ? new Date(state.lastUpdate).toISOString() : null,
      count: state.services.length,
    }));
  }

  #merge(): void {
    const ids = new Set(this.#declared.map((service) => service.id));
    const merged = [...this.#declared];
    for (const state of this.#sources.values()) {
      for (const service of state.services) {
        if (ids.has(service.id)) continue;
        ids.add(service.id);
        merged.push(service);
      }
    }
    const groups = [...this.#groups];
    const known = new Set(groups.map((group) => group.name));
    for (const service of merged) {
      if (!known.has(service.group)) {
        known.add(service.group);
        groups.push({ name: service.group, collapsed: false });
      }
    }
    this.#merged = merged;
    this.#mergedGroups = groups;
  }
}
