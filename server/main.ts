import path from 'node:path';
import { serverModules } from './modules/index.ts';
import { ConfigError } from './platform/config/errors.ts';
import { startLabdeck } from './platform/runtime.ts';

const root = path.resolve(import.meta.dirname, '..');
// The production entry: the server render loads Vue (dist/.ssr) after this line, so it gets Vue's
// production build unless told otherwise (scripts/dev.ts says development).
process.env.NODE_ENV ??= 'production';

try {
  const labdeck = await startLabdeck({ modules: serverModules, staticDir: path.join(root, 'dist') });
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1);
    labdeck.context.log.info({ signal }, 'shutting down');
    labdeck.close().then(
      () => process.exit(0),
      (error) => {
        labdeck.context.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  console.error(error);
  process.exit(1);
}
