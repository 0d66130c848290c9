import path from 'node:path';
import { serverModules } from './modules/index.ts';
import { loadAppConfig } from './platform/config/app-config.ts';
import { ConfigError } from './platform/config/errors.ts';

/**
 * `npm run check-config -- <file>`: validates a labdeck.yaml exactly as start-up does (schema, `${ENV}`
 * from this environment, env overrides, cross-section rules) without starting anything. Exit 0 when
 * valid, 78 (EX_CONFIG, as start-up) with file:line errors, 64 (EX_USAGE) without a file.
 */
const [file, ...extra] = process.argv.slice(2);
if (!file || extra.length) {
  console.error('usage: npm run check-config -- <labdeck.yaml>');
  process.exit(64);
}
try {
  const loaded = loadAppConfig(serverModules, { env: { ...process.env, LABDECK_CONFIG: file } });
  console.log(`${path.relative(process.cwd(), loaded.file ?? file) || file}: valid`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78);
}
