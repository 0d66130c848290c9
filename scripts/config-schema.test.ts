import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CONFIG_SCHEMA_FILE,
  configJsonSchema,
  formatJson,
  VALUES_SCHEMA_FILE,
  valuesJsonSchema,
} from './config-schema.ts';

const committed = (file: string) => readFileSync(file, 'utf8');

describe('labdeck.yaml JSON Schema', () => {
  it('deploy/labdeck.schema.json is what the zod schemas give (run node scripts/config-schema.ts)', () => {
    expect(committed(CONFIG_SCHEMA_FILE)).toBe(formatJson(configJsonSchema()));
  });

  it("the chart's values.schema.json embeds it as `config` (run node scripts/config-schema.ts)", () => {
    const values = JSON.parse(committed(VALUES_SCHEMA_FILE)) as Record<string, unknown>;
    expect(committed(VALUES_SCHEMA_FILE)).toBe(formatJson(valuesJsonSchema(values)));
  });

  it('accepts labdeck.example.yaml and refuses a typo the BFF refuses too', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());
    const example = parse(readFileSync(new URL('../labdeck.example.yaml', import.meta.url), 'utf8'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ server: { port: 8080, colour: 'blue' } })).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/server', params: { additionalProperty: 'colour' } }),
    );
  });
});
