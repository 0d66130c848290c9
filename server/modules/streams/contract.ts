// The Streams API as both tiers see it (the SPA imports it with `import type` from '@contracts/streams').
// Types and zod schemas only: nothing here may import server code.
import { z } from 'zod';

/** Burrow-style consumer status of a group or partition. */
export type Verdict = 'OK' | 'WARN' | 'STALL' | 'REWIND' | 'STOP' | 'ERROR';

/** What the API serves and the leader replica shares through PostgreSQL: plain JSON, no Maps. */
export interface ClusterView {
  id: string;
  name: string;
  status: 'starting' | 'up' | 'down';
  error: string | null;
  /** Last successful sample (ms since epoch). */
  sampledAt: number | null;
  /** Last attempt, successful or not. */
  attemptedAt: number | null;
  cycleMs: number | null;
  intervalMs: number;
  overview: ClusterOverview;
  topics: TopicView[];
  groups: GroupView[];
}

export interface ClusterOverview {
  clusterId: string | null;
  brokers: BrokerView[];
  controller: number | null;
  topics: number;
  internalTopics: number;
  partitions: number;
  underReplicated: number;
  offline: number;
  groups: number;
  /** msgs/s into all non-internal topics. */
  inRate: number | null;
  /** bytes/s from log size deltas (approximate). */
  bytesRate: number | null;
}

export interface BrokerView {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface TopicView {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  underReplicated: number;
  offline: number;
  /** msgs/s over the last sampling interval. */
  rate: number | null;
  /** msgs/s averaged over the last minute. */
  rate1m: number | null;
  bytesRate: number | null;
  /** While bytes/s is being measured (two log-size samples needed): when it will be known (ms since epoch). */
  bytesRateReadyAt: number | null;
  size: number | null;
  messages: number | null;
  /** Recent msgs/s, oldest first (null = unknown). */
  spark: Array<number | null>;
  parts: PartitionView[];
}

export interface PartitionView {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  start: number | null;
  end: number | null;
  rate: number | null;
  size: number | null;
}

export interface GroupView {
  id: string;
  state: string;
  members: MemberView[];
  topics: string[];
  totalLag: number | null;
  lagSeconds: number | null;
  /** msgs/s committed over the status window. */
  consumeRate: number | null;
  status: Verdict;
  spark: Array<number | null>;
  parts: GroupPartitionView[];
}

export interface MemberView {
  id: string;
  clientId: string;
  host: string;
  partitions: number;
}

export interface GroupPartitionView {
  topic: string;
  partition: number;
  committed: number;
  end: number | null;
  lag: number | null;
  lagSeconds: number | null;
  outOfRange: boolean;
  status: Verdict;
  member: string | null;
}

/** [time ms, value, value...]; null where unknown. */
export type SeriesPoint = Array<number | null>;

export type ClusterStatus = ClusterView['status'];
/** A cluster without its topic and group lists: GET /api/streams/clusters and the live event. */
export type ClusterSummary = Omit<ClusterView, 'topics' | 'groups'>;
export type TopicSummary = Omit<TopicView, 'parts'>;
export type GroupSummary = Omit<GroupView, 'parts'>;

/** Where an answer's figures come from: the cluster and its sampling. */
export interface ClusterRef {
  id: string;
  status: ClusterStatus;
  sampledAt: number | null;
  intervalMs: number;
}

export interface TopicList {
  cluster: ClusterRef;
  total: number;
  topics: TopicSummary[];
}

export interface GroupList {
  cluster: ClusterRef;
  total: number;
  groups: GroupSummary[];
}

export interface TopicDetail {
  cluster: ClusterRef;
  topic: TopicView;
  groups: Array<{ id: string; state: string; status: Verdict; lag: number | null }>;
}

export interface GroupDetail {
  cluster: ClusterRef;
  group: GroupView;
}

export interface TopicConfig {
  name: string;
  value: string | null;
  source: string;
  sensitive: boolean;
  readOnly: boolean;
}

export type Range = '5m' | '1h' | '24h' | '7d';

export interface Series {
  range: Range;
  columns: string[];
  resolutionMs: number;
  points: SeriesPoint[];
}

/** A key or value the BFF decoded through the cluster's Schema Registry, or why it could not. */
export type SchemaDecoded =
  | {
      format: 'avro' | 'json' | 'protobuf';
      schemaId: number;
      /** The subject the registry lists for the id (the topic's `<topic>-key|value` first). */
      subject: string | null;
      /** Avro record name, Protobuf message name or JSON Schema title. */
      type: string | null;
      /** Null when the JSON of the data is over the size limit: then `preview` and `truncatedFrom` say so. */
      data: unknown;
      preview?: string;
      truncatedFrom?: number;
    }
  | { schemaId: number; error: string };

/** One peeked message: raw bytes as base64 (the browser shows text, JSON or hex), decoded data beside. */
export interface PeekedMessageView {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ name: string; value: string | null }>;
  truncatedFrom: number | null;
  /** Null: not Confluent-framed, or no registry configured. */
  keyDecoded: SchemaDecoded | null;
  valueDecoded: SchemaDecoded | null;
}

export const STREAMS_TOPIC = 'streams';

/** A new sample of a cluster, sent after every sampling round. */
export interface StreamsLiveEvent {
  topic: typeof STREAMS_TOPIC;
  type: 'sample';
  data: ClusterSummary;
}

const clusterId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'unknown cluster id');
const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');

export const clusterParams = z.strictObject({ id: clusterId });
export const topicParams = z.strictObject({ id: clusterId, name: topicName });
export const groupParams = z.strictObject({ id: clusterId, group: z.string().min(1).max(1024) });

export const listQuery = z.strictObject({
  q: z.string().max(200).optional(),
  sort: z.enum(['name', 'rate', 'size', 'partitions', 'lag', 'status']).default('name'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
  internal: z.enum(['true', 'false']).default('false'),
});
export type ListQuery = z.output<typeof listQuery>;

export const seriesQuery = z.strictObject({ range: z.enum(['5m', '1h', '24h', '7d']).default('1h') });
export const peekQuery = z.strictObject({
  partition: z.coerce.number().int().min(0).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(20),
});
