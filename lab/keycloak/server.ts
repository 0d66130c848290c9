// A real OpenID provider for tests and `npm run lab`: Keycloak with the realm `lab` from realm.json (client
// `labdeck`, groups lab-admins/lab-operators/lab-analysts, demo users). Install it first with
// `bash lab/keycloak/install.sh`.
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersHttp, freePort, notInstalled, restartable, spawnLogged } from '../process.ts';

export const KEYCLOAK_VERSION = '26.7.3';
export const KEYCLOAK_INSTALL_HINT = 'bash lab/keycloak/install.sh';
export const KEYCLOAK_REALM = 'lab';
export const KEYCLOAK_CLIENT_ID = 'labdeck';

export interface KeycloakOptions {
  /** The instance's home (realm file, log, in-memory database's transaction log). Default: a fresh temporary directory. */
  dir?: string;
  /** HTTP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /**
   * The `labdeck` client's redirect URIs. Default (realm.json): `http://127.0.0.1/*` and `http://localhost/*`,
   * which Keycloak matches on any port for loopback addresses (RFC 8252). Sign-out may return to the same URIs.
   */
  redirectUris?: string[];
  /** Redirect URIs accepted besides `redirectUris` (or realm.json's), e.g. `http://labdeck.lab.localhost:8090/*`. */
  moreRedirectUris?: string[];
  /** The `labdeck` client's secret. Default: a random one per start. */
  clientSecret?: string;
  /** Where Keycloak posts OIDC back-channel logout tokens, e.g. `http://127.0.0.1:4321/api/auth/backchannel-logout/lab`. */
  backchannelLogoutUrl?: string;
  /** JVM memory flags (garbage collector, heap). Default: DEFAULT_KEYCLOAK_MEMORY. */
  memory?: string[];
  startTimeoutMs?: number;
  /** Where install.sh put Keycloak. Default: $KEYCLOAK_LAB_DIR/server or <repo>/.lab/keycloak/server. */
  installDir?: string;
  /** The JDK it runs on. Default: the lab's JDK, $TRINO_LAB_DIR/jdk or <repo>/.lab/trino/jdk. */
  javaHome?: string;
}

export interface LabUser {
  username: string;
  password: string;
  email: string;
  name: string;
  groups: string[];
}

export interface Keycloak {
  /** The realm's issuer, e.g. http://127.0.0.1:8089/realms/lab. */
  issuer: string;
  /** Keycloak's base URL (admin console at /admin). */
  url: string;
  port: number;
  clientId: string;
  clientSecret: string;
  /** The realm's demo users by username (admin, operator, analyst, robot). */
  users: Record<string, LabUser>;
  /** The master realm's bootstrap admin (admin console, admin REST API). */
  admin: { username: string; password: string };
  logFile: string;
  /** Ends all of a demo user's Keycloak sessions (admin REST API), which sends back-channel logout tokens. */
  endSessionsOf(username: string): Promise<void>;
  /** labdeck.yaml's `auth:` section (oidc mode, this provider, the three lab roles); `extra` is appended. */
  authYaml(extra?: string): string;
  /** Starts it again after stop(), on the same port; sessions are gone, the realm is imported again. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface RealmUser {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  credentials: { value: string }[];
  groups: string[];
}

interface Realm {
  users: RealmUser[];
  clients: {
    clientId: string;
    secret?: string;
    redirectUris: string[];
    attributes: Record<string, string>;
  }[];
}

const here = fileURLToPath(new URL('.', import.meta.url));
const host = '127.0.0.1';
const stopGraceMs = 20_000;
const realmFile = join(here, 'realm.json');

export function keycloakInstallDir(): string {
  return process.env.KEYCLOAK_LAB_DIR
    ? join(process.env.KEYCLOAK_LAB_DIR, 'server')
    : resolve(here, '../../.lab/keycloak/server');
}

function labJavaHome(): string {
  return join(process.env.TRINO_LAB_DIR ?? resolve(here, '../../.lab/trino'), 'jdk');
}

/** Throws a message naming the install script when Keycloak or the lab's JDK is not installed. */
export function assertKeycloakInstalled(installDir = keycloakInstallDir(), javaHome = labJavaHome()): void {
  if (!existsSync(join(installDir, `.installed-${KEYCLOAK_VERSION}`))) {
    throw notInstalled(`Keycloak ${KEYCLOAK_VERSION}`, installDir, KEYCLOAK_INSTALL_HINT);
  }
  if (!existsSync(join(javaHome, 'bin', 'java'))) {
    throw notInstalled("The lab's JDK (for Keycloak)", javaHome, KEYCLOAK_INSTALL_HINT);
  }
}

/** The demo users of realm.json, with their passwords and groups. */
export function labUsers(realm: Realm = readRealm()): Record<string, LabUser> {
  return Object.fromEntries(
    realm.users.map((user) => [
      user.username,
      {
        username: user.username,
        password: user.credentials[0]?.value ?? '',
        email: user.email,
        name: `${user.firstName} ${user.lastName}`,
        groups: user.groups.map((group) => group.replace(/^\//, '')),
      },
    ]),
  );
}

function readRealm(): Realm {
  return JSON.parse(readFileSync(realmFile, 'utf8')) as Realm;
}

/** realm.json with this instance's client secret, redirect URIs and back-channel logout URL. */
function instanceRealm(options: KeycloakOptions, clientSecret: string): Realm {
  const realm = readRealm();
  const client = realm.clients.find((c) => c.clientId === KEYCLOAK_CLIENT_ID);
  if (!client) throw new Error(`${realmFile} has no client ${KEYCLOAK_CLIENT_ID}`);
  client.secret = clientSecret;
  client.redirectUris = [
    ...(options.redirectUris ?? client.redirectUris),
    ...(options.moreRedirectUris ?? []),
  ];
  if (options.backchannelLogoutUrl)
    client.attributes['backchannel.logout.url'] = options.backchannelLogoutUrl;
  return realm;
}

/**
 * A home of its own for this instance: the realm to import goes to <home>/data/import (Keycloak reads it
 * only there), while lib/, providers/, themes/ and conf/ link to the shared install.
 */
function prepareHome(dir: string, installDir: string, realm: Realm): void {
  mkdirSync(join(dir, 'data', 'import'), { recursive: true });
  for (const part of ['lib', 'providers', 'themes', 'conf']) {
    if (!existsSync(join(dir, part))) symlinkSync(join(installDir, part), join(dir, part));
  }
  writeFileSync(join(dir, 'data', 'import', `${KEYCLOAK_REALM}-realm.json`), JSON.stringify(realm, null, 2));
}

/**
 * kc.sh's heap (-Xmx512m) with the serial collector and C1 only, as the lab's Schema Registry runs: idle RSS
 * ~345 MiB against ~435 with kc.sh's G1 and both compilers (no start-time difference measurable on 2 loaded cores).
 */
export const DEFAULT_KEYCLOAK_MEMORY = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xms32m', '-Xmx512m'];

/**
 * The JVM command bin/kc.sh (26.7.3) would run, but for the memory flags, run directly so the child is the
 * JVM itself: stop() and the kill-on-exit reach it (SIGKILL on kc.sh would leave its JVM running) and its
 * PID is the one to measure.
 */
function javaArgs(dir: string, installDir: string, port: number, memory: string[]): string[] {
  return [
    `-Dkc.home.dir=${dir}`,
    `-Djboss.server.config.dir=${join(installDir, 'conf')}`,
    '-Djava.util.logging.manager=org.jboss.logmanager.LogManager',
    '-Dpicocli.disable.closures=true',
    '-Dquarkus-log-max-startup-records=10000',
    '-Djava.util.concurrent.ForkJoinPool.common.threadFactory=io.quarkus.bootstrap.forkjoin.QuarkusForkJoinWorkerThreadFactory',
    '-XX:MetaspaceSize=96M',
    '-XX:MaxMetaspaceSize=256m',
    '-Dfile.encoding=UTF-8',
    '-Dstdout.encoding=UTF-8',
    '-Dstderr.encoding=UTF-8',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.security.egd=file:/dev/urandom',
    ...memory,
    '--add-opens=java.base/java.util=ALL-UNNAMED',
    '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
    '--add-opens=java.base/java.security=ALL-UNNAMED',
    '--add-opens=java.base/java.lang=ALL-UNNAMED',
    '--enable-native-access=ALL-UNNAMED',
    '-Duser.language=en',
    '-Duser.country=US',
    '-cp',
    join(installDir, 'lib', 'quarkus-run.jar'),
    'io.quarkus.bootstrap.runner.QuarkusEntryPoint',
    // Production mode on the build install.sh made (in-memory H2): no re-augmentation per start.
    'start',
    '--optimized',
    // Production mode would otherwise form a cluster over JGroups on port 7800 with any other instance.
    '--cache=local',
    '--http-enabled=true',
    `--http-host=${host}`,
    `--http-port=${port}`,
    '--hostname-strict=false',
    '--import-realm',
    '--log-console-color=false',
  ];
}

export async function startKeycloak(options: KeycloakOptions = {}): Promise<Keycloak> {
  const installDir = options.installDir ?? keycloakInstallDir();
  const javaHome = options.javaHome ?? labJavaHome();
  assertKeycloakInstalled(installDir, javaHome);
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-keycloak-')));
  const port = options.port ?? (await freePort());
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('hex');
  const realm = instanceRealm(options, clientSecret);
  prepareHome(dir, installDir, realm);
  const admin = { username: 'lab-bootstrap-admin', password: randomBytes(18).toString('base64url') };
  const url = `http://${host}:${port}`;
  const issuer = `${url}/realms/${KEYCLOAK_REALM}`;
  const logFile = join(dir, 'keycloak.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JAVA_HOME: javaHome,
    KC_BOOTSTRAP_ADMIN_USERNAME: admin.username,
    KC_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
  };
  delete env.JAVA_TOOL_OPTIONS;
  delete env._JAVA_OPTIONS;
  const args = javaArgs(dir, installDir, port, options.memory ?? DEFAULT_KEYCLOAK_MEMORY);
  const discovery = `${issuer}/.well-known/openid-configuration`;
  const { start, stop } = restartable(stopGraceMs, async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start Keycloak: ${host}:${port} is in use`);
    const from = existsSync(logFile) ? statSync(logFile).size : 0;
    const child = spawnLogged(join(javaHome, 'bin', 'java'), args, logFile, { cwd: dir, env });
    return {
      child,
      ready: {
        name: 'Keycloak',
        goal: `answer ${discovery}`,
        timeoutMs: options.startTimeoutMs ?? 180_000,
        probe: () => discovers(discovery, issuer),
        tail: () =>
          readFileSync(logFile).subarray(from).toString('utf8').trimEnd().split('\n').slice(-25).join('\n'),
      },
    };
  });
  const users = labUsers(realm);
  const keycloak: Keycloak = {
    issuer,
    url,
    port,
    clientId: KEYCLOAK_CLIENT_ID,
    clientSecret,
    users,
    admin,
    logFile,
    endSessionsOf: (username) => endSessionsOf(url, admin, username),
    authYaml: (extra = '') => authYaml(issuer, clientSecret, Boolean(options.backchannelLogoutUrl), extra),
    start,
    stop,
  };
  await keycloak.start();
  return keycloak;
}

function authYaml(issuer: string, clientSecret: string, backchannelLogout: boolean, extra: string): string {
  return [
    'auth:',
    '  mode: oidc',
    '  providers:',
    '    - id: lab',
    '      name: Lab SSO (Keycloak)',
    `      issuer: ${issuer}`,
    `      clientId: ${KEYCLOAK_CLIENT_ID}`,
    `      clientSecret: ${clientSecret}`,
    ...(backchannelLogout ? ['      backchannelLogout: true'] : []),
    '  roles:',
    '    admin: [lab-admins]',
    '    operator: [lab-operators]',
    '    analyst: [lab-analysts]',
    extra,
  ].join('\n');
}

async function endSessionsOf(
  url: string,
  admin: { username: string; password: string },
  username: string,
): Promise<void> {
  const token = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...admin }),
  });
  if (!token.ok) throw new Error(`Keycloak admin sign-in: HTTP ${token.status} ${await token.text()}`);
  const headers = {
    authorization: `Bearer ${((await token.json()) as { access_token: string }).access_token}`,
  };
  const users = `${url}/admin/realms/${KEYCLOAK_REALM}/users`;
  const found = await fetch(`${users}?exact=true&username=${encodeURIComponent(username)}`, { headers });
  const [user] = (await found.json()) as { id: string }[];
  if (!user) throw new Error(`Keycloak realm ${KEYCLOAK_REALM} has no user ${username}`);
  const ended = await fetch(`${users}/${user.id}/logout`, { method: 'POST', headers });
  if (!ended.ok) throw new Error(`Keycloak could not end the sessions of ${username}: HTTP ${ended.status}`);
}

/** Ready: the realm's discovery document answers and names this issuer. */
async function discovers(discovery: string, issuer: string): Promise<true | string> {
  try {
    const res = await fetch(discovery, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return `HTTP ${res.status}`;
    const body = (await res.json()) as { issuer?: string };
    return body.issuer === issuer ? true : `issuer ${body.issuer}, expected ${issuer}`;
  } catch (error) {
    return (error as Error).message;
  }
}
