import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import {
  type TileBadge,
  type TileBadgesByService,
  useContributeTileBadges,
  useTileBadges,
  useTileBadgesStore,
} from './tile-badges';

const badge = (kind: string, count: number): TileBadge => ({
  kind,
  count,
  label: `${count} ${kind}`,
  to: { name: kind },
  tone: 'danger',
});

beforeEach(() => setActivePinia(createPinia()));

describe('tile badges', () => {
  it('gathers the badges every feature contributes for a service, and only that service', () => {
    const store = useTileBadgesStore();
    store.contribute(new Map([['airflow', badge('failing-jobs', 2)]]));
    store.contribute(
      new Map([
        ['airflow', badge('lagging-groups', 1)],
        ['kafka', badge('lagging-groups', 3)],
      ]),
    );
    expect(store.badgesOf('airflow').map((b) => b.label)).toEqual(['2 failing-jobs', '1 lagging-groups']);
    expect(store.badgesOf('kafka').map((b) => b.label)).toEqual(['3 lagging-groups']);
    expect(store.badgesOf('trino')).toEqual([]);
  });

  it('leaves out zero counts', () => {
    useTileBadgesStore().contribute(new Map([['airflow', badge('failing-jobs', 0)]]));
    expect(useTileBadgesStore().badgesOf('airflow')).toEqual([]);
  });

  it('follows a contribution as it changes', () => {
    const contributed = ref<TileBadgesByService>(new Map());
    useTileBadgesStore().contribute(contributed);
    const onAirflow = useTileBadges('airflow');
    expect(onAirflow.value).toEqual([]);
    contributed.value = new Map([['airflow', badge('failing-jobs', 1)]]);
    expect(onAirflow.value.map((b) => b.count)).toEqual([1]);
    contributed.value = new Map([['airflow', badge('failing-jobs', 0)]]);
    expect(onAirflow.value).toEqual([]);
  });

  it('follows the service a tile asks for', () => {
    useTileBadgesStore().contribute(new Map([['dagster', badge('failing-jobs', 4)]]));
    const id = ref('airflow');
    const badges = useTileBadges(id);
    expect(badges.value).toEqual([]);
    id.value = 'dagster';
    expect(badges.value.map((b) => b.count)).toEqual([4]);
  });

  it('removes a contribution when the scope that made it ends', () => {
    const scope = effectScope();
    scope.run(() => useContributeTileBadges(new Map([['airflow', badge('failing-jobs', 2)]])));
    const onAirflow = useTileBadges('airflow');
    expect(onAirflow.value).toHaveLength(1);
    scope.stop();
    expect(onAirflow.value).toEqual([]);
  });
});
