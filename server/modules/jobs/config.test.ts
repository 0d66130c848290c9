import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../platform/config/errors.ts';
import { parseConfigText } from '../../platform/config/load.ts';
import { buildConfigSchema } from '../../platform/config/schema.ts';
import { openLineageSource } from './adapters/openlineage.ts';
import { jobsSection } from './config.ts';
import { jobsModuleWith } from './index.ts';
import { fakeSourceKind } from './test/fake-source.ts';

const schema = buildConfigSchema([jobsModuleWith([fakeSourceKind])]);

/** The problems labdeck.yaml `text` has, as Labdeck prints them. */
function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(schema, text, 'labdeck.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe('jobs config', () => {
  it('gives defaults when the key is absent', () => {
    expect(jobsSection([fakeSourceKind]).parse(undefined)).toEqual({
      retentionDays: 30,
      windowDays: 7,
      sources: [],
      openLineageRuns: true,
    });
  });

  it('fills the common defaults and keeps the kind-specific keys', () => {
    const config = parseConfigText(
      schema,
      'jobs:\n  sources:\n    - { id: air, kind: fake, url: "http://127.0.0.1:8080", readOnly: true }\n',
      'labdeck.yaml',
      {},
    );
    expect(jobsSection([fakeSourceKind]).parse(config['jobs' as keyof typeof config]).sources).toEqual([
      {
        id: 'air',
        kind: 'fake',
        url: 'http://127.0.0.1:8080',
        readOnly: true,
        intervalMs: 15_000,
        timeoutMs: 10_000,
        roles: { trigger: ['admin'], rerun: ['admin'], cancel: ['admin'] },
      },
    ]);
  });

  it.each([
    [
      'an unknown kind',
      'jobs:\n  sources:\n    - id: a\n      kind: nifi\n      url: http://x\n',
      "labdeck.yaml:4 jobs.sources[0].kind: Invalid discriminator value. Expected 'fake'",
    ],
    [
      'a bad id',
      'jobs:\n  sources:\n    - id: Bad Id\n      kind: fake\n      url: http://x\n',
      'labdeck.yaml:3 jobs.sources[0].id: expected lower-case letters, digits, "_" or "-" (max 63)',
    ],
    [
      'a duplicate id',
      'jobs:\n  sources:\n    - { id: a, kind: fake, url: "http://x" }\n    - { id: a, kind: fake, url: "http://y" }\n',
      'labdeck.yaml:4 jobs.sources[1].id: duplicate job source id "a"',
    ],
    [
      'an interval under a second',
      'jobs:\n  sources:\n    - { id: a, kind: fake, url: "http://x", intervalMs: 10 }\n',
      'labdeck.yaml:3 jobs.sources[0].intervalMs: Too small: expected number to be >=1000',
    ],
    [
      'a key the kind does not know',
      'jobs:\n  sources:\n    - id: a\n      kind: fake\n      url: http://x\n      password: x\n',
      'labdeck.yaml:6 jobs.sources[0].password: unknown key',
    ],
    [
      'a role list that is not a list',
      'jobs:\n  sources:\n    - id: a\n      kind: fake\n      url: http://x\n      roles: { trigger: admin }\n',
      'labdeck.yaml:6 jobs.sources[0].roles.trigger: expected array, got string',
    ],
    [
      'a missing url',
      'jobs:\n  sources:\n    - { id: a, kind: fake }\n',
      'labdeck.yaml:3 jobs.sources[0].url: expected string, got undefined',
    ],
  ])('names the file, line and key of %s', (_what, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  it('names the unset variable of a secret', () => {
    expect(
      problems('jobs:\n  sources:\n    - { id: a, kind: fake, url: "http://${AIRFLOW_HOST}" }\n'),
    ).toEqual(['labdeck.yaml:3 jobs.sources[0].url: environment variable AIRFLOW_HOST is not set']);
  });

  it('refuses every source when no kind is registered', () => {
    const bare = jobsSection([]).safeParse({ sources: [{ id: 'a', kind: 'airflow3', url: 'http://x' }] });
    expect(bare.error?.issues.map((issue) => issue.message)).toEqual([
      'no job source kinds are available in this build',
    ]);
  });
});

describe('the OpenLineage runs source', () => {
  const kinds = [fakeSourceKind, openLineageSource];
  it('is there without configuration, and not when turned off or configured', () => {
    expect(jobsSection(kinds).parse(undefined).sources).toMatchObject([
      { id: 'openlineage', kind: 'openlineage', excludeNamespaces: [], intervalMs: 15_000 },
    ]);
    expect(jobsSection(kinds).parse({ openLineageRuns: false }).sources).toEqual([]);
    const configured = jobsSection(kinds).parse({
      sources: [{ id: 'ol', kind: 'openlineage', excludeNamespaces: ['airflow'] }],
    }).sources;
    expect(configured).toMatchObject([{ id: 'ol', excludeNamespaces: ['airflow'] }]);
  });
});
