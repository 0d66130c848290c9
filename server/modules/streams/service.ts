import { ApiError, notFound, unavailable } from '../../platform/errors.ts';
import { LEADER_LOCKS, Leadership } from '../../platform/leader.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { isUnreachable } from './adapters/errors.ts';
import { type AdapterFactory, defaultAdapter } from './adapters/index.ts';
import type { KafkaAdapter, PeekedMessage } from './adapters/types.ts';
import type { ClusterConfig, StreamsConfig } from './config.ts';
import {
  type ClusterSummary,
  type ClusterView,
  type GroupSummary,
  type GroupView,
  type PeekedMessageView,
  type SeriesPoint,
  STREAMS_TOPIC,
  type StreamsLiveEvent,
  type TopicDetail,
  type TopicSummary,
  type Verdict,
} from './contract.ts';
import { averageRate, verdictOrder } from './figures.ts';
import { ClusterSampler } from './sampler.ts';
import { SchemaRegistryClient } from './schema-registry/client.ts';
import { type Decoded, SchemaDecoder } from './schema-registry/decoder.ts';
import { createStreamsStore, type StreamsStore } from './store.ts';

export type { ClusterSummary, GroupSummary, TopicSummary };

export const ranges = { '5m': 300_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type Range = keyof typeof ranges;

interface ClusterRuntime {
  config: ClusterConfig;
  adapter: KafkaAdapter;
  sampler: ClusterSampler | null;
  /** Followers: the leader's last snapshot. */
  snapshot: ClusterView | null;
  historyAt: number;
  saving: boolean;
  configs: Map<string, { at: number; value: Awaited<ReturnType<KafkaAdapter['topicConfigs']>> }>;
  /** Schema Registry decoding of peeked keys and values, when the cluster configures a registry. */
  decoder: SchemaDecoder | null;
}

/** A peeked message with its schema-decoded key and value (null: not framed or no registry). */
export interface DecodedMessage extends PeekedMessage {
  keyDecoded: Decoded | null;
  valueDecoded: Decoded | null;
}

export interface StreamsServiceOptions {
  adapterFactory?: AdapterFactory;
  cwd?: string;
  /** Tests: the HTTP client of the Schema Registry. */
  registryFetch?: typeof fetch;
}

/**
 * Runs the samplers on the leader replica (PostgreSQL advisory lock), shares their views through a
 * snapshot table, keeps downsampled history, and answers the API from memory on every replica.
 */
export class StreamsService {
  readonly #ctx: ModuleContext;
  readonly #config: StreamsConfig;
  readonly #store: StreamsStore;
  readonly #clusters = new Map<string, ClusterRuntime>();
  readonly #leadership: Leadership;
  #timer: NodeJS.Timeout | undefined;
  #prunedAt = 0;
  #stopped = false;

  constructor(ctx: ModuleContext, config: StreamsConfig, options: StreamsServiceOptions = {}) {
    this.#ctx = ctx;
    this.#config = config;
    this.#store = createStreamsStore(ctx.db);
    const factory = options.adapterFactory ?? defaultAdapter;
    const cwd = options.cwd ?? (ctx.configFile ? ctx.configFile.replace(/[/\\][^/\\]*$/, '') : process.cwd());
    for (const cluster of config.clusters) {
      this.#clusters.set(cluster.id, {
        config: cluster,
        adapter: factory(cluster, cwd),
        sampler: null,
        snapshot: null,
        historyAt: 0,
        saving: false,
        configs: new Map(),
        decoder: cluster.schemaRegistry
          ? new SchemaDecoder(
              new SchemaRegistryClient(cluster.schemaRegistry, { fetch: options.registryFetch }),
              {
                maxBytes: config.peek.maxValueBytes,
              },
            )
          : null,
      });
    }
    this.#leadership = new Leadership(ctx.db, ctx.log.child({ module: 'streams' }), {
      lock: LEADER_LOCKS.kafkaSampler,
      duty: 'samples Kafka',
      onChange: (leader) => (leader ? this.#startSampling() : void this.#stopSampling()),
    });
  }

  get isLeader(): boolean {
    return this.#leadership.isLeader;
  }

  async start(): Promise<void> {
    if (!this.#clusters.size) return;
    await this.#leadership.start();
    this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#stopSampling();
    await this.#leadership.stop();
    await Promise.all([...this.#clusters.values()].map((c) => c.adapter.close()));
  }

  /** Followers refresh the leader's snapshots; the leader's samplers run on their own clocks. */
  #loop(): void {
    const every = Math.min(...[...this.#clusters.values()].map((c) => c.config.interval), 5_000);
    this.#timer = setTimeout(async () => {
      try {
        if (!this.isLeader) await this.#loadSnapshots();
      } catch (error) {
        this.#ctx.log.warn({ err: error }, 'streams: follower refresh failed');
      }
      if (!this.#stopped) this.#loop();
    }, every);
    this.#timer.unref();
  }

  #startSampling(): void {
    if (this.#stopped) return;
    for (const runtime of this.#clusters.values()) {
      runtime.sampler = new ClusterSampler({
        cluster: runtime.config,
        adapter: runtime.adapter,
        log: this.#ctx.log.child({ module: 'streams' }),
        onCycle: (sampler) => this.#afterCycle(runtime, sampler),
      });
      runtime.sampler.start();
    }
  }

  /** Keeps the last figures (so the API still answers) and stops the samplers. */
  async #stopSampling(): Promise<void> {
    for (const runtime of this.#clusters.values()) {
      if (runtime.sampler) runtime.snapshot = runtime.sampler.view();
      await runtime.sampler?.stop();
      runtime.sampler = null;
    }
  }

  #afterCycle(runtime: ClusterRuntime, sampler: ClusterSampler): void {
    const view = sampler.view();
    const event: StreamsLiveEvent = { topic: STREAMS_TOPIC, type: 'sample', data: summarize(view) };
    this.#ctx.bus.publish(event);
    if (!runtime.saving) {
      runtime.saving = true;
      this.#persist(runtime, sampler, view)
        .catch((error) => this.#ctx.log.warn({ err: error }, 'streams: saving the snapshot failed'))
        .finally(() => {
          runtime.saving = false;
        });
    }
  }

  async #persist(runtime: ClusterRuntime, sampler: ClusterSampler, view: ClusterView): Promise<void> {
    await this.#store.saveSnapshot(view);
    const now = Date.now();
    const step = this.#config.history.resolution;
    if (view.status === 'up' && now - runtime.historyAt >= step) {
      const ts = Math.floor(now / step) * step;
      runtime.historyAt = now;
      const topics = view.topics.map((topic) => {
        const series = sampler.topicSeries(topic.name, now - step) ?? [];
        const rate = averageRate(
          series.map(([t, msgs], i) => ({
            t: t!,
            dt: i === 0 ? 0 : t! - series[i - 1]![0]!,
            rate: msgs ?? null,
          })),
          now - step,
        );
        return {
          topic: topic.name,
          msgsPerS: rate ?? topic.rate,
          bytesPerS: topic.bytesRate,
          size: topic.size,
        };
      });
      await this.#store.appendTopicHistory(view.id, ts, topics);
      await this.#store.appendGroupHistory(
        view.id,
        ts,
        view.groups.map((group) => ({ group: group.id, lag: group.totalLag })),
      );
    }
    if (now - this.#prunedAt > 3_600_000) {
      this.#prunedAt = now;
      await this.#store.prune(now - this.#config.history.retention);
    }
  }

  async #loadSnapshots(): Promise<void> {
    const views = await this.#store.loadSnapshots([...this.#clusters.keys()]);
    for (const view of views) {
      const runtime = this.#clusters.get(view.id);
      if (runtime && !runtime.sampler) runtime.snapshot = view;
    }
  }

  // ---- reads ----

  #runtime(id: string): ClusterRuntime {
    const runtime = this.#clusters.get(id);
    if (!runtime) throw notFound(`No Kafka cluster "${id}" is configured`);
    return runtime;
  }

  view(id: string): ClusterView {
    const runtime = this.#runtime(id);
    return runtime.sampler?.view() ?? runtime.snapshot ?? emptyView(runtime.config);
  }

  clusters(): ClusterSummary[] {
    return [...this.#clusters.keys()].map((id) => summarize(this.view(id)));
  }

  topic(id: string, name: string): Omit<TopicDetail, 'cluster'> {
    const view = this.view(id);
    const topic = view.topics.find((t) => t.name === name);
    if (!topic) throw notFound(`No topic "${name}" in cluster "${id}"`);
    const groups = view.groups
      .filter((g) => g.topics.includes(name))
      .map((g) => {
        const parts = g.parts.filter((p) => p.topic === name);
        const lag = parts.reduce<number | null>(
          (sum, p) => (p.lag === null ? sum : (sum ?? 0) + p.lag),
          null,
        );
        return { id: g.id, state: g.state, status: worstOf(parts.map((p) => p.status)), lag };
      });
    return { topic, groups };
  }

  group(id: string, groupId: string): GroupView {
    const group = this.view(id).groups.find((g) => g.id === groupId);
    if (!group) throw notFound(`No consumer group "${groupId}" in cluster "${id}"`);
    return group;
  }

  async topicSeries(
    id: string,
    name: string,
    range: Range,
  ): Promise<{ resolutionMs: number; points: SeriesPoint[] }> {
    const runtime = this.#runtime(id);
    const since = Date.now() - ranges[range];
    if (runtime.sampler && ranges[range] <= runtime.config.window) {
      const points = runtime.sampler.topicSeries(name, since);
      if (!points) throw notFound(`No topic "${name}" in cluster "${id}"`);
      return { resolutionMs: runtime.config.interval, points };
    }
    return {
      resolutionMs: this.#config.history.resolution,
      points: await this.#store.topicHistory(id, name, since),
    };
  }

  async groupSeries(
    id: string,
    groupId: string,
    range: Range,
  ): Promise<{ resolutionMs: number; points: SeriesPoint[] }> {
    const runtime = this.#runtime(id);
    const since = Date.now() - ranges[range];
    if (runtime.sampler && ranges[range] <= runtime.config.window) {
      const points = runtime.sampler.groupSeries(groupId, since);
      if (!points) throw notFound(`No consumer group "${groupId}" in cluster "${id}"`);
      return { resolutionMs: runtime.config.interval, points };
    }
    return {
      resolutionMs: this.#config.history.resolution,
      points: await this.#store.groupHistory(id, groupId, since),
    };
  }

  async topicConfigs(id: string, name: string) {
    const runtime = this.#runtime(id);
    const cached = runtime.configs.get(name);
    if (cached && Date.now() - cached.at < 30_000) return cached.value;
    const value = await this.#ask(id, () => runtime.adapter.topicConfigs(name));
    runtime.configs.set(name, { at: Date.now(), value });
    if (runtime.configs.size > 500) runtime.configs.delete(runtime.configs.keys().next().value!);
    return value;
  }

  async peek(
    id: string,
    topic: string,
    partition: number | undefined,
    limit: number,
  ): Promise<PeekedMessageView[]> {
    return (await this.#peekDecoded(id, topic, partition, limit)).map(encodeMessage);
  }

  /**
   * A request that goes to the brokers: refused at once with 503 `kafka_unavailable` while the sampler sees
   * the cluster down (the caller gets an answer, not a wait), 503 too when no broker answers it, and 502
   * `kafka_error` with the broker's reason when one answers with an error.
   */
  async #ask<T>(id: string, call: () => Promise<T>): Promise<T> {
    const view = this.view(id);
    if (view.status === 'down')
      throw unavailable(
        `Kafka cluster "${id}" is down: ${view.error ?? 'no broker answers'}`,
        'kafka_unavailable',
      );
    try {
      return await call();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (isUnreachable(error))
        throw unavailable(`Kafka cluster "${id}" did not answer: ${reason}`, 'kafka_unavailable');
      throw new ApiError(502, 'kafka_error', `Kafka cluster "${id}": ${reason}`);
    }
  }

  async #peekDecoded(
    id: string,
    topic: string,
    partition: number | undefined,
    limit: number,
  ): Promise<DecodedMessage[]> {
    const runtime = this.#runtime(id);
    this.topic(id, topic);
    const messages = await this.#ask(id, () =>
      runtime.adapter.peek({
        topic,
        partition,
        limit: Math.min(limit, this.#config.peek.maxMessages),
        maxValueBytes: this.#config.peek.maxValueBytes,
        timeoutMs: runtime.config.requestTimeout,
      }),
    );
    const decoder = runtime.decoder;
    if (!decoder) return messages.map((m) => ({ ...m, keyDecoded: null, valueDecoded: null }));
    // Concurrent: messages of one schema share one registry request (the client dedupes by id).
    return Promise.all(
      messages.map(async (m) => {
        const [keyDecoded, valueDecoded] = await Promise.all([
          decoder.decode(m.key, { topic, part: 'key' }),
          decoder.decode(m.value, { topic, part: 'value', cutFrom: m.truncatedFrom }),
        ]);
        return { ...m, keyDecoded, valueDecoded };
      }),
    );
  }
}

const worstOf = (statuses: Verdict[]): Verdict =>
  statuses.reduce<Verdict>(
    (worst, s) => (verdictOrder.indexOf(s) > verdictOrder.indexOf(worst) ? s : worst),
    'OK',
  );

export function summarize(view: ClusterView): ClusterSummary {
  const { topics: _topics, groups: _groups, ...summary } = view;
  return summary;
}

function emptyView(cluster: ClusterConfig): ClusterView {
  return {
    id: cluster.id,
    name: cluster.name ?? cluster.id,
    status: 'starting',
    error: null,
    sampledAt: null,
    attemptedAt: null,
    cycleMs: null,
    intervalMs: cluster.interval,
    overview: {
      clusterId: null,
      brokers: [],
      controller: null,
      topics: 0,
      internalTopics: 0,
      partitions: 0,
      underReplicated: 0,
      offline: 0,
      groups: 0,
      inRate: null,
      bytesRate: null,
    },
    topics: [],
    groups: [],
  };
}

/** Raw bytes as base64 (the browser shows text, JSON or hex); schema-decoded data beside them. */
function encodeMessage(message: DecodedMessage): PeekedMessageView {
  return {
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key?.toString('base64') ?? null,
    value: message.value?.toString('base64') ?? null,
    headers: message.headers.map(([name, value]) => ({ name, value: value?.toString('base64') ?? null })),
    truncatedFrom: message.truncatedFrom ?? null,
    keyDecoded: message.keyDecoded,
    valueDecoded: message.valueDecoded,
  };
}
