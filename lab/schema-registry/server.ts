// A real Schema Registry for tests and `npm run lab`: Apicurio Registry (in-memory H2 storage), which
// serves the Confluent-compatible API at /apis/ccompat/v7. Install it first with
// `bash lab/schema-registry/install.sh`.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersHttp, freePort, logTail, notInstalled, restartable, spawnLogged } from '../process.ts';

export const APICURIO_VERSION = '3.0.9';
export const SCHEMA_REGISTRY_INSTALL_HINT = 'bash lab/schema-registry/install.sh';

export interface SchemaRegistryOptions {
  /** Where the log goes. Default: a fresh temporary directory. */
  dir?: string;
  /** HTTP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Require HTTP basic auth with this user (Quarkus embedded users). */
  auth?: { username: string; password: string };
  startTimeoutMs?: number;
  /** Where install.sh put the app. Default: $SCHEMA_REGISTRY_LAB_DIR or <repo>/.lab/schema-registry/app. */
  installDir?: string;
}

export interface SchemaRegistry {
  /** Base URL of the Confluent-compatible API (no trailing slash), e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  url: string;
  port: number;
  logFile: string;
  auth?: { username: string; password: string };
  /** Starts it again after stop(), on the same port (in-memory storage: registered schemas are gone). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const host = '127.0.0.1';
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
const stopGraceMs = 15_000;

export function schemaRegistryInstallDir(): string {
  return process.env.SCHEMA_REGISTRY_LAB_DIR ?? resolve(here, '../../.lab/schema-registry/app');
}

/** Throws a message naming the install script when the registry is not installed. */
export function assertSchemaRegistryInstalled(installDir = schemaRegistryInstallDir()): string {
  const jar = join(installDir, `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`);
  if (!existsSync(join(installDir, `.installed-${APICURIO_VERSION}`)) || !existsSync(jar)) {
    throw notInstalled(
      `The Schema Registry (Apicurio ${APICURIO_VERSION})`,
      installDir,
      SCHEMA_REGISTRY_INSTALL_HINT,
    );
  }
  return jar;
}

export async function startSchemaRegistry(options: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
  const jar = assertSchemaRegistryInstalled(options.installDir);
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-schema-registry-')));
  mkdirSync(dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const logFile = join(dir, 'registry.log');
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const url = `http://${host}:${port}/apis/ccompat/v7`;
  const auth = options.auth;
  if (auth && !/^[A-Za-z0-9_-]+$/.test(auth.username))
    throw new Error('auth.username: letters, digits, - or _');
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
    : {};
  const args = [
    '-Xms64m',
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dquarkus.http.port=${port}`,
    `-Dquarkus.http.host=${host}`,
    // Apicurio 3 also opens a management port (9000) by default: one fixed port breaks parallel runs.
    '-Dquarkus.management.enabled=false',
    '-Dquarkus.http.access-log.enabled=false',
    '-Dquarkus.log.level=WARN',
    '-Dquarkus.log.console.color=false',
    ...(auth
      ? [
          '-Dquarkus.http.auth.basic=true',
          '-Dquarkus.security.users.embedded.enabled=true',
          '-Dquarkus.security.users.embedded.plain-text=true',
          `-Dquarkus.security.users.embedded.users.${auth.username}=${auth.password}`,
          `-Dquarkus.security.users.embedded.roles.${auth.username}=sr-admin`,
          '-Dquarkus.http.auth.permission.lab.paths=/apis/*',
          '-Dquarkus.http.auth.permission.lab.policy=authenticated',
        ]
      : []),
    '-jar',
    jar,
  ];
  const probe = `${url}/subjects`;
  const { start, stop } = restartable(stopGraceMs, async () => {
    if (await answersHttp(`http://${host}:${port}/`))
      throw new Error(`Cannot start the Schema Registry: ${host}:${port} is in use`);
    const tail = logTail(logFile, 25);
    const child = spawnLogged(java, args, logFile, { cwd: dir });
    return {
      child,
      ready: {
        name: 'The Schema Registry',
        goal: `answer ${probe}`,
        timeoutMs,
        probe: () => listsSubjects(probe, headers),
        tail,
      },
    };
  });
  const registry: SchemaRegistry = { url, port, logFile, ...(auth ? { auth } : {}), start, stop };
  await registry.start();
  return registry;
}

/** Ready: GET /subjects answers with a JSON array. */
async function listsSubjects(probe: string, headers: Record<string, string>): Promise<true | string> {
  try {
    const res = await fetch(probe, { headers, signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    if (res.ok && body.trim().startsWith('[')) return true;
    return `HTTP ${res.status} ${body.slice(0, 200)}`;
  } catch (error) {
    return (error as Error).message;
  }
}
