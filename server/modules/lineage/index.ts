import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type KafkaIngest, startKafkaIngest } from './adapters/kafka.ts';
import { type LineageConfig, lineageSection } from './config.ts';
import { ingestRouter } from './ingest-http.ts';
import { lineageRoutes } from './routes.ts';
import { LineageService } from './service.ts';

// One service per running Labdeck (tests run several in one process); routes are built after start.
const services = new WeakMap<ModuleContext, LineageService>();
const consumers = new Set<KafkaIngest>();

const configOf = (ctx: ModuleContext) => ctx.config.lineage as LineageConfig;
function serviceOf(ctx: ModuleContext): LineageService {
  const service = services.get(ctx);
  if (!service) throw new Error('lineage module used before start');
  return service;
}

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
  async start(ctx) {
    const service = new LineageService(ctx.db, ctx.bus, ctx.log.child({ module: 'lineage' }));
    await service.start();
    services.set(ctx, service);
    const config = configOf(ctx);
    logIngestAccess(ctx, config);
    if (config.kafka.enabled)
      consumers.add(startKafkaIngest(config.kafka, service, ctx.log.child({ module: 'lineage-kafka' })));
  },
  async stop() {
    const running = [...consumers];
    consumers.clear();
    await Promise.all(running.map((consumer) => consumer.close()));
  },
  // The ingest routes read their own body (limit, gzip) and authenticate producers by key, so they
  // run ahead of the platform's JSON parser and CSRF check (see ingest-http.ts).
  middleware: (ctx) => [ingestRouter(configOf(ctx), serviceOf(ctx), ingestOpen(ctx, configOf(ctx)))],
  routes(router, ctx) {
    lineageRoutes(router, serviceOf(ctx), configOf(ctx));
  },
});
