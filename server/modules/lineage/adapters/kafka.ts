// The OpenLineage Kafka transport's topic, consumed in a consumer group: several Labdeck replicas
// share the partitions; offsets are committed only after the events are stored.
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import type { Logger } from '../../../platform/log.ts';
import type { LineageConfig } from '../config.ts';
import type { LineageService } from '../service.ts';

export interface KafkaIngest {
  close(): Promise<void>;
}

export function startKafkaIngest(
  config: LineageConfig['kafka'],
  service: LineageService,
  log: Logger,
): KafkaIngest {
  let closed = false;
  let consumer: Consumer<string, string, string, string> | undefined;
  const run = async () => {
    while (!closed) {
      try {
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
        } as never);
        log.info({ topic: config.topic, groupId: config.groupId }, 'consuming OpenLineage events from Kafka');
        let batch: { value: string; commit: () => unknown }[] = [];
        let timer: NodeJS.Timeout | undefined;
        let flushing = Promise.resolve();
        const flush = () => {
          clearTimeout(timer);
          timer = undefined;
          const current = batch;
          batch = [];
          if (!current.length) return flushing;
          flushing = flushing.then(() => store(current));
          return flushing;
        };
        const store = async (messages: typeof batch) => {
          const bodies = messages.map((m) => {
            try {
              return JSON.parse(m.value) as unknown;
            } catch {
              return m.value;
            }
          });
          const result = await service.ingest(bodies, `kafka:${config.topic}`);
          if (result.rejected) {
            log.warn(
              { rejected: result.results.filter((r) => r.status === 'rejected').slice(0, 5) },
              'invalid OpenLineage events skipped',
            );
          }
          // Committing the last message of the batch commits every earlier offset of its partition.
          const last = new Map<unknown, (typeof messages)[number]>();
          for (const m of messages) last.set((m as unknown as { partition: number }).partition, m);
          for (const m of last.values()) await m.commit();
        };
        for await (const message of stream as AsyncIterable<{ value: string; commit: () => unknown }>) {
          batch.push(message);
          if (batch.length >= config.batchSize) await flush();
          else
            timer ??= setTimeout(
              () =>
                void flush().catch((error) =>
                  log.error({ err: error }, 'storing Kafka lineage batch failed'),
                ),
              200,
            );
          if (closed) break;
        }
        await flush();
      } catch (error) {
        if (closed) break;
        log.error({ err: error }, 'Kafka lineage consumer failed; retrying in 5 s');
        await consumer?.close(true).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 5_000));
      }
    }
  };
  const running = run();
  return {
    async close() {
      closed = true;
      await consumer?.close(true).catch(() => {});
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}
