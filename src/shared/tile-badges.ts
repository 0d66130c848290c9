// Counts other features show on Home's service tiles ("2 failing jobs" on Airflow's tile): a feature
// contributes badges by service id, Home reads them, and neither imports the other.
import { defineStore } from 'pinia';
import {
  type ComputedRef,
  computed,
  getCurrentScope,
  type MaybeRefOrGetter,
  onScopeDispose,
  shallowRef,
  toValue,
} from 'vue';
import type { RouteLocationRaw } from 'vue-router';

/** A count on a service tile, said in words and linking to where it comes from. */
export interface TileBadge {
  /** Which kind of count this is (`failing-jobs`): one badge per kind and tile, and its test id. */
  kind: string;
  count: number;
  /** The words shown and read out: "2 failing jobs". */
  label: string;
  to: RouteLocationRaw;
  /** Colour beside the words: `danger` for broken things. */
  tone: 'danger' | 'warn' | 'info';
}

/** One feature's badges by Home service id. */
export type TileBadgesByService = ReadonlyMap<string, TileBadge>;

export const useTileBadgesStore = defineStore('tile-badges', () => {
  const contributions = shallowRef(new Map<symbol, MaybeRefOrGetter<TileBadgesByService>>());

  /** Adds a feature's badges (a computed, kept live by the feature); returns the function that removes them. */
  function contribute(badges: MaybeRefOrGetter<TileBadgesByService>): () => void {
    const key = Symbol('tile-badges');
    contributions.value = new Map(contributions.value).set(key, badges);
    return () => {
      const next = new Map(contributions.value);
      next.delete(key);
      contributions.value = next;
    };
  }

  /** The badges of a service, zero counts left out. */
  const badgesOf = (serviceId: string): TileBadge[] =>
    [...contributions.value.values()].flatMap((badges) => {
      const badge = toValue(badges).get(serviceId);
      return badge && badge.count > 0 ? [badge] : [];
    });

  return { contribute, badgesOf };
});

/** Contributes `badges` for the lifetime of the calling effect scope (a feature's shell setup). */
export function useContributeTileBadges(badges: MaybeRefOrGetter<TileBadgesByService>): void {
  const remove = useTileBadgesStore().contribute(badges);
  if (getCurrentScope()) onScopeDispose(remove);
}

/** The badges on a service's tile, kept live. */
export function useTileBadges(serviceId: MaybeRefOrGetter<string>): ComputedRef<TileBadge[]> {
  const store = useTileBadgesStore();
  return computed(() => store.badgesOf(toValue(serviceId)));
}
