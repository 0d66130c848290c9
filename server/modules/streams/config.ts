import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `5s`, `1m`, `1h`, `7d`, or a number of milliseconds. */
export const duration = (min: number, max: number) =>
  z
    .union([
      z.number().int(),
      z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'expected a duration like 5s, 1m, 1h or 7d'),
    ])
    .transform((value) => {
      if (typeof value === 'number') return value;
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value)!;
      return Math.round(Number(match[1]) * UNITS[match[2]!]!);
    })
    .refine((ms) => ms >= min && ms <= max, `expected a duration between ${min} ms and ${max} ms`);

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port');

const saslSection = z.strictObject({
  mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
  username: z.string().min(1),
  password: z.string().min(1, 'must not be empty (is its ${ENV} variable set?)'),
});

const tlsSection = z.strictObject({
  /** PEM files; omitted means the system trust store. */
  ca: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  servername: z.string().min(1).optional(),
  /** Only for lab clusters with self-signed certificates. */
  rejectUnauthorized: z.boolean().default(true),
});

/** Confluent-compatible Schema Registry (Confluent, Apicurio's /apis/ccompat/v7, Karapace, Redpanda). */
const schemaRegistrySection = z
  .strictObject({
    /** Base URL of the API, e.g. http://registry:8081 or http://apicurio:8080/apis/ccompat/v7. */
    url: z.url({ protocol: /^https?$/ }),
    /** HTTP basic auth (Confluent Cloud: API key and secret); use ${ENV} for the password. */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    requestTimeout: duration(100, 60_000).default(5_000),
  })
  .refine((registry) => (registry.password === undefined) === (registry.username === undefined), {
    message: 'username and password go together',
    path: ['password'],
  });

export const clusterSection = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lower-case letters, digits, - or _'),
  name: z.string().min(1).optional(),
  /** `host:port` list, or one comma-separated string. */
  bootstrap: z
    .union([z.string().transform((text) => text.split(',').map((part) => part.trim())), z.array(z.string())])
    .pipe(z.array(hostPort).min(1)),
  sasl: saslSection.optional(),
  tls: z.union([z.boolean(), tlsSection]).default(false),
  /** How often end offsets and committed offsets are sampled. */
  interval: duration(200, 600_000).default(5_000),
  /** Topics, partitions, leaders, ISR, consumer groups and members. */
  metadataInterval: duration(200, 3_600_000).default(30_000),
  /** Log sizes (bytes/s and topic sizes). */
  logDirsInterval: duration(200, 3_600_000).default(30_000),
  /** Full-resolution history kept in memory. */
  window: duration(1_000, 86_400_000).default(3_600_000),
  /** Window of the lag verdicts (WARN, STALL, STOP...). */
  statusWindow: duration(1_000, 86_400_000).default(600_000),
  requestTimeout: duration(100, 120_000).default(10_000),
  /** Partitions per ListOffsets request and requests in flight. */
  chunkSize: z.number().int().min(1).max(100_000).default(5_000),
  concurrency: z.number().int().min(1).max(32).default(4),
  /** Decodes Avro, JSON Schema and Protobuf keys and values in peeks (on the BFF; never sent to browsers). */
  schemaRegistry: schemaRegistrySection.optional(),
});

export const streamsSection = z
  .strictObject({
    clusters: z.array(clusterSection).default([]),
    history: z
      .strictObject({
        /** Downsampled history in PostgreSQL. */
        retention: duration(60_000, 90 * 86_400_000).default(7 * 86_400_000),
        resolution: duration(1_000, 3_600_000).default(60_000),
      })
      .prefault({}),
    peek: z
      .strictObject({
        maxMessages: z.number().int().min(1).max(1_000).default(50),
        /** Values longer than this are cut. */
        maxValueBytes: z.number().int().min(64).max(1_048_576).default(16_384),
      })
      .prefault({}),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    section.clusters.forEach((cluster, index) => {
      if (seen.has(cluster.id))
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', index, 'id'],
          message: `duplicate cluster id ${cluster.id}`,
        });
      seen.add(cluster.id);
    });
  })
  .prefault({});

export type StreamsConfig = z.output<typeof streamsSection>;
export type ClusterConfig = z.output<typeof clusterSection>;
export type SchemaRegistryConfig = z.output<typeof schemaRegistrySection>;
