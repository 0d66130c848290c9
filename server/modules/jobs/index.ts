import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule } from '../../platform/module.ts';
import { jobSourceAdapters } from './adapters/registry.ts';
import type { JobSourceAdapter } from './adapters/types.ts';
import { type JobsConfig, jobsSection } from './config.ts';
import { jobsRoutes } from './routes.ts';
import { JobsService } from './service.ts';

/** The jobs module for a set of source kinds (tests add a fake kind to the registry's list). */
export function jobsModuleWith(adapters: readonly JobSourceAdapter[]) {
  return defineServerModule({
    name: 'jobs',
    config: { key: 'jobs', schema: jobsSection(adapters) },
    migrations: () => migrationsIn('jobs', path.join(import.meta.dirname, 'migrations')),
    async create(ctx, config: JobsConfig) {
      const service = new JobsService(ctx, config, adapters);
      await service.start();
      return {
        routes: (router) => jobsRoutes(router, ctx, service),
        stop: () => service.stop(),
      };
    },
  });
}

/** Pipeline runs across Airflow, Dagster and OpenLineage producers, polled by the leader replica. */
export const jobsModule = jobsModuleWith(jobSourceAdapters);
