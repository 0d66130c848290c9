import type { Verdict } from './figures.ts';

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
