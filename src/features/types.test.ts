import { describe, expect, it } from 'vitest';
import { features } from '.';
import { defineFeature } from './types';

describe('defineFeature', () => {
  it('routes a one-page feature at its nav path, under its id and title', async () => {
    const Page = { name: 'JobsPage' };
    const jobs = defineFeature({
      id: 'jobs',
      title: 'Jobs',
      navPath: '/jobs',
      icon: 'jobs',
      page: async () => Page,
    });
    expect(jobs.routes).toEqual([
      { path: '/jobs', name: 'jobs', component: expect.any(Function), meta: { title: 'Jobs' } },
    ]);
    expect(await (jobs.routes[0]!.component as () => Promise<unknown>)()).toBe(Page);
  });

  it('gives every route of the app a unique name and path', () => {
    const routes = features.flatMap((feature) => feature.routes);
    expect(routes.map((route) => route.name)).toContain('lineage');
    expect(new Set(routes.map((route) => route.name)).size).toBe(routes.length);
    expect(new Set(routes.map((route) => route.path)).size).toBe(routes.length);
  });
});
