import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type SqlConfig, sqlSection } from './config.ts';
import { createSqlMetrics } from './metrics.ts';
import { sqlRoutes } from './routes.ts';
import { prepareSampleDatabase, sampleConnection } from './sample.ts';
import { createSqlService } from './service.ts';
import { createSqlStore } from './store.ts';
import { createSqlWorkspace } from './workspace.ts';

/** SQL Lab: streamed, cancellable queries against Trino and PostgreSQL, run as the signed-in user. */
export const sqlModule = defineServerModule({
  name: 'sql',
  config: { key: 'sql', schema: sqlSection },
  migrations: () => migrationsIn('sql', path.join(import.meta.dirname, 'migrations')),
  async create(ctx, config: SqlConfig) {
    const store = createSqlStore(ctx.db);
    const service = createSqlService(
      config,
      store,
      ctx.log.child({ module: 'sql' }),
      { replicaId: ctx.replica.id, bus: ctx.bus },
      createSqlMetrics(ctx.metrics),
    );
    ctx.replica.onSweep(() => service.failOrphanedRuns());
    const { enabled, database, name, roles } = config.sample;
    const wanted = enabled === true || (enabled === 'auto' && !ctx.config.database.url);
    if (wanted && !config.connections.some((c) => c.id === 'sample')) {
      try {
        const { url } = await prepareSampleDatabase(
          String(ctx.db.pool.options.connectionString),
          database,
          ctx.log,
        );
        service.addConnection(sampleConnection(url, name, roles));
      } catch (error) {
        // The sample is a convenience: without it, the configured connections still work.
        ctx.log.warn({ err: error }, 'could not prepare the sample SQL database');
      }
    }
    return {
      routes: (router) => sqlRoutes(router, service, createSqlWorkspace(store, service), ctx),
      stop: () => service.close(),
    };
  },
});
