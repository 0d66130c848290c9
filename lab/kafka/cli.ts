import { fileURLToPath } from 'node:url';
import { startKafka } from './broker.ts';

const dir = fileURLToPath(new URL('../../.lab/kafka/data', import.meta.url));
const port = Number(process.env.KAFKA_PORT ?? 9092);
const controllerPort = process.env.KAFKA_CONTROLLER_PORT
  ? Number(process.env.KAFKA_CONTROLLER_PORT)
  : undefined;

const broker = await startKafka({ dir, port, controllerPort });
console.log(`Kafka ready on ${broker.bootstrap} (data and logs in ${broker.dir}); Ctrl-C stops it`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    console.log('stopping Kafka...');
    await broker.stop();
    process.exit(0);
  });
}
