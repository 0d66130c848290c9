import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerignore, execForm, parseCopy, parseDockerfile, parseEnv } from './dockerfile.ts';

const repo = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, repo), 'utf8');

describe("Labdeck's Dockerfile as the image start check reads it", () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const runtime = stages.find((stage) => stage.name === 'runtime')!;

  it('builds with dev dependencies, runs with production ones only, on Node 24 slim', () => {
    expect(stages.map((s) => [s.name, s.base])).toEqual([
      ['build', 'node:24-bookworm-slim'],
      ['runtime', 'node:24-bookworm-slim'],
    ]);
    const runs = (name: string) => stages.find((s) => s.name === name)!.steps.filter((s) => s.op === 'RUN');
    expect(runs('build').map((s) => s.args)).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    expect(runs('runtime')[0]!.args).toContain('npm ci --omit=dev');
    expect(
      runs('runtime')
        .filter((s) => !s.imageOnly)
        .map((s) => s.args),
    ).toEqual(['npm ci --omit=dev --no-audit --no-fund']);
  });

  it('runs as a non-root user, with a node health check and the BFF as command', () => {
    const step = (op: string) => runtime.steps.find((s) => s.op === op)!;
    expect(step('USER').args).toBe('10001:10001');
    expect(execForm(step('HEALTHCHECK').args).slice(0, 2)).toEqual(['node', '-e']);
    expect(execForm(step('HEALTHCHECK').args)[2]).toContain('/healthz');
    expect(execForm(step('CMD').args)).toEqual(['node', '--max-semi-space-size=16', 'server/main.ts']);
    expect(parseEnv(step('ENV').args)).toMatchObject({
      LABDECK_DATA_DIR: '/data',
      TMPDIR: '/tmp',
      HOST: '0.0.0.0',
    });
    expect(parseCopy('--from=build /app/dist ./dist')).toEqual({
      from: 'build',
      sources: ['/app/dist'],
      dest: './dist',
    });
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(read('.dockerignore'));

  it.each([
    ['package.json', false],
    ['server/main.ts', false],
    ['src/main.ts', false],
    ['server/platform/runtime.ts', false],
    ['server/platform/runtime.test.ts', true],
    ['server/test/harness.ts', true],
    ['node_modules/vue/index.js', true],
    ['dist/index.html', true],
    ['lab/cli.ts', true],
    ['.git/config', true],
    ['README.md', true],
  ])('%s ignored: %s', (file, expected) => {
    expect(ignored(file)).toBe(expected);
  });
});
