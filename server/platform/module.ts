import type { Request, RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { BootAnswers } from './boot.ts';
import type { AppConfig } from './config/schema.ts';
import type { Migration } from './db/migrate.ts';
import type { Db } from './db/pool.ts';
import type { EventBus } from './events/bus.ts';
import type { Logger } from './log.ts';

/** What every capability gets from the platform. */
export interface ModuleContext {
  config: AppConfig;
  /** Path of the config file, or null when running on built-in defaults. */
  configFile: string | null;
  db: Db;
  bus: EventBus;
  log: Logger;
  metrics: Registry;
}

/**
 * One capability of the BFF (server/modules/<name>): it owns a top-level key of labdeck.yaml,
 * its migrations, its /api routes and its background work. Registered in server/modules/index.ts.
 */
export interface ServerModule {
  name: string;
  /** Top-level key in labdeck.yaml and its schema; the schema must give defaults for an absent key. */
  config?: { key: string; schema: z.ZodType };
  migrations?: () => Migration[];
  /** Middleware that runs before every module's routes (sessions, for example). */
  middleware?: (ctx: ModuleContext) => RequestHandler[];
  /** Routes mounted under /api. */
  routes?: (router: Router, ctx: ModuleContext) => void;
  /**
   * Answers of this module's GET /api routes for the caller of an SPA page, embedded into index.html so
   * the first paint needs no API round trip (platform/boot.ts). Keys are the /api paths (`/services`),
   * values exactly what the route would answer `req.user` (same access checks, no secrets; `RawJson`
   * for an already serialized body). Runs after every module's middleware; nothing (or a failure, or
   * a timeout) means the SPA fetches as usual.
   */
  bootData?: (req: Request, ctx: ModuleContext) => Promise<BootAnswers | undefined> | BootAnswers | undefined;
  start?: (ctx: ModuleContext) => Promise<void> | void;
  /** Called once the HTTP server listens (work that may reach Labdeck itself starts here). */
  listening?: (ctx: ModuleContext) => void;
  /** Gets the context its start received, so a module keeps per-instance state keyed by it. */
  stop?: (ctx: ModuleContext) => Promise<void> | void;
}

export const defineServerModule = (module: ServerModule): ServerModule => module;
