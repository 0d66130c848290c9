import { z } from 'zod';

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase id (letters, digits, - and _)');
const roles = z.array(z.string().min(1)).default([]);

const tls = z
  .strictObject({
    /** Verify the server certificate (turn off only for a lab with self-signed certificates). */
    rejectUnauthorized: z.boolean().default(true),
    /** PEM text of extra CA certificates (use `${ENV}` or a YAML block). */
    ca: z.string().min(1).optional(),
  })
  .optional();

const trinoAuth = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('basic'), user: z.string().min(1), password: z.string() }),
    z.strictObject({ type: z.literal('jwt'), token: z.string().min(1) }),
  ])
  .default({ type: 'none' });

export const trinoConnection = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  engine: z.literal('trino'),
  url: z.url(),
  catalog: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  auth: trinoAuth,
  tls,
  clientTags: z
    .array(
      z
        .string()
        .min(1)
        .regex(/^[^,]+$/, 'client tags cannot contain commas'),
    )
    .default([]),
  source: z.string().min(1).default('labdeck'),
  /** Ask for the spooling protocol (json segments, inline or spooled); needs a Trino with spooling configured. */
  spooling: z.boolean().default(false),
  readOnly: z.boolean().default(false),
  roles,
});

export const postgresConnection = z
  .strictObject({
    id,
    name: z.string().min(1).optional(),
    engine: z.literal('postgres'),
    url: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: z.string().optional(),
    tls: z
      .strictObject({
        enabled: z.boolean().default(true),
        rejectUnauthorized: z.boolean().default(true),
        ca: z.string().optional(),
      })
      .optional(),
    readOnly: z.boolean().default(false),
    /** Milliseconds before PostgreSQL stops a statement; 0 means no limit. */
    statementTimeoutMs: z.number().int().min(0).default(300_000),
    roles,
  })
  .refine((c) => Boolean(c.url) !== Boolean(c.host), { message: 'give either url or host (not both)' });

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
      .array(z.discriminatedUnion('engine', [trinoConnection, postgresConnection]))
      .default([])
      .refine((list) => new Set(list.map((c) => c.id)).size === list.length, {
        message: 'connection ids must be unique',
      }),
  })
  .prefault({});

export type SqlConfig = z.output<typeof sqlSection>;
export type TrinoConnectionConfig = z.output<typeof trinoConnection>;
export type PostgresConnectionConfig = z.output<typeof postgresConnection>;
export type ConnectionConfig = TrinoConnectionConfig | PostgresConnectionConfig;
