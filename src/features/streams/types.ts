/** Shapes of GET /api/streams/... (server/modules/streams/views.ts). */
export type Verdict = 'OK' | 'WARN' | 'STALL' | 'REWIND' | 'STOP' | 'ERROR';
export type ClusterStatus = 'starting' | 'up' | 'down';

export interface ClusterSummary {
  id: string;
  name: string;
  status: ClusterStatus;
  error: string | null;
  sampledAt: number | null;
  attemptedAt: number | null;
  cycleMs: number | null;
  intervalMs: number;
  overview: {
    clusterId: string | null;
    brokers: Array<{ id: number; host: string; port: number; rack: string | null }>;
    controller: number | null;
    topics: number;
    internalTopics: number;
    partitions: number;
    underReplicated: number;
    offline: number;
    groups: number;
    inRate: number | null;
    bytesRate: number | null;
  };
}

export interface ClusterRef {
  id: string;
  status: ClusterStatus;
  sampledAt: number | null;
  intervalMs: number;
}

export interface TopicSummary {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  underReplicated: number;
  offline: number;
  rate: number | null;
  rate1m: number | null;
  bytesRate: number | null;
  /** While bytes/s is being measured: when it will be known (server clock, ms since epoch). */
  bytesRateReadyAt: number | null;
  size: number | null;
  messages: number | null;
  spark: Array<number | null>;
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

export interface TopicDetail {
  cluster: ClusterRef;
  topic: TopicSummary & { parts: PartitionView[] };
  groups: Array<{ id: string; state: string; status: Verdict; lag: number | null }>;
}

export interface GroupSummary {
  id: string;
  state: string;
  members: Array<{ id: string; clientId: string; host: string; partitions: number }>;
  topics: string[];
  totalLag: number | null;
  lagSeconds: number | null;
  consumeRate: number | null;
  status: Verdict;
  spark: Array<number | null>;
}

export interface GroupPartition {
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

export interface GroupDetail {
  cluster: ClusterRef;
  group: GroupSummary & { parts: GroupPartition[] };
}

export interface TopicConfig {
  name: string;
  value: string | null;
  source: string;
  sensitive: boolean;
  readOnly: boolean;
}

export type Range = '5m' | '1h' | '24h';

export interface Series {
  range: Range;
  resolutionMs: number;
  points: Array<Array<number | null>>;
}

/** A key or value the BFF decoded through the cluster's Schema Registry, or why it could not. */
export type SchemaDecoded =
  | {
      format: 'avro' | 'json' | 'protobuf';
      schemaId: number;
      subject: string | null;
      /** Avro record, Protobuf message or JSON Schema title. */
      type: string | null;
      /** Null when over the size limit: `preview` holds the start of its JSON. */
      data: unknown;
      preview?: string;
      truncatedFrom?: number;
    }
  | { schemaId: number; error: string };

export interface PeekedMessage {
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
