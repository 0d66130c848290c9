import type { Request, RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { BootAnswers } from './boot.ts';
import type { ConfigProblem } from './config/errors.ts';
import type { AppConfig } from './config/schema.ts';
import type { Migration } from './db/migrate.ts';
import type { Db } from './db/pool.ts';
import type { EventBus } from './events/bus.ts';
import type { ReturnTargets } from './hosts.ts';
import type { Logger } from './log.ts';
import type { ReplicaRegistry } from './replicas.ts';

/** What every capability gets from the platform. */
export interface ModuleContext {
  config: AppConfig;
  /** Path of the config file, or null when running on built-in defaults. */
  configFile: string | null;
  db: Db;
  bus: EventBus;
  log: Logger;
  metrics: Registry;
  /** This process among the replicas sharing the database (its id, sweeps for dead replicas). */
  replica: ReplicaRegistry;
  /**
   * True when nobody signs in (`auth.mode: none`, loopback only): every caller is the local
   * administrator, so defaults that are safe only on a single-user laptop may apply.
   */
  openAccess: boolean;
  /** Absolute URLs outside Labdeck a sign-in may return to (the forward-auth gate's service hosts). */
  returnTargets: ReturnTargets;
}

/**
 * What a module started for one Labdeck: the platform mounts it, and stops exactly it. Everything a
 * module keeps while running lives in this object (no module-level state: tests run several Labdecks
 * in one process).
 */
export interface ModuleInstance {
  /**
   * Establishes `req.user` (the auth module): runs before every module's middleware, and alone before
   * the forward-auth routes.
   */
  identify?: RequestHandler;
  /** Middleware that runs before every module's routes. */
  middleware?: RequestHandler[];
  /** Routes mounted under /api. */
  routes?: (router: Router) => void;
  /**
   * /api paths (relative to /api, e.g. `/lineage/v1/lineage` or a prefix ending in `/`) that anonymous
   * callers may reach because the route authenticates them itself (sign-in, producers with keys);
   * everything else under /api needs a signed-in user (access.ts `apiGuard`).
   */
  publicPaths?: string[];
  /** /api path prefixes that cookie-less server-to-server callers POST to without a CSRF token. */
  csrfExemptPaths?: string[];
  /**
   * Routes a reverse proxy calls on every request it guards (forward auth), at plain /api paths
   * (no params). They are answered before the page and API plumbing: the caller is identified
   * (`identify`) and `Host` checked, and nothing else runs (no router, page headers, request log,
   * compression, CSRF check or cookie, body parsing); their `X-Forwarded-Host` names the host asked
   * about, not Labdeck's.
   */
  forwardAuth?: { routes: (router: Router) => void };
  /**
   * Answers of this module's GET /api routes for the caller of an SPA page, embedded into index.html so
   * the first paint needs no API round trip (platform/boot.ts). Keys are the /api paths (`/services`),
   * values exactly what the route would answer `req.user` (same access checks, no secrets; `RawJson`
   * for an already serialized body). Runs after every module's middleware; nothing (or a failure, or
   * a timeout) means the SPA fetches as usual.
   */
  bootData?: (req: Request) => Promise<BootAnswers | undefined> | BootAnswers | undefined;
  /** Called once the HTTP server listens (work that may reach Labdeck itself starts here). */
  listening?: () => void;
  stop?: () => Promise<void> | void;
}

/**
 * One capability of the BFF (server/modules/<name>): it owns a top-level key of labdeck.yaml, its
 * migrations, and `create`, which starts it for one Labdeck with its own section of the config (typed
 * by its schema) and returns the running instance. Registered in server/modules/index.ts.
 */
export interface ServerModule<Config = unknown> {
  name: string;
  /**
   * Top-level key in labdeck.yaml and its schema; the schema must give defaults for an absent key.
   * `check` finds what the schema cannot see alone (rules across sections), before anything starts:
   * at start-up and in `npm run check-config` alike.
   */
  config?: {
    key: string;
    schema: z.ZodType<Config>;
    check?: (section: Config, config: AppConfig) => ConfigCheckProblem[];
  };
  migrations?: () => Migration[];
  create(ctx: ModuleContext, config: Config): Promise<ModuleInstance> | ModuleInstance;
}

/** A problem a module's config check finds; the platform adds the file name. */
export type ConfigCheckProblem = Omit<ConfigProblem, 'file'>;

/** A module typed by its config schema, as the registry (of modules with different configs) holds it. */
export function defineServerModule<Config>(module: ServerModule<Config>): ServerModule {
  return {
    name: module.name,
    config: module.config && {
      key: module.config.key,
      schema: module.config.schema,
      check: module.config.check && ((section, config) => module.config!.check!(section as Config, config)),
    },
    migrations: module.migrations,
    // The platform validated the whole file with this schema before any module starts.
    create: (ctx, section) => module.create(ctx, section as Config),
  };
}

/** The section of labdeck.yaml that `module` owns, as validated at load time. */
export const moduleConfigOf = (module: ServerModule, ctx: ModuleContext): unknown =>
  module.config ? ctx.config[module.config.key] : undefined;

/** A started module as the platform holds it: its name and the instance its `create` returned. */
export interface RunningModule extends ModuleInstance {
  name: string;
}
