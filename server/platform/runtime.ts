import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { createApp, createMetricsApp } from './app.ts';
import { loadAppConfig } from './config/app-config.ts';
import type { AppConfig } from './config/schema.ts';
import type { DatabaseLiveEvent } from './contract.ts';
import { EmbeddedPostgres } from './db/embedded.ts';
import { type Migration, migrate, migrationsIn } from './db/migrate.ts';
import { createDb, type Db } from './db/pool.ts';
import { createMemoryBus, type EventBus } from './events/bus.ts';
import { createPgBus } from './events/pg-bus.ts';
import { SseHub } from './events/sse.ts';
import { createReturnTargets } from './hosts.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { type ModuleContext, moduleConfigOf, type RunningModule, type ServerModule } from './module.ts';
import { ReplicaRegistry } from './replicas.ts';

export interface StartOptions {
  modules: readonly ServerModule[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  staticDir?: string;
  /** Overrides the logger (tests pass a silent one). */
  log?: Logger;
}

export interface Labdeck {
  url: string;
  server: Server;
  context: ModuleContext;
  sse: SseHub;
  /** The embedded PostgreSQL when Labdeck started one (tests stop and restart it). */
  embedded: EmbeddedPostgres | null;
  close(): Promise<void>;
}

const platformMigrations = () => migrationsIn('platform', path.join(import.meta.dirname, 'db', 'migrations'));

/** Loads config, brings up PostgreSQL, migrates, starts the modules and listens. */
export async function startLabdeck(options: StartOptions): Promise<Labdeck> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const loaded = loadAppConfig(options.modules, { env, cwd });
  const { config } = loaded;
  const log = options.log ?? createLogger(config.log.level);
  const embedded = config.database.url
    ? null
    : await startEmbedded(path.resolve(cwd, config.database.dataDir), log);
  const databaseUrl = config.database.url ?? embedded!.url;
  const db = createDb(databaseUrl, log, config.database.poolSize);
  const metrics = createMetrics();
  const replica = new ReplicaRegistry(db, log.child({ component: 'replicas' }), config.replicas);
  const running: RunningModule[] = [];
  let context: ModuleContext | undefined;
  try {
    const applied = await migrate(db, allMigrations(options.modules));
    if (applied.length) log.info({ applied }, 'database migrated');
    const bus = await createBus(config, db, databaseUrl, log);
    context = {
      config,
      configFile: loaded.file,
      db,
      bus,
      log,
      metrics,
      replica,
      openAccess: isOpenAccess(config),
      returnTargets: createReturnTargets(),
    };
    for (const module of options.modules) {
      const instance = await module.create(context, moduleConfigOf(module, context));
      running.push({ name: module.name, ...instance });
    }
    await replica.start();
  } catch (error) {
    await context?.bus.close();
    await shutdownParts(running, replica, db, embedded, log);
    throw error;
  }
  const { bus } = context;
  const sse = new SseHub(bus, { metrics });
  db.availability.onChange((available) =>
    sse.publishState({
      topic: 'database',
      type: 'availability',
      data: { available },
    } satisfies DatabaseLiveEvent),
  );
  const app = createApp(context, { modules: running, sse, staticDir: options.staticDir });
  const server = await listen(app, config.server.port, config.server.host);
  const metricsServer = await listenForMetrics(context).catch(async (error: Error) => {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  });
  const url = `http://${urlHost(config.server.host)}:${(server.address() as AddressInfo).port}`;
  for (const module of running) module.listening?.();
  log.info(
    { url, config: loaded.file ?? 'built-in defaults', database: embedded ? 'embedded' : 'external' },
    'Labdeck is up',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      metricsServer?.close();
      sse.stop();
      server.closeIdleConnections();
      const timeout = setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeoutMs);
      await drained;
      clearTimeout(timeout);
      await bus.close();
      await shutdownParts(running, replica, db, embedded, log);
      log.info('Labdeck stopped');
    })();
    return closing;
  };
  return { url, server, context, sse, embedded, close };
}

/** `auth.mode: none` (the default when the auth module is registered and its section absent). */
function isOpenAccess(config: AppConfig): boolean {
  const auth = z.object({ mode: z.string() }).safeParse(config.auth);
  return auth.success && auth.data.mode === 'none';
}

function allMigrations(modules: readonly ServerModule[]): Migration[] {
  return [...platformMigrations(), ...modules.flatMap((module) => module.migrations?.() ?? [])];
}

async function createBus(config: AppConfig, db: Db, url: string, log: Logger): Promise<EventBus> {
  // `auto` is postgres with the embedded database too: another replica may share it (DATABASE_URL).
  if (config.events.bus !== 'memory') return createPgBus(db, url, log);
  return createMemoryBus((error) => log.error({ err: error }, 'live event listener failed'));
}

async function startEmbedded(dir: string, log: Logger): Promise<EmbeddedPostgres> {
  const pgLog = log.child({ component: 'postgres' });
  const embedded = new EmbeddedPostgres({ dir, onLog: (line) => pgLog.debug(line) });
  await embedded.start();
  log.info({ dataDir: embedded.dataDir }, 'embedded PostgreSQL started');
  return embedded;
}

/** Stops the running modules (last started first), then the database. */
async function shutdownParts(
  running: readonly RunningModule[],
  replica: ReplicaRegistry,
  db: Db,
  embedded: EmbeddedPostgres | null,
  log: Logger,
) {
  for (const module of [...running].reverse()) {
    try {
      await module.stop?.();
    } catch (error) {
      log.error({ err: error, module: module.name }, 'module failed to stop');
    }
  }
  await replica.stop();
  await db.close().catch(() => {});
  await embedded?.stop();
}

/** The separate /metrics listener of `server.metrics.port`, when configured. */
function listenForMetrics(ctx: ModuleContext): Promise<Server | null> {
  const { host, metrics } = ctx.config.server;
  return metrics.port === undefined
    ? Promise.resolve(null)
    : listen(createMetricsApp(ctx), metrics.port, host);
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.keepAliveTimeout = 65_000;
  });
}

const urlHost = (host: string) =>
  host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
