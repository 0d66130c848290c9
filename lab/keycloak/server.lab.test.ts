// Integration test against a real Keycloak (see lab/keycloak/README.md): the code flow Labdeck uses
// (confidential client, PKCE S256) through Keycloak's own login page, with openid-client checking the tokens.
// Needs `bash lab/keycloak/install.sh` first; without it this test FAILS (never skips).
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAtKeycloak } from './login.ts';
import { type Keycloak, startKeycloak } from './server.ts';

// Any loopback port is accepted (realm.json registers http://127.0.0.1/*); nothing needs to listen there.
const REDIRECT_URI = 'http://127.0.0.1:4321/api/auth/callback';

let keycloak: Keycloak | undefined;
let startError: Error | undefined;

// A missing install or a failed start fails every test (with the reason); nothing here is ever skipped.
function server(): Keycloak {
  if (startError) throw startError;
  if (!keycloak) throw new Error('Keycloak did not start');
  return keycloak;
}

beforeAll(async () => {
  try {
    keycloak = await startKeycloak(); // its "not installed" error names `bash lab/keycloak/install.sh`
  } catch (error) {
    startError = error as Error;
  }
}, 240_000);

afterAll(async () => {
  await keycloak?.stop();
}, 60_000);

async function configuration(): Promise<client.Configuration> {
  const { issuer, clientId, clientSecret } = server();
  return client.discovery(new URL(issuer), clientId, clientSecret, client.ClientSecretPost(clientSecret), {
    execute: [client.allowInsecureRequests],
  });
}

/** The authorization code flow as Labdeck runs it; returns the checked ID token claims. */
async function signIn(username: string, password = server().users[username]?.password ?? '') {
  const config = await configuration();
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  const callback = await signInAtKeycloak(authorizationUrl.href, username, password);
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { claims: tokens.claims(), accessToken: tokens.access_token, config };
}

/** A raw authorization request for the labdeck client (no redirects followed). */
function authorize(params: Record<string, string>): Promise<Response> {
  const url = new URL(`${server().issuer}/protocol/openid-connect/auth`);
  url.search = new URLSearchParams({
    client_id: 'labdeck',
    response_type: 'code',
    scope: 'openid',
    ...params,
  }).toString();
  return fetch(url, { redirect: 'manual' });
}

describe('lab Keycloak', () => {
  it('publishes the lab realm on discovery with PKCE S256, RP-initiated and back-channel logout', async () => {
    const res = await fetch(`${server().issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(server().issuer);
    expect(meta.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/lab$/);
    expect(meta.code_challenge_methods_supported).toContain('S256');
    expect(meta.end_session_endpoint).toBe(`${server().issuer}/protocol/openid-connect/logout`);
    expect(meta.backchannel_logout_supported).toBe(true);
  });

  it.each([
    ['analyst', ['lab-analysts']],
    ['operator', ['lab-operators']],
    ['admin', ['lab-admins']],
    ['robot', ['lab-analysts']],
  ])(
    'signs %s in through the login page; the ID token and userinfo carry groups %j',
    async (user, groups) => {
      const { claims, accessToken, config } = await signIn(user);
      expect(claims).toMatchObject({
        iss: server().issuer,
        aud: 'labdeck',
        preferred_username: user,
        email: `${user}@lab.example`,
        groups,
      });
      const userinfo = await client.fetchUserInfo(config, accessToken, claims?.sub as string);
      expect(userinfo.groups).toEqual(groups);
    },
  );

  it('refuses a wrong password on its login page', async () => {
    await expect(signIn('analyst', 'not-the-password')).rejects.toThrow(
      /refused the sign-in of analyst: Invalid username or password/,
    );
  });

  it('requires PKCE: an authorization request without code_challenge is sent back with an error', async () => {
    const res = await authorize({ redirect_uri: REDIRECT_URI });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/code_challenge_method/);
  });

  it('accepts redirect URIs on any loopback port only', async () => {
    const withPkce = {
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    };
    expect(
      (await authorize({ redirect_uri: 'http://127.0.0.1:50123/api/auth/callback', ...withPkce })).status,
    ).toBe(200);
    const foreign = await authorize({
      redirect_uri: 'http://lab.example:4321/api/auth/callback',
      ...withPkce,
    });
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain('Invalid parameter: redirect_uri');
  });
});
