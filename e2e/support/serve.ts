import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The shared e2e server: the production build on built-in defaults, with a fresh embedded database.
process.chdir(mkdtempSync(path.join(tmpdir(), 'labdeck-e2e-shared-')));
await import('../../server/main.ts');
