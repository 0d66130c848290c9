import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { ApiError } from '../../platform/errors.ts';
import { defineServerModule } from '../../platform/module.ts';
import { validate } from '../../platform/validate.ts';

const { version } = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../../package.json'), 'utf8'),
) as {
  version: string;
};

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
        router.get('/system', (_req, res) => {
          res.json({
            version,
            startedAt,
            node: process.version,
            config: configFile ? path.basename(configFile) : null,
            database: config.database.url ? 'external' : 'embedded',
          });
        });
        router.post('/client-errors', clientErrorLimit, validate({ body: clientErrorBody }), (req, res) => {
          (req.log ?? log).warn({ userId: req.user?.id, clientError: req.body }, 'SPA panel failed');
          res.status(204).end();
        });
      },
    };
  },
});
