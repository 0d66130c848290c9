import { serverModules } from '../../server/modules/index.ts';
import { startLabdeck } from '../../server/platform/runtime.ts';

// server/main.ts serving another build than dist/: the one named by LABDECK_E2E_STATIC_DIR.
process.env.NODE_ENV ??= 'production';
const staticDir = process.env.LABDECK_E2E_STATIC_DIR;
if (!staticDir) throw new Error('LABDECK_E2E_STATIC_DIR is not set');
const labdeck = await startLabdeck({ modules: serverModules, staticDir });
process.once('SIGTERM', () => {
  labdeck.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
