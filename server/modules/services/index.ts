import path from 'node:path';
import { RawJson } from '../../platform/boot.ts';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type ServicesConfig, servicesSection } from './config.ts';
import { gateRoutes } from './gate/routes.ts';
import { servicesRoutes } from './routes.ts';
import { ServicesService } from './service.ts';

/** Home: every lab service with live health, history and quick launch. */
export const servicesModule = defineServerModule({
  name: 'services',
  config: { key: 'services', schema: servicesSection },
  migrations: () => migrationsIn('services', path.join(import.meta.dirname, 'migrations')),
  async create(ctx, config: ServicesConfig) {
    const service = new ServicesService(ctx, config);
    await service.start();
    // A sign-in that started at a gated UI may return to it (and to no other outside host).
    ctx.returnTargets.add((url) => service.gate().owns(url));
    return {
      routes: (router) => servicesRoutes(router, service),
      forwardAuth: { routes: (router) => gateRoutes(router, ctx, () => service.gate()) },
      /** Probes start only now: a probe of Labdeck's own port made earlier would find it down. */
      listening: () => service.listening(),
      /** Home and quick launch paint from these without asking: the caller's list and favourites. */
      async bootData(req) {
        if (!req.user) return undefined;
        return {
          '/services': new RawJson(service.listFor(req.user).json),
          '/services/favourites': { ids: await service.store.favourites(req.user.id) },
        };
      },
      stop: () => service.stop(),
    };
  },
});
