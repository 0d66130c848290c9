import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Labdeck's version, from its package.json. */
export const LABDECK_VERSION = (
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  }
).version;
