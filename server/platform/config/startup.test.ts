import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const main = path.resolve(import.meta.dirname, '../../main.ts');

/** Starts the real BFF on a config file and returns how it ended; a bad config must stop it before anything else. */
function startWith(config: string, env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-badconfig-'));
  writeFileSync(path.join(cwd, 'labdeck.yaml'), config);
  const result = spawnSync(process.execPath, [main], {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('start-up with a bad labdeck.yaml', () => {
  it.each([
    [
      'a wrong type',
      'server:\n  port: 8080\n  bodyLimit: 10\n',
      'labdeck.yaml:3 server.bodyLimit: expected string, got number',
    ],
    ['an unknown key', 'log:\n  level: info\n  colour: blue\n', 'labdeck.yaml:3 log.colour: unknown key'],
    [
      'an unset variable',
      'database:\n  url: postgres://labdeck:${LABDECK_DB_PASSWORD}@db/labdeck\n',
      'labdeck.yaml:2 database.url: environment variable LABDECK_DB_PASSWORD is not set',
    ],
  ])('stops with exit code 78 and names file:line key for %s', (_case, config, message) => {
    const { status, stderr } = startWith(config);
    expect(stderr).toContain(message);
    expect(status).toBe(78);
  });
});
