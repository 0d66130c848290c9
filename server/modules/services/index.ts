import path from 'node:path';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type ServicesConfig, servicesSection } from './config.ts';
import { servicesRoutes } from './routes.ts';
import { ServicesService } from './service.ts';

let service: ServicesService | undefined;

/** Home: every lab service with live health, history and quick launch. */
export const servicesModule = defineServerModule({
  name: 'services',
  config: { key: 'services', schema: servicesSection },
  migrations: () => migrationsIn('services', path.join(import.meta.dirname, 'migrations')),
  async start(ctx) {
    service = new ServicesService(ctx, ctx.config.services as ServicesConfig);
    await service.start();
  },
  routes(router) {
    servicesRoutes(router, {
      get catalog() {
        return running().catalog;
      },
      get store() {
        return running().store;
      },
      get isLeader() {
        return running().isLeader;
      },
      listFor: (user) => running().listFor(user),
      find: (user, id) => running().find(user, id),
    } as ServicesService);
  },
  async stop() {
    await service?.stop();
    service = undefined;
  },
});

function running(): ServicesService {
  if (!service) throw new Error('services module is not started');
  return service;
}
