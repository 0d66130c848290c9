import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverModules } from '../../modules/index.ts';
import { parseConfigText } from './load.ts';
import { buildConfigSchema } from './schema.ts';

const file = path.join(import.meta.dirname, '../../../labdeck.example.yaml');

describe('labdeck.example.yaml', () => {
  it('is a valid configuration as a whole, every documented key included', () => {
    const text = readFileSync(file, 'utf8');
    const variables = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!);
    const env = Object.fromEntries(
      variables.map((name) => [name, `${name.toLowerCase()}-0123456789abcdef-secret`]),
    );
    const config = parseConfigText(buildConfigSchema(serverModules), text, 'labdeck.example.yaml', env);
    expect(config.server).toMatchObject({
      publicUrl: 'https://lab.example',
      allowedHosts: ['labdeck.lab.svc'],
    });
  });
});
