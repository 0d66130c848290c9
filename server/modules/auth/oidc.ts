import type { JsonWebKey } from 'node:crypto';
import * as client from 'openid-client';
import type { ProviderConfig } from './config.ts';
import { type LogoutClaims, verifyLogoutToken } from './logout-token.ts';

/** Why a sign-in failed, in words safe to show; the cause goes to the log only. */
export class SignInError extends Error {
  readonly code: 'idp_unavailable' | 'invalid_state' | 'rejected' | 'denied' | 'misconfigured';
  constructor(code: SignInError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignInError';
    this.code = code;
  }
}

export interface Claims {
  sub: string;
  [claim: string]: unknown;
}

export interface TokenSet {
  claims: Claims;
  idToken?: string;
  accessToken: string;
  refreshToken?: string;
  accessTokenExpiresAt?: Date;
}

const DISCOVERY_TIMEOUT_S = 5;
const RETRY_DISCOVERY_MS = 5_000;
const JWKS_REFRESH_MS = 30_000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * One OpenID provider as a relying party sees it. Discovery is lazy and cached, so a provider that is
 * down at start does not stop Labdeck: sign-in with it fails clearly until it is back.
 */
export class OidcProvider {
  readonly config: ProviderConfig;
  #configuration: Promise<client.Configuration> | undefined;
  #failedAt = 0;
  #jwks: { keys: JsonWebKey[]; at: number } | undefined;

  constructor(config: ProviderConfig) {
    this.config = config;
  }

  async configuration(): Promise<client.Configuration> {
    if (!this.#configuration && Date.now() - this.#failedAt < RETRY_DISCOVERY_MS) {
      throw new SignInError('idp_unavailable', `The identity provider ${this.config.name} is not reachable`);
    }
    this.#configuration ??= this.#discover().catch((error) => {
      this.#configuration = undefined;
      this.#failedAt = Date.now();
      throw error;
    });
    return this.#configuration;
  }

  async #discover(): Promise<client.Configuration> {
    const issuer = new URL(this.config.issuer);
    const insecure = issuer.protocol === 'http:';
    if (insecure && !LOOPBACK.has(issuer.hostname)) {
      throw new SignInError(
        'misconfigured',
        `Issuer ${issuer.origin} must use https (plain http is accepted on loopback only)`,
      );
    }
    const { clientSecret } = this.config;
    try {
      return await client.discovery(
        issuer,
        this.config.clientId,
        clientSecret ? { client_secret: clientSecret } : undefined,
        clientSecret ? client.ClientSecretPost(clientSecret) : client.None(),
        { timeout: DISCOVERY_TIMEOUT_S, execute: insecure ? [client.allowInsecureRequests] : [] },
      );
    } catch (error) {
      throw new SignInError('idp_unavailable', `The identity provider ${this.config.name} is not reachable`, {
        cause: error,
      });
    }
  }

  /**
   * Discovery is cached, so before sending a browser to the provider check that it answers: a dead
   * provider then gives Labdeck's own clear error page instead of the browser's connection error.
   */
  async #ensureReachable(configuration: client.Configuration): Promise<void> {
    const endpoint = configuration.serverMetadata().authorization_endpoint ?? this.config.issuer;
    try {
      await fetch(endpoint, {
        method: 'HEAD',
        redirect: 'manual',
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_S * 1000),
      });
    } catch (error) {
      throw new SignInError('idp_unavailable', `The identity provider ${this.config.name} is not reachable`, {
        cause: error,
      });
    }
  }

  async authorizationUrl(
    redirectUri: string,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<URL> {
    const configuration = await this.configuration();
    await this.#ensureReachable(configuration);
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.config.scopes.join(' '),
      response_type: 'code',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Validates the authorization response (state, iss), redeems the code (PKCE), checks the ID token (nonce). */
  async redeem(
    currentUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<TokenSet> {
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
    } catch (error) {
      throw classify(error);
    }
    const idClaims = tokens.claims() as Claims | undefined;
    if (!idClaims?.sub) throw new SignInError('rejected', 'The identity provider returned no ID token');
    return toTokenSet(tokens, await withUserinfo(configuration, tokens.access_token, idClaims));
  }

  /** New tokens for a refresh token, with the user's current claims (groups may have changed at the IdP). */
  async refresh(refreshToken: string, subject: string): Promise<TokenSet> {
    const configuration = await this.configuration();
    let tokens: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
    try {
      tokens = await client.refreshTokenGrant(configuration, refreshToken);
    } catch (error) {
      throw classify(error);
    }
    const idClaims = tokens.claims() as Claims | undefined;
    if (idClaims && idClaims.sub !== subject)
      throw new SignInError('rejected', 'The refreshed ID token is for another user');
    return toTokenSet(
      tokens,
      await withUserinfo(configuration, tokens.access_token, idClaims ?? { sub: subject }),
    );
  }

  /** Checks a back-channel logout token from this provider; throws with the reason when it is not valid. */
  async verifyLogoutToken(token: string): Promise<LogoutClaims> {
    const configuration = await this.configuration();
    return verifyLogoutToken(token, {
      issuer: configuration.serverMetadata().issuer,
      clientId: this.config.clientId,
      keys: (refresh) => this.#keys(configuration, refresh),
    });
  }

  /** The provider's JWKS, cached; a refresh (unknown key) happens at most every 30 s. */
  async #keys(configuration: client.Configuration, refresh: boolean): Promise<JsonWebKey[]> {
    const cached = this.#jwks;
    if (cached && (!refresh || Date.now() - cached.at < JWKS_REFRESH_MS)) return cached.keys;
    const uri = configuration.serverMetadata().jwks_uri;
    if (!uri) throw new Error('the provider publishes no jwks_uri');
    const res = await fetch(uri, {
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_S * 1000),
      redirect: 'error',
    });
    const body = (await res.json()) as { keys?: JsonWebKey[] };
    if (!res.ok || !Array.isArray(body.keys)) throw new Error(`jwks_uri answered HTTP ${res.status}`);
    this.#jwks = { keys: body.keys, at: Date.now() };
    return body.keys;
  }

  /** RP-initiated logout URL, when the provider has an end_session_endpoint. */
  async endSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<string | null> {
    let configuration: client.Configuration;
    try {
      configuration = await this.configuration();
    } catch {
      return null;
    }
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    const params: Record<string, string> = {
      post_logout_redirect_uri: postLogoutRedirectUri,
      client_id: this.config.clientId,
    };
    // The ID token would pass through the browser's address bar; only send it where the operator asked.
    if (idToken && this.config.logoutIdTokenHint) params.id_token_hint = idToken;
    return client.buildEndSessionUrl(configuration, params).href;
  }
}

/** ID token claims plus userinfo (many providers put groups only there); userinfo failing is not fatal. */
async function withUserinfo(
  configuration: client.Configuration,
  accessToken: string,
  idClaims: Claims,
): Promise<Claims> {
  if (!configuration.serverMetadata().userinfo_endpoint) return idClaims;
  try {
    return {
      ...idClaims,
      ...(await client.fetchUserInfo(configuration, accessToken, idClaims.sub)),
      sub: idClaims.sub,
    };
  } catch {
    return idClaims;
  }
}

function toTokenSet(tokens: Awaited<ReturnType<typeof client.refreshTokenGrant>>, claims: Claims): TokenSet {
  const expiresIn = tokens.expiresIn();
  return {
    claims,
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    accessTokenExpiresAt: expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn * 1000),
  };
}

/** Network trouble is "unavailable"; anything the provider or the checks refused is "rejected". */
function classify(error: unknown): SignInError {
  if (error instanceof SignInError) return error;
  const e = error as { name?: string; code?: string; error?: string; cause?: { code?: string } };
  if (
    e?.name === 'TypeError' ||
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    // openid-client wraps its request timeout (a provider that accepts and never answers) this way.
    e?.code === 'OAUTH_TIMEOUT' ||
    e?.code === 'OAUTH_ABORT' ||
    /ECONN|ETIMEDOUT|fetch failed/i.test(String((error as Error)?.message))
  ) {
    return new SignInError('idp_unavailable', 'The identity provider is not reachable', { cause: error });
  }
  if (e?.error === 'access_denied')
    return new SignInError('denied', 'Sign-in was cancelled at the identity provider', { cause: error });
  return new SignInError('rejected', 'The identity provider response was not accepted', { cause: error });
}
