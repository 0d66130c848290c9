import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule, type ModuleContext } from '../../platform/module.ts';
import { startKafkaIngest } from './adapters/kafka.ts';
import { type LineageConfig, lineageSection } from './config.ts';
import { ingestRouter } from './ingest-http.ts';
import { lineageRoutes } from './routes.ts';
import { LineageService } from './service.ts';

/** Whether producers may send events without a key (only while no key is configured). */
const ingestOpen = (ctx: ModuleContext, config: LineageConfig) =>
  config.ingest.keys.length === 0 && (config.ingest.allowAnonymous ?? ctx.openAccess);

function logIngestAccess(ctx: ModuleContext, config: LineageConfig) {
  const log = ctx.log.child({ module: 'lineage' });
  if (config.ingest.keys.length > 0)
    log.info(
      { producers: config.ingest.keys.map((k) => k.producer) },
      'lineage ingest: producer keys required',
    );
  else if (ingestOpen(ctx, config))
    log.warn('lineage ingest: open to anyone who reaches the server (no lineage.ingest.keys configured)');
  else
    log.warn(
      'lineage ingest: closed until lineage.ingest.keys are configured (sign-in is on; set lineage.ingest.allowAnonymous: true to open it)',
    );
}

/**
 * OpenLineage in (HTTP at Marquez's endpoint, optionally the Kafka transport's topic), PostgreSQL
 * history with derived tables, an in-memory graph index for fast walks, live changes on SSE topic `lineage`.
 */
export const lineageModule = defineServerModule({
  name: 'lineage',
  config: { key: 'lineage', schema: lineageSection },
  migrations: () => migrationsIn('lineage', path.join(import.meta.dirname, 'migrations')),
  async create(ctx, config: LineageConfig) {
    const service = new LineageService(ctx.db, ctx.bus, ctx.log.child({ module: 'lineage' }));
    await service.start();
    logIngestAccess(ctx, config);
    const consumer = config.kafka.enabled
      ? startKafkaIngest(config.kafka, service, ctx.log.child({ module: 'lineage-kafka' }))
      : null;
    return {
      // The ingest routes read their own body (limit, gzip) and authenticate producers by key, so they
      // run ahead of the platform's JSON parser and CSRF check (see ingest-http.ts).
      middleware: [ingestRouter(config, service, ingestOpen(ctx, config))],
      routes: (router) => lineageRoutes(router, service, config),
      stop: () => consumer?.close(),
    };
  },
});
