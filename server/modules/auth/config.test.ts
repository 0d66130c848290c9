import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/errors.ts';
import { parseConfigText } from '../../platform/config/load.ts';
import { buildConfigSchema } from '../../platform/config/schema.ts';
import { serverModules } from '../index.ts';
import type { AuthConfig } from './config.ts';

const schema = buildConfigSchema(serverModules);
/** Every `${VAR}` of the example resolves to a placeholder long enough for secrets. */
const anyEnv = new Proxy(
  {},
  { get: (_t, name) => (typeof name === 'string' ? `placeholder-${name}-0123456789abcdefghij` : undefined) },
);
const parse = (text: string) =>
  parseConfigText(schema, text, 'labdeck.yaml', anyEnv as NodeJS.ProcessEnv) as unknown as {
    auth: AuthConfig;
  };

describe('auth configuration', () => {
  it('accepts the auth section of labdeck.example.yaml', () => {
    const text = readFileSync(path.join(import.meta.dirname, '../../../labdeck.example.yaml'), 'utf8');
    const { auth } = parse(text);
    expect(auth.mode).toBe('oidc');
    expect(auth.providers[0]).toMatchObject({ id: 'lab', clientId: 'labdeck', groupsClaim: 'groups' });
    expect(auth.roles.admin).toEqual(['lab-admins']);
  });

  it('defaults to mode none with loopback-only listening', () => {
    const { auth } = parse('{}');
    expect(auth).toMatchObject({ mode: 'none', allowRemoteWithoutAuth: false, providers: [], roles: {} });
    expect(auth.session.idleTimeoutMinutes).toBeGreaterThan(0);
  });

  it.each([
    ['auth:\n  mode: saml\n', /auth\.mode/],
    [
      'auth:\n  mode: oidc\n  providers:\n    - issuer: not-a-url\n      clientId: x\n',
      /providers\[0\]\.issuer: expected a URL/,
    ],
    [
      'auth:\n  mode: oidc\n  providers:\n    - issuer: https://idp.example\n      clientId: x\n      scopes: [profile]\n',
      /must include openid/,
    ],
    ['auth:\n  roles:\n    Admin: [x]\n', /auth\.roles/],
    ['auth:\n  session:\n    secret: short\n', /at least 32 characters/],
    ['auth:\n  proxy:\n    userHeader: X-User\n', /auth\.proxy\.userHeader: unknown key/],
    [
      'auth:\n  proxy:\n    trustedProxies: [10.0.0.0/33]\n',
      /trustedProxies\[0\]: "10\.0\.0\.0\/33" has an invalid prefix length/,
    ],
  ])('names the problem in %j', (text, message) => {
    expect(() => parse(text)).toThrow(ConfigError);
    expect(() => parse(text)).toThrow(message);
  });
});
