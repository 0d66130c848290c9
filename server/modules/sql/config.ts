import { z } from 'zod';
import { type ConnectionBase, connectionSchema } from './adapters/engine.ts';
import { sqlEngines } from './adapters/index.ts';

const roles = z.array(z.string().min(1)).default([]);

/** One `sql.connections[]` entry: the schema of the engine it names (adapters/index.ts). */
const connection = connectionSchema(sqlEngines);

export const sqlSection = z
  .strictObject({
    /** Rows shown in the grid before a run stops (exports have no cap). */
    previewRows: z.number().int().min(1).max(5_000_000).default(10_000),
    /** The built-in sample database: `auto` creates it when Labdeck runs on its embedded PostgreSQL. */
    sample: z
      .strictObject({
        enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
        database: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/)
          .default('labdeck_sample'),
        name: z.string().min(1).default('Sample (PostgreSQL)'),
        roles,
      })
      .prefault({}),
    connections: z
      .array(connection)
      .default([])
      .refine((list) => new Set(list.map((c) => c.id)).size === list.length, {
        message: 'connection ids must be unique',
      }),
  })
  .prefault({});

export type SqlConfig = z.output<typeof sqlSection>;
/** A connection as the service sees it; its engine's adapter knows the rest of its fields. */
export type ConnectionConfig = ConnectionBase;
