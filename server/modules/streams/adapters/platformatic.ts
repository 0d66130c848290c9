import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  Admin,
  type BaseOptions,
  type Broker,
  ConfigResourceTypes,
  ConfigSources,
  type Connection,
  Consumer,
  kGetApi,
  kGetConnection,
  type listOffsetsV9,
} from '@platformatic/kafka';
import type { ClusterConfig } from '../config.ts';
import { clearKafkaError } from './errors.ts';
import type {
  ClusterMetadata,
  CommittedOffset,
  GroupDescription,
  GroupListing,
  KafkaAdapter,
  OffsetResult,
  PeekedMessage,
  PeekRequest,
  ReplicaSize,
  TopicConfigEntry,
  TopicPartitions,
} from './types.ts';

const sourceNames = Object.fromEntries(Object.entries(ConfigSources).map(([name, value]) => [value, name]));

/** Client options from a cluster's config; TLS files are read here so a missing file fails at start. */
export function clientOptions(cluster: ClusterConfig, cwd: string): Omit<BaseOptions, 'clientId'> {
  const options: Omit<BaseOptions, 'clientId'> = {
    bootstrapBrokers: cluster.bootstrap,
    connectTimeout: Math.min(cluster.requestTimeout, 5_000),
    requestTimeout: cluster.requestTimeout,
    retries: 1,
    retryDelay: 200,
    metadataMaxAge: cluster.metadataInterval,
  };
  if (cluster.sasl) options.sasl = { ...cluster.sasl };
  if (cluster.tls) {
    const tls: TlsOptions = {};
    if (typeof cluster.tls === 'object') {
      const read = (file: string | undefined) => {
        if (!file) return undefined;
        const full = path.resolve(cwd, file);
        try {
          return readFileSync(full);
        } catch (error) {
          throw new Error(
            `streams cluster ${cluster.id}: cannot read TLS file ${full}: ${(error as Error).message}`,
          );
        }
      };
      tls.ca = read(cluster.tls.ca);
      tls.cert = read(cluster.tls.cert);
      tls.key = read(cluster.tls.key);
      tls.rejectUnauthorized = cluster.tls.rejectUnauthorized;
      if (cluster.tls.servername) tls.servername = cluster.tls.servername;
    }
    options.tls = tls;
  }
  return options;
}

/**
 * The adapter over @platformatic/kafka's Admin client (and a group-less Consumer for peeks). Failures carry
 * one clear line (authentication, certificate, connection) instead of the client's outermost message.
 */
export function platformaticAdapter(cluster: ClusterConfig, cwd: string): KafkaAdapter {
  const adapter = rawAdapter(cluster, cwd);
  const clear =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw clearKafkaError(error, cluster);
      }
    };
  return {
    metadata: clear(adapter.metadata),
    listOffsets: clear(adapter.listOffsets),
    logDirSizes: clear(adapter.logDirSizes),
    listGroups: clear(adapter.listGroups),
    describeGroups: clear(adapter.describeGroups),
    committedOffsets: clear(adapter.committedOffsets),
    topicConfigs: clear(adapter.topicConfigs),
    peek: clear(adapter.peek),
    close: adapter.close,
  };
}

function rawAdapter(cluster: ClusterConfig, cwd: string): KafkaAdapter {
  const base = clientOptions(cluster, cwd);
  const admin = new Admin({ ...base, clientId: `labdeck-streams-${cluster.id}` });
  // Leaders from the last metadata() call: ListOffsets goes straight to them, without the client's
  // forced metadata refresh per call (which on 2,000 topics costs more than the offsets themselves).
  let leaders = new Map<string, number[]>();
  let brokers = new Map<number, Broker>();

  return {
    async metadata() {
      const names = await admin.listTopics({ includeInternals: true });
      const meta = await admin.metadata({ topics: names, forceUpdate: true });
      const result: ClusterMetadata = {
        clusterId: meta.id,
        controller: meta.controllerId,
        brokers: [...meta.brokers].map(([id, broker]) => ({
          id,
          host: broker.host,
          port: broker.port,
          rack: broker.rack ?? null,
        })),
        topics: [],
      };
      brokers = new Map([...meta.brokers].map(([id, b]) => [id, { host: b.host, port: b.port }]));
      leaders = new Map();
      for (const [name, topic] of meta.topics)
        if (topic)
          leaders.set(
            name,
            topic.partitions.map((p) => p.leader),
          );
      for (const [name, topic] of meta.topics) {
        // The client leaves a hole for topics it filters (internal ones, with some versions).
        if (!topic) continue;
        result.topics.push({
          name,
          id: topic.id,
          internal: name.startsWith('__'),
          partitions: topic.partitions.map((p, partition) => ({
            partition,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
            offline: p.offlineReplicas,
          })),
        });
      }
      return result;
    },

    async listOffsets(which, topics) {
      const timestamp = which === 'latest' ? -1n : -2n;
      const byLeader = new Map<number, listOffsetsV9.ListOffsetsRequestTopic[]>();
      const unknown: TopicPartitions[] = [];
      for (const { topic, partitions } of topics) {
        const known = leaders.get(topic);
        if (!known) {
          unknown.push({ topic, partitions });
          continue;
        }
        for (const partitionIndex of partitions) {
          const leader = known[partitionIndex];
          if (leader === undefined || leader < 0 || !brokers.has(leader)) continue;
          let list = byLeader.get(leader);
          if (!list) {
            list = [];
            byLeader.set(leader, list);
          }
          let entry = list.at(-1);
          if (entry?.name !== topic) {
            entry = { name: topic, partitions: [] };
            list.push(entry);
          }
          entry.partitions.push({ partitionIndex, currentLeaderEpoch: -1, timestamp });
        }
      }
      const out: OffsetResult[] = [];
      const collect = (response: listOffsetsV9.ListOffsetsResponse) => {
        for (const topic of response.topics) {
          for (const p of topic.partitions) {
            // A partition in error (leader moved, topic deleted) is left out: the sampler refreshes metadata.
            if (p.errorCode === 0)
              out.push({ topic: topic.name, partition: p.partitionIndex, offset: Number(p.offset) });
          }
        }
      };
      await Promise.all(
        [...byLeader].map(async ([leader, request]) => {
          try {
            collect(await listOffsetsOn(admin, brokers.get(leader)!, request));
          } catch (error) {
            const partial = (error as { response?: listOffsetsV9.ListOffsetsResponse }).response;
            if (!partial?.topics) throw error;
            collect(partial);
          }
        }),
      );
      if (unknown.length) {
        const listed = await admin.listOffsets({
          topics: unknown.map(({ topic, partitions }) => ({
            name: topic,
            partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
          })),
        });
        for (const topic of listed) {
          for (const p of topic.partitions)
            out.push({ topic: topic.name, partition: p.partitionIndex, offset: Number(p.offset) });
        }
      }
      return out;
    },

    async logDirSizes(topics) {
      const described = await admin.describeLogDirs({
        topics: topics.map(({ topic, partitions }) => ({ name: topic, partitions })),
      });
      const out: ReplicaSize[] = [];
      for (const broker of described) {
        for (const dir of broker.results) {
          for (const topic of dir.topics) {
            for (const p of topic.partitions) {
              if (p.isFutureKey) continue;
              out.push({
                broker: broker.broker,
                topic: topic.name,
                partition: p.partitionIndex,
                size: Number(p.partitionSize),
              });
            }
          }
        }
      }
      return out;
    },

    async listGroups() {
      const groups = await admin.listGroups();
      return [...groups.values()].map(
        (group): GroupListing => ({
          id: group.id,
          state: String(group.state),
          protocolType: group.protocolType,
        }),
      );
    },

    async describeGroups(ids) {
      if (ids.length === 0) return [];
      const groups = await admin.describeGroups({ groups: [...ids] });
      return [...groups.values()].map(
        (group): GroupDescription => ({
          id: group.id,
          state: String(group.state),
          members: [...group.members.values()].map((member) => ({
            id: member.id,
            clientId: member.clientId,
            host: member.clientHost.replace(/^\//, ''),
            assignments: [...(member.assignments?.values() ?? [])].map((a) => ({
              topic: a.topic,
              partitions: [...a.partitions],
            })),
          })),
        }),
      );
    },

    async committedOffsets(ids) {
      if (ids.length === 0) return [];
      const groups = await admin.listConsumerGroupOffsets({ groups: [...ids] });
      const out: CommittedOffset[] = [];
      for (const group of groups) {
        for (const topic of group.topics) {
          for (const p of topic.partitions) {
            const offset = Number(p.committedOffset);
            if (offset >= 0)
              out.push({ group: group.groupId, topic: topic.name, partition: p.partitionIndex, offset });
          }
        }
      }
      return out;
    },

    async topicConfigs(topic) {
      const [described] = await admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
      });
      return (described?.configs ?? []).map(
        (entry): TopicConfigEntry => ({
          name: entry.name,
          value: entry.isSensitive ? null : (entry.value ?? null),
          source: sourceNames[entry.configSource] ?? 'UNKNOWN',
          sensitive: entry.isSensitive,
          readOnly: entry.readOnly,
        }),
      );
    },

    peek: (request) => peekMessages(admin, base, cluster.id, request),

    async close() {
      await admin.close().catch(() => {});
    },
  };
}

/**
 * Reads the newest messages with plain Fetch requests from a consumer that never joins its group and never
 * commits: the cluster sees no group at all.
 */
async function peekMessages(
  admin: Admin,
  base: Omit<BaseOptions, 'clientId'>,
  clusterId: string,
  request: PeekRequest,
): Promise<PeekedMessage[]> {
  const meta = await admin.metadata({ topics: [request.topic], forceUpdate: true });
  const topic = meta.topics.get(request.topic);
  if (!topic) return [];
  const partitions =
    request.partition === undefined
      ? topic.partitions.map((_, index) => index)
      : [request.partition].filter((p) => p < topic.partitionsCount);
  const spec = [{ topic: request.topic, partitions }];
  const [latest, earliest] = await Promise.all(
    (['latest', 'earliest'] as const).map(async (which) => {
      const listed = await admin.listOffsets({
        topics: spec.map((t) => ({
          name: t.topic,
          partitions: t.partitions.map((partitionIndex) => ({
            partitionIndex,
            timestamp: which === 'latest' ? -1n : -2n,
          })),
        })),
      });
      return new Map(listed.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.offset] as const)));
    }),
  );
  const consumer = new Consumer({
    ...base,
    clientId: `labdeck-peek-${clusterId}`,
    // Required by the client; never used: this consumer only sends Fetch requests.
    groupId: `labdeck-peek-${randomBytes(6).toString('hex')}`,
    autocommit: false,
  });
  const deadline = Date.now() + request.timeoutMs;
  const out: PeekedMessage[] = [];
  try {
    for (const partition of partitions) {
      const end = latest!.get(partition) ?? 0n;
      const start = earliest!.get(partition) ?? 0n;
      const from = end - BigInt(request.limit) > start ? end - BigInt(request.limit) : start;
      const leader = topic.partitions[partition]!.leader;
      let next = from;
      while (next < end && Date.now() < deadline) {
        const response = await consumer.fetch({
          node: leader,
          maxWaitTime: 200,
          minBytes: 1,
          maxBytes: 8 * 1024 * 1024,
          topics: [
            {
              topicId: topic.id,
              partitions: [
                {
                  partition,
                  currentLeaderEpoch: -1,
                  fetchOffset: next,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: 4 * 1024 * 1024,
                },
              ],
            },
          ],
        });
        const before = next;
        for (const batch of response.responses[0]?.partitions[0]?.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta);
            if (offset < next || offset >= end) continue;
            out.push(
              toPeeked(
                partition,
                offset,
                batch.firstTimestamp + record.timestampDelta,
                record,
                request.maxValueBytes,
              ),
            );
            next = offset + 1n;
          }
        }
        if (next === before) break;
      }
    }
  } finally {
    await consumer.close().catch(() => {});
  }
  return out.sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset).slice(0, request.limit);
}

function toPeeked(
  partition: number,
  offset: bigint,
  timestamp: bigint,
  record: { key: Buffer | null; value: Buffer | null; headers: [Buffer | null, Buffer | null][] },
  maxValueBytes: number,
): PeekedMessage {
  const value = record.value;
  const message: PeekedMessage = {
    partition,
    offset: Number(offset),
    timestamp: Number(timestamp),
    key: record.key && record.key.length > maxValueBytes ? record.key.subarray(0, maxValueBytes) : record.key,
    value: value && value.length > maxValueBytes ? value.subarray(0, maxValueBytes) : value,
    headers: record.headers
      .slice(0, 64)
      .map(([k, v]) => [k?.toString('utf8') ?? '', v && v.length > 1024 ? v.subarray(0, 1024) : v]),
  };
  if (value && value.length > maxValueBytes) message.truncatedFrom = value.length;
  return message;
}

/** One ListOffsets request to one broker, on the admin client's own connection pool. */
function listOffsetsOn(
  admin: Admin,
  broker: Broker,
  topics: listOffsetsV9.ListOffsetsRequestTopic[],
): Promise<listOffsetsV9.ListOffsetsResponse> {
  return new Promise((resolve, reject) => {
    admin[kGetConnection](broker, (error: Error | null, connection?: Connection) => {
      if (error || !connection) return reject(error ?? new Error('no connection'));
      admin[kGetApi]<
        [number, number, listOffsetsV9.ListOffsetsRequestTopic[]],
        listOffsetsV9.ListOffsetsResponse
      >('ListOffsets', (apiError, api) => {
        if (apiError || !api) return reject(apiError ?? new Error('ListOffsets is not supported'));
        api(connection, -1, 0, topics, (requestError, response) =>
          requestError ? reject(requestError) : resolve(response!),
        );
      });
    });
  });
}
