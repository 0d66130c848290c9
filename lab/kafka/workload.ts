/** Real Kafka workloads for lab tests, e2e specs and benchmarks: a producer at a fixed rate, a pausable group. */
import { Consumer, type Message, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka';

export interface RateProducer {
  /** Messages acknowledged so far. */
  sent(): number;
  stop(): Promise<number>;
}

/**
 * Writes `rate` msgs/s (a number, or a function read every tick for a rate that varies) to `topic`, spread
 * over its partitions, until stopped, catching up after slow sends. `value(n)` makes the n-th message's value.
 */
export function produceAtRate(
  bootstrap: string,
  topic: string,
  rate: number | (() => number),
  options: { tickMs?: number; valueBytes?: number; value?: (n: number) => Buffer; clientId?: string } = {},
): RateProducer {
  const producer = new Producer({
    clientId: options.clientId ?? 'labdeck-test-producer',
    bootstrapBrokers: [bootstrap],
    retries: 3,
  });
  const tickMs = options.tickMs ?? 20;
  const fixedValue = Buffer.alloc(options.valueBytes ?? 100, 'x');
  const makeValue = options.value ?? (() => fixedValue);
  const rateNow = typeof rate === 'number' ? () => rate : rate;
  let last = performance.now();
  let due = 0;
  let sent = 0;
  let inFlight: Promise<unknown> | undefined;
  let lastError: unknown;
  const timer = setInterval(() => {
    const now = performance.now();
    due += ((now - last) / 1000) * rateNow();
    last = now;
    if (inFlight || due < 1) return;
    const count = Math.min(Math.floor(due), 10_000);
    due -= count;
    const first = sent;
    const messages = Array.from({ length: count }, (_, i) => ({
      topic,
      key: Buffer.from(String((first + i) % 1000)),
      value: makeValue(first + i),
    }));
    inFlight = producer
      .send({ messages, acks: ProduceAcks.LEADER })
      .then(() => {
        sent += count;
      })
      .catch((error) => {
        lastError = error;
        due += count;
      })
      .finally(() => {
        inFlight = undefined;
      });
  }, tickMs);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await inFlight;
      await producer.close().catch(() => {});
      if (sent === 0 && lastError) throw lastError;
      return sent;
    },
  };
}

export interface GroupConsumer {
  consumed(): number;
  /** Stops processing and committing; the member stays in the group (heartbeats go on). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A real consumer group member that commits what it processed every `commitMs`. */
export async function startGroupConsumer(
  bootstrap: string,
  groupId: string,
  topic: string,
  commitMs = 200,
): Promise<GroupConsumer> {
  const consumer = new Consumer({
    clientId: `labdeck-test-${groupId}`,
    groupId,
    bootstrapBrokers: [bootstrap],
    autocommit: false,
    maxWaitTime: 200,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: 'earliest',
    autocommit: false,
  });
  let consumed = 0;
  let paused = false;
  const latest = new Map<number, Message>();
  stream.on('data', (message: Message) => {
    consumed++;
    latest.set(message.partition, message);
  });
  stream.on('error', () => {});
  const timer = setInterval(() => {
    if (paused) return;
    for (const [partition, message] of latest) {
      latest.delete(partition);
      void Promise.resolve(message.commit()).catch(() => {});
    }
  }, commitMs);
  return {
    consumed: () => consumed,
    pause() {
      paused = true;
      stream.pause();
    },
    resume() {
      paused = false;
      stream.resume();
    },
    async close() {
      clearInterval(timer);
      await stream.close().catch(() => {});
      await consumer.close(true).catch(() => {});
    },
  };
}
