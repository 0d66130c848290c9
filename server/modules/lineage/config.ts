import { z } from 'zod';

const size = z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size like 512kb or 20mb');

/** The `lineage:` section of labdeck.yaml. */
export const lineageSection = z
  .strictObject({
    ingest: z
      .strictObject({
        /** Largest body accepted by POST /api/v1/lineage[/batch], compressed or not. */
        bodyLimit: size.default('20mb'),
        /** Most events in one batch request. */
        maxBatch: z.number().int().min(1).max(100_000).default(10_000),
        /**
         * Producer API keys (`Authorization: Bearer <key>`). When any key is configured every request
         * must carry one; when none is, `allowAnonymous` decides whether ingestion is open.
         */
        keys: z
          .array(
            z.strictObject({
              producer: z.string().min(1).max(100),
              key: z.string().min(16, 'use at least 16 characters'),
            }),
          )
          .default([]),
        /**
         * Accept events without a key while no key is configured. Unset: open only when nobody signs
         * in (`auth.mode: none`, loopback), closed with oidc or proxy sign-in until keys are configured.
         */
        allowAnonymous: z.boolean().optional(),
      })
      .prefault({}),
    graph: z
      .strictObject({
        /** Neighbours shown per node and direction before a "+N more" node. */
        pageSize: z.number().int().min(1).max(10_000).default(50),
        maxDepth: z.number().int().min(1).max(50).default(20),
        /** Nodes in one answer at most; a bigger walk comes back with `truncated: true`. */
        maxNodes: z.number().int().min(10).max(100_000).default(2_000),
      })
      .prefault({}),
    kafka: z
      .strictObject({
        /** Consume the OpenLineage Kafka transport's topic in a consumer group (offsets committed after store). */
        enabled: z.boolean().default(false),
        brokers: z
          .array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'))
          .min(1)
          .default(['localhost:9092']),
        topic: z.string().min(1).default('openlineage'),
        groupId: z.string().min(1).default('labdeck-lineage'),
        clientId: z.string().min(1).default('labdeck'),
        /** Events stored per transaction. */
        batchSize: z.number().int().min(1).max(10_000).default(500),
      })
      .prefault({}),
  })
  .prefault({});

export type LineageConfig = z.output<typeof lineageSection>;

export function parseSize(text: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(text)!;
  const unit = match[2]!.toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}
