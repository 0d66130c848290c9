import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule, type ModuleContext } from '../../platform/module.ts';
import { type SqlConfig, sqlSection } from './config.ts';
import { createSqlMetrics } from './metrics.ts';
import { sqlRoutes } from './routes.ts';
import { prepareSampleDatabase, sampleConnection } from './sample.ts';
import { createSqlService, type SqlService } from './service.ts';
import { createSqlStore, type SqlStore } from './store.ts';

// One Labdeck per context: tests run several in one process.
const instances = new WeakMap<ModuleContext, { service: SqlService; store: SqlStore }>();
const started = new Set<SqlService>();

/** SQL Lab: streamed, cancellable queries against Trino and PostgreSQL, run as the signed-in user. */
export const sqlModule = defineServerModule({
  name: 'sql',
  config: { key: 'sql', schema: sqlSection },
  migrations: () => migrationsIn('sql', path.join(import.meta.dirname, 'migrations')),
  async start(ctx) {
    const config = ctx.config.sql as SqlConfig;
    const store = createSqlStore(ctx.db);
    const service = createSqlService(
      config,
      store,
      ctx.log.child({ module: 'sql' }),
      createSqlMetrics(ctx.metrics),
    );
    instances.set(ctx, { service, store });
    started.add(service);
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
  },
  routes(router, ctx) {
    const instance = instances.get(ctx);
    if (!instance) throw new Error('sql module: routes mounted before start');
    sqlRoutes(router, instance.service, instance.store, ctx);
  },
  async stop() {
    const all = [...started];
    started.clear();
    await Promise.all(all.map((s) => s.close()));
  },
});
