import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';

/** The claims of a valid OIDC back-channel logout token that say whose sessions end. */
export interface LogoutClaims {
  sub?: string;
  sid?: string;
}

export interface LogoutTokenExpectations {
  issuer: string;
  clientId: string;
  /** The provider's signing keys (JWKS); `refresh` asks for a fresh copy (key rotation). */
  keys(refresh: boolean): Promise<JsonWebKey[]>;
  now?: number;
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const MAX_AGE_S = 5 * 60;
const SKEW_S = 60;

/**
 * Validates a logout token per OpenID Connect Back-Channel Logout 1.0 section 2.6: an asymmetric
 * signature by the provider, iss, aud, iat (recent), exp, the logout event, sub or sid, and no nonce.
 */
export async function verifyLogoutToken(
  token: string,
  expect: LogoutTokenExpectations,
): Promise<LogoutClaims> {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 16_384) throw new Error('not a signed JWT');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decode(headerPart) as { alg?: unknown; kid?: unknown; typ?: unknown };
  const claims = decode(payloadPart) as Record<string, unknown>;
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (!ALGORITHMS[alg]) throw new Error(`unsupported algorithm ${JSON.stringify(header.alg)}`);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const data = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const check = (key: KeyObject) => {
    try {
      return ALGORITHMS[alg]!(data, key, signature);
    } catch {
      return false;
    }
  };
  const signedBy = (keys: JsonWebKey[]) => candidates(keys, alg, kid).some(check);
  if (!signedBy(await expect.keys(false)) && !signedBy(await expect.keys(true)))
    throw new Error('bad signature');

  const now = Math.floor((expect.now ?? Date.now()) / 1000);
  if (claims.iss !== expect.issuer) throw new Error('wrong issuer');
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience.includes(expect.clientId)) throw new Error('wrong audience');
  if (typeof claims.iat !== 'number' || claims.iat > now + SKEW_S || claims.iat < now - MAX_AGE_S)
    throw new Error('stale or future iat');
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp < now - SKEW_S))
    throw new Error('expired');
  const events = claims.events as Record<string, unknown> | undefined;
  if (!events || typeof events !== 'object' || typeof events[EVENT] !== 'object')
    throw new Error('not a logout event');
  if (claims.nonce !== undefined) throw new Error('a logout token must not carry a nonce');
  const sub = typeof claims.sub === 'string' && claims.sub ? claims.sub : undefined;
  const sid = typeof claims.sid === 'string' && claims.sid ? claims.sid : undefined;
  if (!sub && !sid) throw new Error('neither sub nor sid');
  return { sub, sid };
}

type Verifier = (data: Buffer, key: KeyObject, signature: Buffer) => boolean;
const rsa =
  (hash: string): Verifier =>
  (data, key, sig) =>
    verify(hash, data, key, sig);
const pss =
  (hash: string, saltLength: number): Verifier =>
  (data, key, sig) =>
    verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig);
const ec =
  (hash: string): Verifier =>
  (data, key, sig) =>
    verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);

/** Asymmetric algorithms only: `none` and HMAC (a shared secret the client also holds) are refused. */
const ALGORITHMS: Record<string, Verifier> = {
  RS256: rsa('sha256'),
  RS384: rsa('sha384'),
  RS512: rsa('sha512'),
  PS256: pss('sha256', 32),
  PS384: pss('sha384', 48),
  PS512: pss('sha512', 64),
  ES256: ec('sha256'),
  ES384: ec('sha384'),
  ES512: ec('sha512'),
  EdDSA: (data, key, sig) => verify(null, data, key, sig),
  Ed25519: (data, key, sig) => verify(null, data, key, sig),
};

const KTY: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };

function candidates(keys: JsonWebKey[], alg: string, kid: string | undefined): KeyObject[] {
  const kty = KTY[alg.slice(0, 2)];
  return keys
    .filter(
      (k) =>
        k.kty === kty && (!kid || k.kid === kid) && (!k.use || k.use === 'sig') && (!k.alg || k.alg === alg),
    )
    .flatMap((k) => toKey(k) ?? []);
}

function toKey(jwk: JsonWebKey): KeyObject | undefined {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}

function decode(part: string): unknown {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (!value || typeof value !== 'object') throw new Error();
    return value;
  } catch {
    throw new Error('malformed JWT');
  }
}
