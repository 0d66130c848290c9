import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type StreamsConfig, streamsSection } from './config.ts';
import { streamsRoutes } from './routes.ts';
import { StreamsService } from './service.ts';

let service: StreamsService | undefined;

/** Kafka throughput and consumer lag, computed from offsets sampled by the leader replica. */
export const streamsModule = defineServerModule({
  name: 'streams',
  config: { key: 'streams', schema: streamsSection },
  migrations: () => migrationsIn('streams', path.join(import.meta.dirname, 'migrations')),
  async start(ctx) {
    service = new StreamsService(ctx, ctx.config.streams as StreamsConfig);
    await service.start();
  },
  routes(router, ctx) {
    streamsRoutes(router, ctx, running);
  },
  async stop() {
    await service?.stop();
    service = undefined;
  },
});

function running(): StreamsService {
  if (!service) throw new Error('streams module is not started');
  return service;
}
