import type { Logger } from '../../platform/log.ts';
import type { KafkaAdapter, PartitionInfo, TopicPartitions } from './adapters/types.ts';
import type { ClusterConfig } from './config.ts';
import type { ClusterOverview, ClusterView, GroupView, SeriesPoint, TopicView } from './contract.ts';
import {
  averageRate,
  bytesDelta,
  type LagSample,
  type LagSeries,
  lagSeconds,
  lagSeries,
  offsetDelta,
  partitionLag,
  partitionVerdict,
  rateOf,
  rewound,
  type Verdict,
  worstVerdict,
} from './figures.ts';
import { Ring } from './ring.ts';

const SPARK_POINTS = 30;
const GROUP_BATCH = 500;

interface TopicState {
  name: string;
  id: string;
  internal: boolean;
  partitions: PartitionInfo[];
  end: Array<number | undefined>;
  /** Time of the last end-offset sample; undefined = no baseline. */
  endT: number | undefined;
  partRate: Array<number | null>;
  start: Array<number | undefined>;
  size: Array<number | undefined>;
  sizeT: number | undefined;
  rate: number | null;
  bytesRate: number | null;
  /** [t, dt, msgs/s, bytes/s] */
  ring: Ring;
}

interface GroupPartitionState {
  topic: string;
  partition: number;
  committed: number;
  committedSince: number;
  lag: number | null;
  outOfRange: boolean;
  status: Verdict;
  lagSeconds: number | null;
  consumeRate: number | null;
  /** [t, committed, lag] over the window. */
  ring: Ring;
}

interface GroupState {
  id: string;
  state: string;
  members: Array<{ id: string; clientId: string; host: string; assignments: TopicPartitions[] }>;
  parts: Map<string, GroupPartitionState>;
  totalLag: number | null;
  lagSeconds: number | null;
  consumeRate: number | null;
  status: Verdict;
  /** [t, total lag] */
  ring: Ring;
}

export interface SamplerOptions {
  cluster: ClusterConfig;
  adapter: KafkaAdapter;
  log: Logger;
  /** Called after every cycle, successful or not. */
  onCycle?: (sampler: ClusterSampler) => void;
  now?: () => number;
  /** Run metadata and log-size work inside the cycle (deterministic unit tests). */
  inlineSlowWork?: boolean;
}

/**
 * Samples one cluster: end offsets and committed offsets every interval (batched, chunked, bounded
 * concurrency, time-boxed), metadata and groups and log sizes on slower intervals. Keeps rings per topic,
 * group and group partition; everything shown is derived from consecutive samples in memory.
 */
export class ClusterSampler {
  readonly cluster: ClusterConfig;
  readonly #adapter: KafkaAdapter;
  readonly #log: Logger;
  readonly #onCycle: (sampler: ClusterSampler) => void;
  readonly #now: () => number;
  readonly #topics = new Map<string, TopicState>();
  readonly #groups = new Map<string, GroupState>();
  #overview: Pick<ClusterOverview, 'clusterId' | 'brokers' | 'controller'> = {
    clusterId: null,
    brokers: [],
    controller: null,
  };
  #metaAt = Number.NEGATIVE_INFINITY;
  #logDirsAt = Number.NEGATIVE_INFINITY;
  /** The last log-size request failed: bytes/s cannot be promised. */
  #sizesFailed = false;
  #status: ClusterView['status'] = 'starting';
  #error: string | null = null;
  #sampledAt: number | null = null;
  #attemptedAt: number | null = null;
  #cycleMs: number | null = null;
  #view: ClusterView | null = null;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #hasMetadata = false;
  #slow: Promise<void> | undefined;
  readonly #inlineSlowWork: boolean;

  constructor(options: SamplerOptions) {
    this.cluster = options.cluster;
    this.#adapter = options.adapter;
    this.#log = options.log.child({ cluster: options.cluster.id });
    this.#onCycle = options.onCycle ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#inlineSlowWork = options.inlineSlowWork ?? false;
  }

  get adapter(): KafkaAdapter {
    return this.#adapter;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#slow;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      const started = this.#now();
      this.#running = this.cycle().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(Math.max(0, this.cluster.interval - (this.#now() - started)));
      });
    }, delay);
  }

  /** One sampling cycle; public so tests drive it with a fake adapter and clock. */
  async cycle(): Promise<void> {
    const started = this.#now();
    this.#attemptedAt = started;
    try {
      // Metadata, groups and log sizes run on their slower intervals beside the fast cycle, never inside it
      // (on a big cluster they take longer than one interval); only the very first one is waited for.
      if (this.#metaAt === Number.NEGATIVE_INFINITY && !this.#hasMetadata) await this.#slowWork(started);
      else if (!this.#slow && this.#slowDue(started)) {
        const slow = this.#slowWork(started)
          .catch((error) => this.#log.warn({ err: error }, 'metadata refresh failed'))
          .finally(() => {
            this.#slow = undefined;
            this.#view = null;
          });
        this.#slow = slow;
        if (this.#inlineSlowWork) await slow;
      }
      await this.#sampleEnds();
      await this.#sampleCommitted().catch((error) =>
        this.#log.warn({ err: error }, 'committed offsets failed'),
      );
      if (this.#status !== 'up') this.#log.info('cluster is up');
      this.#status = 'up';
      this.#error = null;
      this.#sampledAt = this.#now();
    } catch (error) {
      if (this.#status !== 'down') this.#log.warn({ err: error }, 'cluster is down');
      this.#status = 'down';
      this.#error = error instanceof Error ? error.message : String(error);
      this.#resetBaselines();
    }
    this.#cycleMs = this.#now() - started;
    this.#view = null;
    this.#onCycle(this);
  }

  /** Waits for background metadata work (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#slow;
  }

  #slowDue(now: number): boolean {
    return (
      now - this.#metaAt >= this.cluster.metadataInterval ||
      now - this.#logDirsAt >= this.cluster.logDirsInterval
    );
  }

  async #slowWork(started: number): Promise<void> {
    const refreshed = started - this.#metaAt >= this.cluster.metadataInterval;
    if (refreshed) await this.#refreshMetadata();
    if (started - this.#logDirsAt >= this.cluster.logDirsInterval) {
      this.#logDirsAt = started;
      const results = await Promise.allSettled([this.#sampleSizes(), this.#sampleStarts()]);
      for (const result of results)
        if (result.status === 'rejected') this.#log.warn({ err: result.reason }, 'log sizes failed');
    } else if (refreshed) {
      // A topic metadata just found gets its first log size now, so its bytes/s is known at the next
      // log-size round instead of the one after.
      const fresh = [...this.#topics.values()].filter((topic) => topic.sizeT === undefined);
      if (fresh.length)
        await this.#sampleSizes(fresh).catch((error) => this.#log.warn({ err: error }, 'log sizes failed'));
    }
  }

  // ---- metadata and groups ----

  async #refreshMetadata(): Promise<void> {
    const meta = await this.#timeboxed(this.#adapter.metadata(), 'metadata');
    this.#overview = { clusterId: meta.clusterId, brokers: meta.brokers, controller: meta.controller };
    this.#hasMetadata = true;
    const seen = new Set<string>();
    for (const topic of meta.topics) {
      seen.add(topic.name);
      const existing = this.#topics.get(topic.name);
      if (existing && (existing.id === topic.id || !topic.id || !existing.id)) {
        existing.partitions = topic.partitions;
        continue;
      }
      // New, or deleted and recreated under the same name: a fresh baseline.
      this.#topics.set(topic.name, this.#newTopic(topic.name, topic.id, topic.internal, topic.partitions));
    }
    for (const name of this.#topics.keys()) if (!seen.has(name)) this.#topics.delete(name);
    this.#metaAt = this.#now();
    await this.#refreshGroups().catch((error) =>
      this.#log.warn({ err: error }, 'listing consumer groups failed'),
    );
  }

  #newTopic(name: string, id: string, internal: boolean, partitions: PartitionInfo[]): TopicState {
    const capacity = Math.ceil(this.cluster.window / this.cluster.interval) + 1;
    return {
      name,
      id,
      internal,
      partitions,
      end: [],
      endT: undefined,
      partRate: [],
      start: [],
      size: [],
      sizeT: undefined,
      rate: null,
      bytesRate: null,
      ring: new Ring(capacity, 4),
    };
  }

  async #refreshGroups(): Promise<void> {
    const listed = (await this.#timeboxed(this.#adapter.listGroups(), 'list groups')).filter(
      (group) => group.protocolType === 'consumer' || group.protocolType === '',
    );
    const ids = listed.map((group) => group.id);
    const described = new Map<string, Awaited<ReturnType<KafkaAdapter['describeGroups']>>[number]>();
    for (let i = 0; i < ids.length; i += GROUP_BATCH) {
      try {
        const batch = await this.#timeboxed(
          this.#adapter.describeGroups(ids.slice(i, i + GROUP_BATCH)),
          'describe groups',
        );
        for (const group of batch) described.set(group.id, group);
      } catch (error) {
        this.#log.warn({ err: error }, 'describing consumer groups failed');
      }
    }
    const keep = new Set(ids);
    for (const id of this.#groups.keys()) if (!keep.has(id)) this.#groups.delete(id);
    for (const listing of listed) {
      const description = described.get(listing.id);
      let group = this.#groups.get(listing.id);
      if (!group) {
        group = {
          id: listing.id,
          state: listing.state,
          members: [],
          parts: new Map(),
          totalLag: null,
          lagSeconds: null,
          consumeRate: null,
          status: 'OK',
          ring: new Ring(Math.ceil(this.cluster.window / this.cluster.interval) + 1, 2),
        };
        this.#groups.set(listing.id, group);
      }
      group.state = description?.state || listing.state;
      if (description) group.members = description.members;
    }
  }

  // ---- end offsets: the rates ----

  async #sampleEnds(): Promise<void> {
    const requests: TopicPartitions[] = [];
    for (const topic of this.#topics.values()) {
      const partitions = topic.partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
      if (partitions.length) requests.push({ topic: topic.name, partitions });
    }
    if (requests.length === 0) {
      // Nothing to sample, but prove the cluster answers.
      await this.#timeboxed(this.#adapter.metadata(), 'metadata');
      return;
    }
    const chunks = chunk(requests, this.cluster.chunkSize);
    const results = await mapLimit(chunks, this.cluster.concurrency, async (part) => {
      const before = this.#now();
      const offsets = await this.#timeboxed(this.#adapter.listOffsets('latest', part), 'list offsets');
      return { t: (before + this.#now()) / 2, offsets };
    });
    const failures = results.filter((r) => r.status === 'rejected');
    if (failures.length === results.length) throw (failures[0] as PromiseRejectedResult).reason;
    if (failures.length) {
      // A topic deleted since the last metadata fails its chunk: refresh metadata on the next cycle.
      this.#metaAt = Number.NEGATIVE_INFINITY;
      this.#log.debug({ failed: failures.length, chunks: results.length }, 'some offset chunks failed');
    }
    const byTopic = new Map<string, { t: number; offsets: Map<number, number> }>();
    for (const result of results) {
      if (result.status !== 'fulfilled') continue;
      for (const { topic, partition, offset } of result.value.offsets) {
        let entry = byTopic.get(topic);
        if (!entry) {
          entry = { t: result.value.t, offsets: new Map() };
          byTopic.set(topic, entry);
        }
        entry.offsets.set(partition, offset);
      }
    }
    let missing = 0;
    for (const [name, { t, offsets }] of byTopic) {
      const topic = this.#topics.get(name);
      if (topic) this.#applyEnds(topic, offsets, t);
    }
    for (const [index, result] of results.entries()) {
      if (result.status !== 'fulfilled') continue;
      for (const request of chunks[index]!) {
        const got = byTopic.get(request.topic)?.offsets;
        for (const partition of request.partitions) if (!got?.has(partition)) missing++;
      }
    }
    // Partitions without an answer (leader moved, topic deleted): refresh metadata on the next cycle.
    if (missing) this.#metaAt = Number.NEGATIVE_INFINITY;
  }

  #applyEnds(topic: TopicState, offsets: Map<number, number>, t: number): void {
    const hadBaseline = topic.endT !== undefined;
    const dt = hadBaseline ? t - topic.endT! : 0;
    const deltas: Array<number | null> = [];
    for (const { partition } of topic.partitions) {
      const current = offsets.get(partition);
      if (current === undefined) {
        topic.partRate[partition] = null;
        continue;
      }
      const delta = hadBaseline
        ? offsetDelta(topic.end[partition], current, topic.end[partition] === undefined)
        : null;
      deltas.push(delta);
      topic.partRate[partition] = delta === null || !(dt > 0) ? null : (delta * 1000) / dt;
      topic.end[partition] = current;
    }
    topic.rate = hadBaseline ? rateOf(deltas, dt) : null;
    topic.endT = t;
    topic.ring.push(t, dt, topic.rate ?? Number.NaN, topic.bytesRate ?? Number.NaN);
  }

  #resetBaselines(): void {
    for (const topic of this.#topics.values()) {
      topic.endT = undefined;
      topic.rate = null;
      topic.sizeT = undefined;
      topic.bytesRate = null;
    }
    this.#metaAt = Number.NEGATIVE_INFINITY;
  }

  // ---- log start offsets and sizes ----

  async #sampleStarts(): Promise<void> {
    const requests = [...this.#topics.values()]
      .map((topic) => ({
        topic: topic.name,
        partitions: topic.partitions.filter((p) => p.leader >= 0).map((p) => p.partition),
      }))
      .filter((request) => request.partitions.length);
    const results = await mapLimit(
      chunk(requests, this.cluster.chunkSize),
      this.cluster.concurrency,
      (part) => this.#timeboxed(this.#adapter.listOffsets('earliest', part), 'list start offsets'),
    );
    for (const result of results) {
      if (result.status !== 'fulfilled') continue;
      for (const { topic, partition, offset } of result.value) {
        const state = this.#topics.get(topic);
        if (state) state.start[partition] = offset;
      }
    }
  }

  async #sampleSizes(topics: Iterable<TopicState> = this.#topics.values()): Promise<void> {
    const requests = [...topics].map((topic) => ({
      topic: topic.name,
      partitions: topic.partitions.map((p) => p.partition),
    }));
    if (!requests.length) return;
    const before = this.#now();
    let replicas: Awaited<ReturnType<KafkaAdapter['logDirSizes']>>;
    try {
      replicas = await this.#timeboxed(this.#adapter.logDirSizes(requests), 'describe log dirs');
      this.#sizesFailed = false;
    } catch (error) {
      this.#sizesFailed = true;
      throw error;
    }
    const t = (before + this.#now()) / 2;
    // The largest replica stands for the partition (followers may lag the leader a little).
    const sizes = new Map<string, Map<number, number>>();
    for (const { topic, partition, size } of replicas) {
      let map = sizes.get(topic);
      if (!map) {
        map = new Map();
        sizes.set(topic, map);
      }
      map.set(partition, Math.max(map.get(partition) ?? 0, size));
    }
    for (const [name, partitions] of sizes) {
      const topic = this.#topics.get(name);
      if (!topic) continue;
      const hadBaseline = topic.sizeT !== undefined;
      const deltas: Array<number | null> = [];
      for (const [partition, size] of partitions) {
        if (hadBaseline) deltas.push(bytesDelta(topic.size[partition], size));
        topic.size[partition] = size;
      }
      topic.bytesRate = hadBaseline ? rateOf(deltas, t - topic.sizeT!) : null;
      topic.sizeT = t;
    }
  }

  // ---- consumer groups: lag and verdicts ----

  async #sampleCommitted(): Promise<void> {
    const ids = [...this.#groups.keys()];
    if (!ids.length) return;
    const batches = chunkIds(ids, GROUP_BATCH);
    const results = await mapLimit(batches, this.cluster.concurrency, (batch) =>
      this.#timeboxed(this.#adapter.committedOffsets(batch), 'committed offsets'),
    );
    const t = this.#now();
    const committed = new Map<string, Map<string, { topic: string; partition: number; offset: number }>>();
    const answered = new Set<string>();
    results.forEach((result, index) => {
      if (result.status !== 'fulfilled') return;
      for (const id of batches[index]!) answered.add(id);
      for (const entry of result.value) {
        let map = committed.get(entry.group);
        if (!map) {
          map = new Map();
          committed.set(entry.group, map);
        }
        map.set(`${entry.topic}\u0000${entry.partition}`, entry);
      }
    });
    if (answered.size === 0 && results.length) throw (results[0] as PromiseRejectedResult).reason;
    for (const group of this.#groups.values()) {
      if (answered.has(group.id)) this.#applyCommitted(group, committed.get(group.id) ?? new Map(), t);
    }
  }

  #applyCommitted(
    group: GroupState,
    offsets: Map<string, { topic: string; partition: number; offset: number }>,
    t: number,
  ): void {
    const windowMs = this.cluster.statusWindow;
    // Full resolution over the whole window (storage grows as samples come); verdicts read the status window.
    const capacity = Math.ceil(Math.max(windowMs, this.cluster.window) / this.cluster.interval) + 2;
    for (const key of group.parts.keys()) if (!offsets.has(key)) group.parts.delete(key);
    let total: number | null = null;
    let consumed = 0;
    let consumedKnown = false;
    const empty = group.state === 'Empty' || group.state === 'Dead';
    for (const [key, { topic, partition, offset }] of offsets) {
      let part = group.parts.get(key);
      if (!part) {
        part = {
          topic,
          partition,
          committed: offset,
          committedSince: t,
          lag: null,
          outOfRange: false,
          status: 'OK',
          lagSeconds: null,
          consumeRate: null,
          ring: new Ring(capacity, 3),
        };
        group.parts.set(key, part);
      }
      if (offset !== part.committed) part.committedSince = t;
      part.committed = offset;
      const state = this.#topics.get(topic);
      const end = state?.end[partition];
      const { lag, outOfRange } =
        end === undefined
          ? { lag: null, outOfRange: false }
          : partitionLag(end, offset, state?.start[partition]);
      part.lag = lag;
      part.outOfRange = outOfRange;
      part.ring.push(t, offset, lag ?? Number.NaN);
      const samples = windowOf(part.ring, t - windowMs);
      const n = samples.length;
      part.consumeRate =
        n > 1 && t > samples.t(0)
          ? Math.max(0, ((offset - samples.committed(0)) * 1000) / (t - samples.t(0)))
          : null;
      part.status =
        empty && (lag ?? 0) > 0 && !rewound(samples)
          ? 'STOP'
          : partitionVerdict({ samples, committedSince: part.committedSince, now: t, windowMs, outOfRange });
      part.lagSeconds = lagSeconds(lag, part.consumeRate);
      if (lag !== null) total = (total ?? 0) + lag;
      if (part.consumeRate !== null) {
        consumed += part.consumeRate;
        consumedKnown = true;
      }
    }
    group.totalLag = total;
    group.consumeRate = consumedKnown ? consumed : null;
    group.lagSeconds = lagSeconds(total, group.consumeRate);
    group.status = worstVerdict([...group.parts.values()].map((part) => part.status));
    group.ring.push(t, total ?? Number.NaN);
  }

  // ---- what the API shows ----

  view(): ClusterView {
    this.#view ??= this.#buildView();
    return this.#view;
  }

  #buildView(): ClusterView {
    const now = this.#sampledAt ?? this.#now();
    const topics: TopicView[] = [];
    let partitions = 0;
    let underReplicated = 0;
    let offline = 0;
    let inRate: number | null = null;
    let bytesRate: number | null = null;
    const nextSizes =
      this.#sizesFailed || this.#logDirsAt === Number.NEGATIVE_INFINITY
        ? null
        : { at: this.#logDirsAt + this.cluster.logDirsInterval, every: this.cluster.logDirsInterval };
    for (const topic of this.#topics.values()) {
      const view = topicView(topic, now, nextSizes);
      topics.push(view);
      partitions += view.partitions;
      underReplicated += view.underReplicated;
      offline += view.offline;
      if (!topic.internal && view.rate !== null) inRate = (inRate ?? 0) + view.rate;
      if (!topic.internal && view.bytesRate !== null) bytesRate = (bytesRate ?? 0) + view.bytesRate;
    }
    topics.sort((a, b) => a.name.localeCompare(b.name));
    const groups = [...this.#groups.values()].map((group) => groupView(group));
    groups.sort((a, b) => a.id.localeCompare(b.id));
    return {
      id: this.cluster.id,
      name: this.cluster.name ?? this.cluster.id,
      status: this.#status,
      error: this.#error,
      sampledAt: this.#sampledAt,
      attemptedAt: this.#attemptedAt,
      cycleMs: this.#cycleMs,
      intervalMs: this.cluster.interval,
      overview: {
        ...this.#overview,
        topics: topics.filter((t) => !t.internal).length,
        internalTopics: topics.filter((t) => t.internal).length,
        partitions,
        underReplicated,
        offline,
        groups: groups.length,
        inRate,
        bytesRate,
      },
      topics,
      groups,
    };
  }

  /** [t, msgs/s, bytes/s] since `since`, full resolution. */
  topicSeries(name: string, since: number): SeriesPoint[] | null {
    const topic = this.#topics.get(name);
    if (!topic) return null;
    return topic.ring.since(since).map(([t, , rate, bytes]) => [t!, nullable(rate!), nullable(bytes!)]);
  }

  /** [t, total lag] since `since`. */
  groupSeries(id: string, since: number): SeriesPoint[] | null {
    const group = this.#groups.get(id);
    if (!group) return null;
    return group.ring.since(since).map(([t, lag]) => [t!, nullable(lag!)]);
  }

  async #timeboxed<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} timed out after ${this.cluster.requestTimeout} ms`)),
        this.cluster.requestTimeout,
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** When a topic's bytes/s will be known: it needs two log-size samples. */
function bytesRateReadyAt(
  topic: TopicState,
  now: number,
  nextSizes: { at: number; every: number } | null,
): number | null {
  if (topic.bytesRate !== null || !nextSizes) return null;
  const next = Math.max(nextSizes.at, now);
  return topic.sizeT === undefined ? next + nextSizes.every : next;
}

function topicView(
  topic: TopicState,
  now: number,
  nextSizes: { at: number; every: number } | null,
): TopicView {
  let underReplicated = 0;
  let offline = 0;
  let size: number | null = null;
  let messages: number | null = null;
  let replicationFactor = 0;
  const parts = topic.partitions.map((p) => {
    if (p.isr.length < p.replicas.length) underReplicated++;
    if (p.leader < 0) offline++;
    replicationFactor = Math.max(replicationFactor, p.replicas.length);
    const partSize = topic.size[p.partition];
    if (partSize !== undefined) size = (size ?? 0) + partSize;
    const end = topic.end[p.partition];
    const start = topic.start[p.partition];
    if (end !== undefined) messages = (messages ?? 0) + end - (start ?? 0);
    return {
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      start: start ?? null,
      end: end ?? null,
      rate: topic.partRate[p.partition] ?? null,
      size: partSize ?? null,
    };
  });
  const spark: Array<number | null> = [];
  const ring = topic.ring;
  for (let i = Math.max(0, ring.length - SPARK_POINTS); i < ring.length; i++)
    spark.push(nullable(ring.get(i, 2)));
  const recent: Array<{ t: number; dt: number; rate: number | null }> = [];
  for (let i = ring.firstAfter(now - 60_000); i < ring.length; i++) {
    recent.push({ t: ring.get(i, 0), dt: ring.get(i, 1), rate: nullable(ring.get(i, 2)) });
  }
  return {
    name: topic.name,
    internal: topic.internal,
    partitions: topic.partitions.length,
    replicationFactor,
    underReplicated,
    offline,
    rate: topic.rate,
    rate1m: averageRate(recent, now - 60_000),
    bytesRate: topic.bytesRate,
    bytesRateReadyAt: bytesRateReadyAt(topic, now, nextSizes),
    size,
    messages,
    spark,
    parts,
  };
}

function groupView(group: GroupState): GroupView {
  const owner = new Map<string, string>();
  for (const member of group.members) {
    for (const a of member.assignments)
      for (const p of a.partitions) owner.set(`${a.topic}\u0000${p}`, member.clientId || member.id);
  }
  const parts = [...group.parts.entries()]
    .map(([key, part]) => ({
      topic: part.topic,
      partition: part.partition,
      committed: part.committed,
      end: part.lag === null ? null : part.committed + part.lag,
      lag: part.lag,
      lagSeconds: part.lagSeconds,
      outOfRange: part.outOfRange,
      status: part.status,
      member: owner.get(key) ?? null,
    }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const spark: Array<number | null> = [];
  for (let i = Math.max(0, group.ring.length - SPARK_POINTS); i < group.ring.length; i++)
    spark.push(nullable(group.ring.get(i, 1)));
  return {
    id: group.id,
    state: group.state,
    members: group.members.map((m) => ({
      id: m.id,
      clientId: m.clientId,
      host: m.host,
      partitions: m.assignments.reduce((n, a) => n + a.partitions.length, 0),
    })),
    topics: [...new Set(parts.map((p) => p.topic))],
    totalLag: group.totalLag,
    lagSeconds: group.lagSeconds,
    consumeRate: group.consumeRate,
    status: group.status,
    spark,
    parts,
  };
}

const nullable = (value: number): number | null => (Number.isNaN(value) ? null : value);

/** The [t, committed, lag] rows of a ring after `since`, read in place; rows without a lag are skipped. */
function windowOf(ring: Ring, since: number): LagSeries {
  const from = ring.firstAfter(since);
  let clean = true;
  for (let i = from; i < ring.length && clean; i++) if (Number.isNaN(ring.get(i, 2))) clean = false;
  if (!clean) {
    const rows: LagSample[] = [];
    for (let i = from; i < ring.length; i++) {
      const lag = ring.get(i, 2);
      if (!Number.isNaN(lag)) rows.push({ t: ring.get(i, 0), committed: ring.get(i, 1), lag });
    }
    return lagSeries(rows);
  }
  return {
    length: ring.length - from,
    t: (i) => ring.get(from + i, 0),
    committed: (i) => ring.get(from + i, 1),
    lag: (i) => ring.get(from + i, 2),
  };
}

/** Splits topic requests into chunks of at most `size` partitions (a topic is never split unless larger). */
export function chunk(requests: readonly TopicPartitions[], size: number): TopicPartitions[][] {
  const chunks: TopicPartitions[][] = [];
  let current: TopicPartitions[] = [];
  let count = 0;
  for (const request of requests) {
    for (let i = 0; i < request.partitions.length; i += size) {
      const partitions = request.partitions.slice(i, i + size);
      if (count + partitions.length > size && current.length) {
        chunks.push(current);
        current = [];
        count = 0;
      }
      current.push({ topic: request.topic, partitions });
      count += partitions.length;
    }
  }
  if (current.length) chunks.push(current);
  return chunks;
}

function chunkIds(ids: readonly string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/** Runs fn over items with at most `limit` in flight; settles like Promise.allSettled, in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
