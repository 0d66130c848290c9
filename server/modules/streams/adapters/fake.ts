import type { ClusterMetadata, KafkaAdapter, TopicPartitions } from './types.ts';

/** An in-memory cluster for unit tests: topics with end offsets, groups with committed offsets. */
export class FakeCluster {
  down = false;
  /** DescribeLogDirs fails (no permission, for example) while the rest answers. */
  failLogDirs = false;
  calls: Record<string, number> = {};
  topics = new Map<string, { id: string; ends: number[]; starts: number[]; sizes: number[] }>();
  groups = new Map<string, { state: string; committed: Map<string, number> }>();
  #ids = 0;

  addTopic(name: string, partitions: number): void {
    this.topics.set(name, {
      id: `id-${++this.#ids}`,
      ends: Array(partitions).fill(0),
      starts: Array(partitions).fill(0),
      sizes: Array(partitions).fill(0),
    });
  }

  produce(name: string, partition: number, count: number, bytes = count * 100): void {
    const topic = this.topics.get(name)!;
    topic.ends[partition]! += count;
    topic.sizes[partition]! += bytes;
  }

  commit(group: string, topic: string, partition: number, offset: number, state = 'Stable'): void {
    let g = this.groups.get(group);
    if (!g) {
      g = { state, committed: new Map() };
      this.groups.set(group, g);
    }
    g.state = state;
    g.committed.set(`${topic}:${partition}`, offset);
  }

  #count(name: string) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
  }

  adapter(): KafkaAdapter {
    const select = <T>(topics: readonly TopicPartitions[], pick: (name: string, p: number) => T) =>
      topics.flatMap(({ topic, partitions }) => {
        if (!this.topics.has(topic)) throw new Error(`unknown topic ${topic}`);
        return partitions.map((partition) => pick(topic, partition));
      });
    return {
      metadata: async (): Promise<ClusterMetadata> => {
        this.#count('metadata');
        return {
          clusterId: 'fake',
          controller: 1,
          brokers: [{ id: 1, host: 'localhost', port: 9092, rack: null }],
          topics: [...this.topics].map(([name, t]) => ({
            name,
            id: t.id,
            internal: name.startsWith('__'),
            partitions: t.ends.map((_, partition) => ({
              partition,
              leader: 1,
              replicas: [1],
              isr: [1],
              offline: [],
            })),
          })),
        };
      },
      listOffsets: async (which, topics) => {
        this.#count(`listOffsets:${which}`);
        return select(topics, (topic, partition) => {
          const t = this.topics.get(topic)!;
          return { topic, partition, offset: (which === 'latest' ? t.ends : t.starts)[partition]! };
        });
      },
      logDirSizes: async (topics) => {
        this.#count('logDirSizes');
        if (this.failLogDirs) throw new Error('Cluster authorization failed');
        return select(topics, (topic, partition) => ({
          broker: 1,
          topic,
          partition,
          size: this.topics.get(topic)!.sizes[partition]!,
        }));
      },
      listGroups: async () => {
        this.#count('listGroups');
        return [...this.groups].map(([id, g]) => ({ id, state: g.state, protocolType: 'consumer' }));
      },
      describeGroups: async (ids) => {
        this.#count('describeGroups');
        return ids.map((id) => ({ id, state: this.groups.get(id)?.state ?? 'Dead', members: [] }));
      },
      committedOffsets: async (ids) => {
        this.#count('committedOffsets');
        return ids.flatMap((group) =>
          [...(this.groups.get(group)?.committed ?? [])].map(([key, offset]) => {
            const [topic, partition] = key.split(':');
            return { group, topic: topic!, partition: Number(partition), offset };
          }),
        );
      },
      topicConfigs: async () => [
        {
          name: 'retention.ms',
          value: '604800000',
          source: 'DEFAULT_CONFIG',
          sensitive: false,
          readOnly: false,
        },
      ],
      peek: async () => [],
      close: async () => {},
    };
  }
}
