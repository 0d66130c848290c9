import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const checkConfig = path.resolve(import.meta.dirname, 'check-config.ts');

/** Runs the real `check-config` on a file written to a fresh folder (the working directory). */
function check(config: string | null, env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-check-config-'));
  if (config !== null) writeFileSync(path.join(cwd, 'labdeck.yaml'), config);
  const result = spawnSync(process.execPath, [checkConfig, 'labdeck.yaml'], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.concurrent('npm run check-config', () => {
  it('accepts a valid file and says so', () => {
    const { status, stdout } = check(
      'server:\n  port: 9090\ndatabase:\n  url: postgres://labdeck:${DB_PASSWORD}@db/labdeck\n',
      { DB_PASSWORD: 'secret' },
    );
    expect(stdout).toContain('labdeck.yaml: valid');
    expect(status).toBe(0);
  });

  it.each([
    [
      'a wrong type',
      'server:\n  port: 8080\n  bodyLimit: 10\n',
      {},
      'labdeck.yaml:3 server.bodyLimit: expected string, got number',
    ],
    ['an unknown key', 'log:\n  level: info\n  colour: blue\n', {}, 'labdeck.yaml:3 log.colour: unknown key'],
    [
      'an unset variable',
      'database:\n  url: postgres://labdeck:${LABDECK_DB_PASSWORD}@db/labdeck\n',
      {},
      'labdeck.yaml:2 database.url: environment variable LABDECK_DB_PASSWORD is not set',
    ],
    [
      'a rule across sections (no sign-in on a public address)',
      'server:\n  host: 0.0.0.0\n',
      {},
      'labdeck.yaml auth.mode: authentication is off (mode: none)',
    ],
    [
      'the same rule reached through the HOST override',
      'log:\n  level: info\n',
      { HOST: '0.0.0.0' },
      'labdeck.yaml auth.mode: authentication is off',
    ],
  ])('exits 78 naming file:line key for %s, as start-up does', (_case, config, env, message) => {
    const { status, stderr } = check(config, env);
    expect(stderr).toContain('Invalid configuration:');
    expect(stderr).toContain(message);
    expect(status).toBe(78);
  });

  it('exits 78 when the file does not exist', () => {
    const { status, stderr } = check(null);
    expect(stderr).toContain('labdeck.yaml: file not found (LABDECK_CONFIG)');
    expect(status).toBe(78);
  });
});
