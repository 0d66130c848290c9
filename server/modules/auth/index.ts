import { z } from 'zod';
import type { User } from '../../platform/identity.ts';
import { defineServerModule } from '../../platform/module.ts';

const authSection = z.strictObject({ mode: z.enum(['none']).default('none') }).prefault({});

/** With authentication off (laptop quick start) everyone is the local administrator. */
const LOCAL_USER: User = { id: 'local', name: 'Local user', roles: ['admin'] };

export const authModule = defineServerModule({
  name: 'auth',
  config: { key: 'auth', schema: authSection },
  middleware: () => [
    (req, _res, next) => {
      req.user = LOCAL_USER;
      next();
    },
  ],
  routes(router, { config }) {
    const { mode } = config.auth as z.output<typeof authSection>;
    router.get('/session', (req, res) => {
      res.json({ authMode: mode, user: req.user ?? null });
    });
  },
});
