/** What Streams needs from a Kafka cluster; read-only. One implementation per client library, plus fakes in tests. */
export interface KafkaAdapter {
  metadata(): Promise<ClusterMetadata>;
  /** Offsets for the given partitions; `which` = latest (high watermark) or earliest (log start). */
  listOffsets(which: 'latest' | 'earliest', topics: readonly TopicPartitions[]): Promise<OffsetResult[]>;
  /** Size in bytes of each partition replica, per broker. */
  logDirSizes(topics: readonly TopicPartitions[]): Promise<ReplicaSize[]>;
  listGroups(): Promise<GroupListing[]>;
  describeGroups(ids: readonly string[]): Promise<GroupDescription[]>;
  /** Committed offsets of many groups in batched requests (one per coordinator). */
  committedOffsets(ids: readonly string[]): Promise<CommittedOffset[]>;
  topicConfigs(topic: string): Promise<TopicConfigEntry[]>;
  /** The last messages of a partition, read with plain fetches (no group, no commits). */
  peek(request: PeekRequest): Promise<PeekedMessage[]>;
  close(): Promise<void>;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface TopicInfo {
  name: string;
  id: string;
  internal: boolean;
  partitions: PartitionInfo[];
}

export interface ClusterMetadata {
  clusterId: string;
  controller: number;
  brokers: BrokerInfo[];
  topics: TopicInfo[];
}

export interface OffsetResult {
  topic: string;
  partition: number;
  offset: number;
}

export interface ReplicaSize {
  broker: number;
  topic: string;
  partition: number;
  size: number;
}

export interface GroupListing {
  id: string;
  state: string;
  protocolType: string;
}

export interface GroupDescription {
  id: string;
  state: string;
  members: Array<{ id: string; clientId: string; host: string; assignments: TopicPartitions[] }>;
}

export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

export interface TopicConfigEntry {
  name: string;
  value: string | null;
  source: string;
  sensitive: boolean;
  readOnly: boolean;
}

export interface PeekRequest {
  topic: string;
  /** Undefined: the last messages across all partitions. */
  partition?: number;
  limit: number;
  maxValueBytes: number;
  timeoutMs: number;
}

export interface PeekedMessage {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  /** Original value length when it was cut to maxValueBytes. */
  truncatedFrom?: number;
}
