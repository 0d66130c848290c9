import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { serverModules } from '../modules/index.ts';
import type { ServerModule } from '../platform/module.ts';
import { type Labdeck, startLabdeck } from '../platform/runtime.ts';

export interface TestAppOptions {
  /** labdeck.yaml text; omitted means built-in defaults. */
  config?: string;
  env?: NodeJS.ProcessEnv;
  modules?: readonly ServerModule[];
  /** Files of a built SPA to serve (path inside the build -> content), e.g. `{ 'index.html': '...' }`. */
  spa?: Record<string, string>;
}

export interface TestApp extends Labdeck {
  databaseUrl: string;
  /** fetch relative to the app's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * A real Labdeck on a free port, with a fresh database in the suite's real PostgreSQL.
 * Call `close()` in afterAll/afterEach.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = await createDatabase(inject('postgresUrl'));
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-test-'));
  const env: NodeJS.ProcessEnv = { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, ...options.env };
  if (options.config !== undefined) {
    writeFileSync(path.join(cwd, 'labdeck.yaml'), options.config);
    env.LABDECK_CONFIG = path.join(cwd, 'labdeck.yaml');
  }
  const app = await startLabdeck({
    modules: options.modules ?? serverModules,
    env,
    cwd,
    staticDir: options.spa && writeSpa(path.join(cwd, 'spa'), options.spa),
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  return { ...app, databaseUrl, fetch: (p, init) => fetch(new URL(p, app.url), init) };
}

/**
 * One more replica on an existing database (another Labdeck in this process, as a second pod would be):
 * replicas share the database and reach each other through it only.
 */
export async function startReplica(databaseUrl: string, config = ''): Promise<TestApp> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-replica-'));
  writeFileSync(path.join(cwd, 'labdeck.yaml'), config);
  const app = await startLabdeck({
    modules: serverModules,
    cwd,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LABDECK_CONFIG: path.join(cwd, 'labdeck.yaml'),
    },
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  return { ...app, databaseUrl, fetch: (p, init) => fetch(new URL(p, app.url), init) };
}

function writeSpa(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** A new empty database on the same server, so test files never see each other's rows. */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface ApiClient {
  /** Sends cookies it was given and the CSRF token, as the SPA does. */
  request(path: string, init?: RequestInit): Promise<Response>;
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
  put(path: string, body?: unknown): Promise<Response>;
  delete(path: string): Promise<Response>;
  cookies: Map<string, string>;
}

/** A browser-like API client with a cookie jar and the double-submit CSRF header. */
export function apiClient(baseUrl: string, headers: Record<string, string> = {}): ApiClient {
  const cookies = new Map<string, string>();
  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    if (!cookies.has('labdeck_csrf') && init.method && init.method !== 'GET') await request('/api/session');
    const merged = new Headers({ ...headers, ...(init.headers as Record<string, string> | undefined) });
    if (cookies.size) merged.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const csrf = cookies.get('labdeck_csrf');
    if (csrf) merged.set('x-csrf-token', csrf);
    const res = await fetch(new URL(path, baseUrl), { ...init, headers: merged, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  }
  const json = (method: string) => (path: string, body?: unknown) =>
    request(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    request,
    cookies,
    get: (path) => request(path),
    post: json('POST'),
    put: json('PUT'),
    delete: (path) => request(path, { method: 'DELETE' }),
  };
}

/** A person a test acts as, identified by a forward-auth proxy (auth.mode proxy). */
export interface TestUser {
  id: string;
  name?: string;
  email?: string;
  /** IdP groups; `proxyAuthYaml` maps lab-admins -> admin and lab-analysts -> analyst. */
  groups: string[];
}

/**
 * labdeck.yaml `auth:` section for API tests that act as different users: identity comes from
 * forward-auth headers, trusted from loopback (the test client). Append your module's own sections.
 */
export function proxyAuthYaml(
  roles: Record<string, string[]> = { admin: ['lab-admins'], analyst: ['lab-analysts'] },
): string {
  const lines = Object.entries(roles).map(([role, groups]) => `    ${role}: [${groups.join(', ')}]`);
  return ['auth:', '  mode: proxy', '  roles:', ...lines, ''].join('\n');
}

/** A browser-like client (cookies + CSRF) signed in as `user` through the proxy headers of `proxyAuthYaml`. */
export function userClient(baseUrl: string, user: TestUser, headers: Record<string, string> = {}): ApiClient {
  const identity: Record<string, string> = {
    'X-Forwarded-User': user.id,
    'X-Forwarded-Groups': user.groups.join(','),
  };
  if (user.name) identity['X-Forwarded-Preferred-Username'] = user.name;
  if (user.email) identity['X-Forwarded-Email'] = user.email;
  return apiClient(baseUrl, { ...identity, ...headers });
}

/** A served index.html without the style nonce every copy carries (platform/app.ts), for comparisons. */
export const withoutStyleNonce = (html: string) =>
  html.replace(/\n\s*<meta name="csp-nonce" content="[^"]+" \/>/, '');
