import path from 'node:path';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { apiRoutes } from '../../platform/api-routes.ts';
import { ApiError } from '../../platform/errors.ts';
import { defineServerModule } from '../../platform/module.ts';
import { LABDECK_VERSION as version } from '../../platform/version.ts';

/** What the SPA reports when a panel's error boundary catches an error (src/shared/ui/PanelBoundary.vue). */
const clientErrorBody = z.strictObject({
  message: z.string().min(1).max(2048),
  component: z.string().min(1).max(200),
  route: z.string().min(1).max(2048),
  panel: z.string().max(200).optional(),
  stack: z.string().max(8192).optional(),
});

export const CLIENT_ERRORS_PER_MINUTE = 30;

/** What the Settings page shows about this Labdeck: version, where its config and data come from. */
export const systemModule = defineServerModule({
  name: 'system',
  create({ config, configFile, log }) {
    const startedAt = new Date().toISOString();
    // In memory, per replica: the limit only keeps one broken browser tab from flooding the log.
    const clientErrorLimit = rateLimit({
      windowMs: 60_000,
      limit: CLIENT_ERRORS_PER_MINUTE,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => `user:${req.user?.id}`,
      handler: (_req, _res, next) =>
        next(new ApiError(429, 'rate_limited', 'Too many error reports; try again in a minute')),
      validate: false,
    });
    return {
      routes(router) {
        const routes = apiRoutes(router);
        routes.get(
          '/system',
          { summary: 'Version, start time and where config and data come from' },
          (_req, res) => {
            res.json({
              version,
              startedAt,
              node: process.version,
              config: configFile ? path.basename(configFile) : null,
              database: config.database.url ? 'external' : 'embedded',
            });
          },
        );
        const report = {
          summary: 'Report a panel that failed in the browser (logged)',
          use: [clientErrorLimit],
          body: clientErrorBody,
          status: 204,
        };
        routes.post('/client-errors', report, (req, res) => {
          (req.log ?? log).warn({ userId: req.user?.id, clientError: req.body }, 'SPA panel failed');
          res.status(204).end();
        });
      },
    };
  },
});
