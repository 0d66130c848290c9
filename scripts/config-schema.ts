import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { serverModules } from '../server/modules/index.ts';
import { buildConfigSchema } from '../server/platform/config/schema.ts';

/**
 * labdeck.yaml's JSON Schema, generated from the zod schemas the BFF validates with (every module's
 * section): deploy/labdeck.schema.json for editors (`# yaml-language-server: $schema=...`), and the
 * `config` value of the Helm chart's values.schema.json. `node scripts/config-schema.ts` rewrites both;
 * scripts/config-schema.test.ts fails when the committed files are stale.
 */

const root = path.resolve(import.meta.dirname, '..');
export const CONFIG_SCHEMA_FILE = path.join(root, 'deploy', 'labdeck.schema.json');
export const VALUES_SCHEMA_FILE = path.join(root, 'deploy', 'helm', 'labdeck', 'values.schema.json');

/** The input side (what a file may say, defaults optional) of the whole config. */
export function configJsonSchema(): Record<string, unknown> {
  // Every rule that JSON Schema cannot state (refinements) is checked at start-up and by check-config.
  const schema = z.toJSONSchema(buildConfigSchema(serverModules), { io: 'input', unrepresentable: 'any' });
  return {
    ...(allowPlaceholders(schema) as Record<string, unknown>),
    $id: 'https://labdeck.dev/schemas/labdeck.schema.json',
    title: 'labdeck.yaml',
    description: 'Labdeck configuration. Strings may use ${VAR}, ${VAR:-default}; $${ for a literal ${.',
  };
}

/** Any string containing `${VAR}`: its value is known only at start-up (then checked in full). */
const PLACEHOLDER = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}' };

/** A constrained string (length, pattern, format, enum) may also be a `${VAR}` placeholder. */
function allowPlaceholders(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowPlaceholders);
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === 'default' || key === 'enum' ? value : allowPlaceholders(value),
    ]),
  );
  const constrained = ['minLength', 'maxLength', 'pattern', 'format', 'enum', 'const'].some(
    (key) => key in out,
  );
  const isString =
    out.type === 'string' ||
    (out.type === undefined && (typeof out.const === 'string' || Array.isArray(out.enum)));
  if (!isString || !constrained) return out;
  const { description, default: fallback, ...rule } = out;
  return {
    ...(description ? { description } : {}),
    ...(fallback !== undefined ? { default: fallback } : {}),
    anyOf: [rule, PLACEHOLDER],
  };
}

/** values.schema.json with `config` set to labdeck.yaml's schema (its own $schema/$id dropped). */
export function valuesJsonSchema(current: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $id: _id, ...config } = configJsonSchema();
  const properties = current.properties as Record<string, unknown>;
  return { ...current, properties: { ...properties, config } };
}

export const formatJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

if (import.meta.main) {
  writeFileSync(CONFIG_SCHEMA_FILE, formatJson(configJsonSchema()));
  const values = JSON.parse(readFileSync(VALUES_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  writeFileSync(VALUES_SCHEMA_FILE, formatJson(valuesJsonSchema(values)));
  console.log(
    `wrote ${path.relative(root, CONFIG_SCHEMA_FILE)} and ${path.relative(root, VALUES_SCHEMA_FILE)}`,
  );
}
