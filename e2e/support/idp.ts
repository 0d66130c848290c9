import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no type declarations; the few calls used here are typed below.
import OidcProvider from 'oidc-provider';
import { freePort } from '../../server/platform/net.ts';

/**
 * A real, certified OpenID provider (`oidc-provider`) for tests, with its own minimal login and consent
 * pages, RP-initiated logout and refresh tokens. Users: `ana` (group lab-analysts), `adm` (lab-admins).
 */
export interface TestUser {
  id: string;
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export const TEST_USERS: Record<string, TestUser> = {
  ana: {
    id: 'ana',
    password: 'ana-secret-pw',
    name: 'Ana Analyst',
    email: 'ana@lab.example',
    groups: ['lab-analysts'],
  },
  adm: {
    id: 'adm',
    password: 'adm-secret-pw',
    name: 'Ada Admin',
    email: 'adm@lab.example',
    groups: ['lab-admins'],
  },
};

export interface TestIdpOptions {
  /** The Labdeck origin(s) that sign in here, e.g. `http://127.0.0.1:4321`. */
  clientOrigins: string[];
  clientId?: string;
  /** Omit for a confidential client with a random secret; `null` makes a public client (PKCE only). */
  clientSecret?: string | null;
  accessTokenTtlSeconds?: number;
  /** Sends OIDC back-channel logout tokens to the first origin's /api/auth/backchannel-logout/lab. */
  backchannelLogout?: boolean;
  port?: number;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  /** labdeck.yaml `auth:` section (oidc mode, roles for both groups) pointing at this provider. */
  authYaml(extra?: string): string;
  /** Drives the provider's own pages like a browser would; returns the callback URL it redirects to. */
  authorize(authorizationUrl: string, username: string, password?: string): Promise<string>;
  /** A browser that keeps its provider cookies: sign in, then sign out at the provider itself. */
  browser(): {
    authorize(authorizationUrl: string, username: string): Promise<string>;
    signOutAtProvider(): Promise<string>;
  };
  /** Takes the provider off the network (connections refused) and back, keeping its state. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Interaction {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, string>;
  session?: { accountId: string };
  grantId?: string;
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

interface Provider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options?: object,
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = options.clientId ?? 'labdeck';
  const clientSecret =
    options.clientSecret === null
      ? null
      : (options.clientSecret ?? `idp-secret-${randomBytes(12).toString('hex')}`);
  const provider: Provider = new OidcProvider(issuer, {
    clients: [
      {
        client_id: clientId,
        ...(clientSecret
          ? { client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_post' }
          : { token_endpoint_auth_method: 'none' }),
        redirect_uris: options.clientOrigins.map((origin) => `${origin}/api/auth/callback`),
        post_logout_redirect_uris: options.clientOrigins.map((origin) => `${origin}/signin?signedOut=1`),
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        ...(options.backchannelLogout
          ? {
              backchannel_logout_uri: `${options.clientOrigins[0]}/api/auth/backchannel-logout/lab`,
              backchannel_logout_session_required: true,
            }
          : {}),
      },
    ],
    async findAccount(_ctx: unknown, sub: string) {
      const user = TEST_USERS[sub];
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          name: user.name,
          preferred_username: user.id,
          email: user.email,
          email_verified: true,
          groups: user.groups,
        }),
      };
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: Boolean(options.backchannelLogout) },
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      IdToken: 3600,
      RefreshToken: 86_400,
      Session: 3600,
      Grant: 3600,
      Interaction: 600,
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    // Back-channel logout posts to Labdeck on loopback, which oidc-provider's SSRF guard would refuse.
    fetch: (url: string, { dispatcher: _guard, ...init }: RequestInit & { dispatcher?: unknown }) =>
      fetch(url, init),
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Error',
        `<h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`,
      );
    },
  });
  const callback = provider.callback();

  async function interaction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    action: string | undefined,
  ) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (!action) return render(res, details);
    if (action === '/login' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const user = TEST_USERS[form.get('login') ?? ''];
      if (!user || user.password !== form.get('password'))
        return render(res, details, 'Invalid username or password');
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.id } },
        { mergeWithLastSubmission: false },
      );
    }
    if (action === '/confirm' && req.method === 'POST') {
      const { prompt, params, session, grantId } = details;
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session!.accountId, clientId: params.client_id! });
      const missing = prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant!.addResourceScope(indicator, scopes.join(' '));
      }
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant!.save() } },
        { mergeWithLastSubmission: true },
      );
    }
    if (action === '/abort') {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted' },
        { mergeWithLastSubmission: false },
      );
    }
    res.writeHead(405).end();
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)(\/login|\/confirm|\/abort)?$/.exec(
      new URL(req.url ?? '/', issuer).pathname,
    );
    if (!match) return callback(req, res);
    interaction(req, res, match[1]!, match[2]).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html' });
      res.end(page('Error', `<h1>Sign-in error</h1><p>${escapeHtml(error.message)}</p>`));
    });
  };

  let server: Server | undefined;
  async function up() {
    if (server) return;
    const next = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    server = next;
    if ((server.address() as AddressInfo).port !== port)
      throw new Error('test IdP bound to an unexpected port');
  }
  async function down() {
    const running = server;
    server = undefined;
    if (!running) return;
    const closed = new Promise((resolve) => running.close(resolve));
    running.closeAllConnections();
    await closed;
  }
  await up();

  return {
    issuer,
    clientId,
    clientSecret,
    authYaml: (extra = '') =>
      [
        'auth:',
        '  mode: oidc',
        '  providers:',
        '    - id: lab',
        '      name: Lab SSO',
        `      issuer: ${issuer}`,
        `      clientId: ${clientId}`,
        ...(clientSecret ? [`      clientSecret: ${clientSecret}`] : []),
        '      scopes: [openid, profile, email, groups]',
        ...(options.backchannelLogout ? ['      backchannelLogout: true'] : []),
        '  roles:',
        '    admin: [lab-admins]',
        '    analyst: [lab-analysts]',
        extra,
      ].join('\n'),
    authorize: (url, username, password) =>
      drive(url, issuer, username, password ?? TEST_USERS[username]?.password ?? ''),
    browser() {
      const jar = new Map<string, string>();
      return {
        authorize: (url, username) => drive(url, issuer, username, TEST_USERS[username]?.password ?? '', jar),
        signOutAtProvider: () => drive(`${issuer}/session/end?client_id=${clientId}`, issuer, '', '', jar),
      };
    },
    down,
    up,
    close: down,
  };
}

/** Follows the provider's redirects and submits its login and consent forms, as a browser would. */
async function drive(
  start: string,
  issuer: string,
  username: string,
  password: string,
  jar = new Map<string, string>(),
): Promise<string> {
  let url = start;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    if (!url.startsWith(issuer)) return url;
    const headers = new Headers(init.headers as Record<string, string> | undefined);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    init = {};
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`IdP answered HTTP ${res.status}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) return url; // a final page (e.g. signed out)
    if (html.includes('Invalid username or password')) throw new Error('IdP refused the credentials');
    const body = html.includes('name="password"')
      ? new URLSearchParams({ login: username, password })
      : new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
      body.set(name!, value!);
    }
    if (html.includes('name="logout"')) body.set('logout', 'yes');
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    init = { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many IdP redirects');
}

function render(res: ServerResponse, details: Interaction, error?: string) {
  const base = `/interaction/${details.uid}`;
  const body =
    details.prompt.name === 'login'
      ? `<h1>Lab identity provider</h1>
        <p>Sign in to continue to <strong>${escapeHtml(details.params.client_id ?? '')}</strong>.</p>
        ${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
        <form method="post" action="${base}/login">
          <label>Username <input name="login" autocomplete="username" required autofocus></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
          <button type="submit">Sign in</button>
        </form>
        <p><a href="${base}/abort">Cancel</a></p>`
      : `<h1>Allow access?</h1>
        <p><strong>${escapeHtml(details.params.client_id ?? '')}</strong> asks for: ${escapeHtml(details.params.scope ?? '')}</p>
        <form method="post" action="${base}/confirm"><button type="submit">Allow</button></form>
        <p><a href="${base}/abort">Deny</a></p>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page(details.prompt.name === 'login' ? 'Sign in' : 'Consent', body));
}

async function logoutSource(ctx: { body: string }, form: string) {
  ctx.body = page(
    'Sign out',
    `<h1>Sign out of the lab identity provider?</h1>${form}
    <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
    <button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

async function postLogoutSuccessSource(ctx: { body: string }) {
  ctx.body = page('Signed out', '<h1>You are signed out</h1>');
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>
  <style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto}label{display:block;margin:.5rem 0}
  .error{color:#b42318}</style></head><body>${body}</body></html>`;

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
