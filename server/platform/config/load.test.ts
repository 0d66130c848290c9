import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { parseConfigText } from './load.ts';

const schema = z.strictObject({
  server: z
    .strictObject({ port: z.number().int().default(8080), host: z.string().default('127.0.0.1') })
    .prefault({}),
  services: z
    .array(z.strictObject({ name: z.string(), url: z.url(), token: z.string().optional() }))
    .default([]),
});

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(schema, text, 'labdeck.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError)
      return error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfigText', () => {
  it('fills defaults for an empty file', () => {
    expect(parseConfigText(schema, '', 'labdeck.yaml', {})).toEqual({
      server: { port: 8080, host: '127.0.0.1' },
      services: [],
    });
  });

  it.each([
    [
      'a wrong type',
      'server:\n  port: "eighty"\n',
      'labdeck.yaml:2 server.port: expected number, got string',
    ],
    ['an unknown key', 'server:\n  port: 80\n  colour: blue\n', 'labdeck.yaml:3 server.colour: unknown key'],
    [
      'a bad URL deep in a list',
      'services:\n  - name: a\n    url: http://a\n  - name: b\n    url: not a url\n',
      'labdeck.yaml:5 services[1].url: expected a URL',
    ],
    [
      'an unset variable',
      'services:\n  - name: a\n    url: http://a\n    token: ${A_TOKEN}\n',
      'labdeck.yaml:4 services[0].token: environment variable A_TOKEN is not set',
    ],
    ['a YAML syntax error', 'server:\n  port: [80\n', 'labdeck.yaml:3'],
  ])('names file, line and key for %s', (_case, text, expected) => {
    expect(problemsOf(text)[0]).toContain(expected);
  });

  it('reports every problem, not only the first', () => {
    expect(problemsOf('server:\n  port: x\n  extra: 1\n')).toHaveLength(2);
  });

  it('interpolates ${VAR}, ${VAR:-default} and keeps $${ literal', () => {
    const config = parseConfigText(
      schema,
      'services:\n  - name: ${NAME}\n    url: ${URL:-http://fallback}\n    token: $${NOT_A_VAR}\n',
      'labdeck.yaml',
      { NAME: 'kafka' },
    );
    expect(config.services[0]).toEqual({ name: 'kafka', url: 'http://fallback', token: '${NOT_A_VAR}' });
  });

  it('never interpolates keys', () => {
    expect(problemsOf('${KEY}: 1\n', { KEY: 'server' })[0]).toContain('unknown key');
  });
});
