import type { Ref } from 'vue';
import type { RouteComponent, RouteRecordRaw } from 'vue-router';

/** A count beside a feature's navigation link (failing jobs), with the words a screen reader says. */
export interface NavBadge {
  count: number;
  label: string;
}

/** A capability of the SPA: its routes and its place in the navigation (src/features/<id>/index.ts). */
export interface Feature {
  id: string;
  title: string;
  /** Where the navigation link points; omit to keep the feature out of the navigation. */
  navPath?: string;
  icon: IconName;
  /** Keywords the command palette matches besides the title. */
  keywords?: string[];
  routes: RouteRecordRaw[];
  /** Role needed to see the feature, once sign-in decides roles. */
  requiredRole?: string;
  /** Runs in the app shell's setup on every page: app-wide composables such as palette commands. */
  setup?: () => void;
  /** Runs in the navigation's setup: the badge its link shows, null for none. */
  navBadge?: () => Readonly<Ref<NavBadge | null>>;
}

export type IconName = 'home' | 'lineage' | 'sql' | 'streams' | 'jobs' | 'settings';

/** A feature as its index.ts declares it: `page` routes a one-page feature at its navPath, id and title. */
export type FeatureDeclaration = Omit<Feature, 'routes'> &
  (
    | { routes: RouteRecordRaw[]; page?: never }
    | { page: () => Promise<RouteComponent>; navPath: string; routes?: never }
  );

export const defineFeature = ({ page, routes, ...feature }: FeatureDeclaration): Feature => ({
  ...feature,
  routes: page
    ? [{ path: feature.navPath!, name: feature.id, component: page, meta: { title: feature.title } }]
    : routes!,
});
