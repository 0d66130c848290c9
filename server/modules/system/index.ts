import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineServerModule } from '../../platform/module.ts';

const { version } = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../../package.json'), 'utf8'),
) as {
  version: string;
};

/** What the Settings page shows about this Labdeck: version, where its config and data come from. */
export const systemModule = defineServerModule({
  name: 'system',
  create({ config, configFile }) {
    const startedAt = new Date().toISOString();
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
      },
    };
  },
});
