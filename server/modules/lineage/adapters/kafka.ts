// The OpenLineage Kafka transport's topic, consumed in a consumer group: several Labdeck replicas
// share the partitions; offsets are committed only after the events are stored, so a crash replays
// (idempotently) instead of losing. A failed store restarts the consumer from the committed offsets.
import { Consumer, type Message, stringDeserializers } from '@platformatic/kafka';
import type { Logger } from '../../../platform/log.ts';
import type { LineageConfig } from '../config.ts';
import type { LineageService } from '../service.ts';

export interface KafkaIngest {
  close(): Promise<void>;
}

type Msg = Message<string, string, string, string>;

export function startKafkaIngest(
  config: LineageConfig['kafka'],
  service: LineageService,
  log: Logger,
): KafkaIngest {
  let closed = false;
  let consumer: Consumer<string, string, string, string> | undefined;

  async function store(messages: Msg[]) {
    const bodies = messages.map((m) => {
      try {
        return JSON.parse(m.value) as unknown;
      } catch {
        return m.value; // rejected by validation as "not an object", and skipped
      }
    });
    const result = await service.ingest(bodies, `kafka:${config.topic}`);
    if (result.rejected) {
      const sample = result.results.filter((r) => r.status === 'rejected').slice(0, 3);
      log.warn({ rejected: result.rejected, sample }, 'invalid OpenLineage events on Kafka skipped');
    }
    // Committing the last message of a partition commits every earlier offset of that partition.
    const last = new Map<number, Msg>();
    for (const m of messages) last.set(m.partition, m);
    for (const m of last.values()) await m.commit();
  }

  async function consumeOnce() {
    consumer = new Consumer({
      groupId: config.groupId,
      clientId: config.clientId,
      bootstrapBrokers: config.brokers,
      deserializers: stringDeserializers,
    });
    const stream = await consumer.consume({
      topics: [config.topic],
      autocommit: false,
      mode: 'committed',
      fallbackMode: 'earliest',
    });
    log.info({ topic: config.topic, groupId: config.groupId }, 'consuming OpenLineage events from Kafka');
    let batch: Msg[] = [];
    let failure: unknown = null;
    let flushing = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      const current = batch;
      batch = [];
      if (current.length && !failure) {
        flushing = flushing
          .then(() => store(current))
          .catch((error) => {
            failure = error;
            void consumer?.close(true).catch(() => {});
          });
      }
      return flushing;
    };
    for await (const message of stream as AsyncIterable<Msg>) {
      if (failure || closed) break;
      batch.push(message);
      if (batch.length >= config.batchSize) await flush();
      else timer ??= setTimeout(() => void flush(), 100);
    }
    await flush();
    if (failure) throw failure;
  }

  const running = (async () => {
    while (!closed) {
      try {
        await consumeOnce();
      } catch (error) {
        if (closed) break;
        log.error(
          { err: error },
          'Kafka lineage consumer failed; restarting from the committed offsets in 5 s',
        );
      }
      await consumer?.close(true).catch(() => {});
      if (!closed) await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  })();

  return {
    async close() {
      closed = true;
      await consumer?.close(true).catch(() => {});
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}
