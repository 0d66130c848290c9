import { z } from 'zod';
import { dockerDiscovery } from './docker.ts';
import { kubernetesDiscovery } from './kubernetes.ts';
import type { DiscoveryKind, DiscoverySource } from './types.ts';

/** Every discovery source: one adapter file each, one line here. */
export const discoveryKinds = [kubernetesDiscovery, dockerDiscovery] as const;

type SectionShape = { [K in (typeof discoveryKinds)[number] as K['name']]: K['config'] };

/** `services.discovery`: one key per registered source, each off unless it says `enabled: true`. */
export const discoverySection = z
  .strictObject(
    // The same entries as SectionShape, built from the list (the mapped type names each key's schema).
    Object.fromEntries(discoveryKinds.map((kind) => [kind.name, kind.config])) as unknown as SectionShape,
  )
  .prefault({});

export type DiscoveryConfig = z.output<typeof discoverySection>;

/** The sources `discovery` enables, created (not started). */
export function enabledSources(discovery: DiscoveryConfig): DiscoverySource[] {
  const kinds: readonly DiscoveryKind[] = discoveryKinds;
  const sections: Record<string, { enabled: boolean }> = discovery;
  return kinds.flatMap((kind) => {
    const config = sections[kind.name]!;
    return config.enabled ? [kind.create(config)] : [];
  });
}
