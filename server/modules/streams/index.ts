import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type StreamsConfig, streamsSection } from './config.ts';
import { streamsRoutes } from './routes.ts';
import { StreamsService } from './service.ts';

/** Kafka throughput and consumer lag, computed from offsets sampled by the leader replica. */
export const streamsModule = defineServerModule({
  name: 'streams',
  config: { key: 'streams', schema: streamsSection },
  migrations: () => migrationsIn('streams', path.join(import.meta.dirname, 'migrations')),
  async create(ctx, config: StreamsConfig) {
    const service = new StreamsService(ctx, config);
    await service.start();
    return {
      routes: (router) => streamsRoutes(router, ctx, service),
      stop: () => service.stop(),
    };
  },
});
