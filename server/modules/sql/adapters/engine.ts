import { z } from 'zod';
import type { Logger } from '../../../platform/log.ts';
import type { EngineCapabilities } from '../contract.ts';
import type { SqlEngine } from './types.ts';

/** Fields every connection has, whatever its engine (each engine's schema adds its own). */
export const connectionFields = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase id (letters, digits, - and _)'),
  name: z.string().min(1).optional(),
  readOnly: z.boolean().default(false),
  roles: z.array(z.string().min(1)).default([]),
};

/** What the SQL service needs of any connection's config. */
export interface ConnectionBase {
  id: string;
  engine: string;
  name?: string;
  readOnly: boolean;
  roles: string[];
}

/**
 * One SQL engine Labdeck can connect to: its name (the `engine:` of a connection), the schema of its
 * connections, what it supports, and the factory of its client. Registered in adapters/index.ts.
 */
export interface SqlEngineKind<Config extends ConnectionBase = ConnectionBase> {
  name: string;
  /** The strict schema of one `sql.connections[]` entry, with `engine: z.literal(name)`. */
  connection: z.ZodObject & z.ZodType<Config>;
  /** The SQL dialect as the SPA's formatter and editor know it (`trino`, `postgresql`). */
  dialect: string;
  capabilities: EngineCapabilities;
  /** Defaults the browser may show (never URLs, users or secrets). */
  describe?: (config: Config) => { catalog?: string; schema?: string };
  create(config: Config, log: Logger): SqlEngine;
}

/** An engine as the registry holds it (the registry mixes engines with different connection types). */
export function defineSqlEngine<Config extends ConnectionBase>(kind: SqlEngineKind<Config>): SqlEngineKind {
  return {
    name: kind.name,
    connection: kind.connection,
    dialect: kind.dialect,
    capabilities: kind.capabilities,
    // A connection reaches an engine only after its own schema parsed it (`engine` selects the schema).
    describe: kind.describe && ((config) => kind.describe!(config as Config)),
    create: (config, log) => kind.create(config as Config, log),
  };
}

/** The schema of one `sql.connections[]` entry: the connection schema of the engine its `engine` names. */
export function connectionSchema(kinds: readonly [SqlEngineKind, ...SqlEngineKind[]]) {
  const [first, ...rest] = kinds;
  return z.discriminatedUnion('engine', [first.connection, ...rest.map((kind) => kind.connection)]);
}
