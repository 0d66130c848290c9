import path from 'node:path';
import { RawJson } from '../../platform/boot.ts';
import { migrationsIn } from '../../platform/db/migrate.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type ServicesConfig, servicesSection } from './config.ts';
import { servicesRoutes } from './routes.ts';
import { ServicesService } from './service.ts';

/** One service per running Labdeck (tests run several in one process). */
const running = new WeakMap<ModuleContext, ServicesService>();
const stopping: ServicesService[] = [];

/** Home: every lab service with live health, history and quick launch. */
export const servicesModule = defineServerModule({
  name: 'services',
  config: { key: 'services', schema: servicesSection },
  migrations: () => migrationsIn('services', path.join(import.meta.dirname, 'migrations')),
  async start(ctx) {
    const service = new ServicesService(ctx, ctx.config.services as ServicesConfig);
    running.set(ctx, service);
    stopping.push(service);
    await service.start();
  },
  /** Probes start only now: a probe of Labdeck's own port made earlier would find it down. */
  listening(ctx) {
    running.get(ctx)?.listening();
  },
  routes(router, ctx) {
    const service = running.get(ctx);
    if (!service) throw new Error('services module routes mounted before start');
    servicesRoutes(router, service);
  },
  /** Home and quick launch paint from these without asking: the caller's list and favourites. */
  async bootData(req, ctx) {
    const service = running.get(ctx);
    if (!service || !req.user) return undefined;
    return {
      '/services': new RawJson(service.listFor(req.user).json),
      '/services/favourites': { ids: await service.store.favourites(req.user.id) },
    };
  },
  async stop(ctx?: ModuleContext) {
    // The platform calls stop() without its context today; then the oldest running instance stops
    // (right for one Labdeck per process; tests with several close them in start order).
    const service = ctx ? running.get(ctx) : stopping[0];
    if (!service) return;
    stopping.splice(stopping.indexOf(service), 1);
    await service.stop();
  },
});
