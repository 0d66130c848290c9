import { z } from 'zod';
import type { ServerModule } from '../module.ts';
import { parseCidr } from '../net.ts';

const port = z.number().int().min(0).max(65535);
const cidr = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});
const hostName = z
  .string()
  .regex(
    /^\.?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/,
    'expected a host name such as lab.example.com, or .lab.example.com for it and its subdomains',
  );

export const serverSection = z
  .strictObject({
    port: port.default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    /** The URL users open, when Labdeck sits behind a proxy (used for redirects and cookies). */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Host names Labdeck answers to besides the publicUrl host, loopback names and IP addresses
     * (DNS rebinding protection); `.lab.example.com` allows that domain and every name under it.
     */
    allowedHosts: z.array(hostName).default([]),
    /** Express `trust proxy`: false, true, a hop count, or a list of addresses/CIDRs. */
    trustProxy: z
      .union([z.boolean(), z.number().int().min(0), z.string(), z.array(z.string())])
      .default(false),
    shutdownTimeoutMs: z.number().int().positive().default(10_000),
    /** Largest JSON body accepted, e.g. `10mb`. */
    bodyLimit: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'expected a size like 512kb or 10mb')
      .default('10mb'),
    /** Who may read GET /metrics (platform/ops.ts). */
    metrics: z
      .strictObject({
        /** Serve /metrics on this port only (a second listener on server.host), not on the app port. */
        port: port.optional(),
        /** Require `Authorization: Bearer <token>` (use `${ENV}`); then allowFrom is not consulted. */
        token: z.string().min(16, 'use at least 16 characters').optional(),
        /** Client addresses or CIDRs that may read /metrics on the app port without a token. */
        allowFrom: z.array(cidr).default(['127.0.0.1/32', '::1/128']),
      })
      .prefault({}),
  })
  .prefault({});

export type ServerConfig = z.output<typeof serverSection>;

export const databaseSection = z
  .strictObject({
    /** External PostgreSQL; when absent (and DATABASE_URL unset), Labdeck starts its embedded server. */
    url: z.string().min(1).optional(),
    /** Where the embedded server keeps its data. */
    dataDir: z.string().min(1).default('.labdeck'),
    poolSize: z.number().int().min(1).max(100).default(10),
  })
  .prefault({});

export const eventsSection = z
  .strictObject({
    /**
     * How live events reach every replica: `memory` (one process only) or `postgres` (LISTEN/NOTIFY,
     * with an external database and with the embedded one that other replicas may share); `auto` is postgres.
     */
    bus: z.enum(['auto', 'memory', 'postgres']).default('auto'),
  })
  .prefault({});

export const replicasSection = z
  .strictObject({
    /** How often each replica writes its heartbeat row (labdeck_replicas). */
    heartbeatMs: z.number().int().min(100).max(600_000).default(5_000),
    /**
     * A replica silent for this long is gone: another replica reports its in-flight SQL runs failed.
     * Keep it a few heartbeats long, so a slow database moment does not declare a live replica dead.
     */
    leaseMs: z.number().int().min(300).max(3_600_000).default(30_000),
  })
  .refine((r) => r.leaseMs >= 2 * r.heartbeatMs, {
    message: 'leaseMs must be at least twice heartbeatMs',
    path: ['leaseMs'],
  })
  .prefault({});

export const logSection = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .prefault({});

/** The whole labdeck.yaml: platform sections plus one section per registered module. */
export function buildConfigSchema(modules: readonly ServerModule[]) {
  const moduleShapes = Object.fromEntries(
    modules.flatMap((module) => (module.config ? [[module.config.key, module.config.schema]] : [])),
  ) as Record<string, z.ZodType>;
  return z.strictObject({
    server: serverSection,
    database: databaseSection,
    events: eventsSection,
    replicas: replicasSection,
    log: logSection,
    ...moduleShapes,
  });
}

/** Environment variables that override the file, as twelve-factor deployments expect. */
export function applyEnvOverrides(config: AppConfig, env: NodeJS.ProcessEnv): AppConfig {
  const port = env.PORT === undefined ? undefined : Number(env.PORT);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`PORT: expected a port number, got ${JSON.stringify(env.PORT)}`);
  }
  return {
    ...config,
    server: { ...config.server, port: port ?? config.server.port, host: env.HOST || config.server.host },
    database: {
      ...config.database,
      url: env.DATABASE_URL || config.database.url,
      dataDir: env.LABDECK_DATA_DIR || config.database.dataDir,
    },
    log: { level: (env.LOG_LEVEL as AppConfig['log']['level']) || config.log.level },
  };
}

export interface AppConfig {
  server: z.output<typeof serverSection>;
  database: z.output<typeof databaseSection>;
  events: z.output<typeof eventsSection>;
  replicas: z.output<typeof replicasSection>;
  log: z.output<typeof logSection>;
  /** Module sections, typed by each module through its own schema. */
  [key: string]: unknown;
}
