import { fileURLToPath } from 'node:url';
import { startKafka } from './broker.ts';

// KAFKA_SECURITY=1 adds the SASL_PLAINTEXT, SSL and SASL_SSL listeners on the next three ports (its own data
// dir: SCRAM users are added when the storage is formatted).
const secure = Boolean(process.env.KAFKA_SECURITY);
const dir = fileURLToPath(new URL(`../../.lab/kafka/${secure ? 'data-secure' : 'data'}`, import.meta.url));
const port = Number(process.env.KAFKA_PORT ?? 9092);
const controllerPort = process.env.KAFKA_CONTROLLER_PORT
  ? Number(process.env.KAFKA_CONTROLLER_PORT)
  : undefined;

const security = secure && { saslPort: port + 1, sslPort: port + 2, saslSslPort: port + 3 };
const broker = await startKafka({ dir, port, controllerPort, security });
console.log(`Kafka ready on ${broker.bootstrap} (data and logs in ${broker.dir}); Ctrl-C stops it`);
if (broker.security) {
  const { sasl, ssl, saslSsl, mechanisms, users, caFile } = broker.security;
  console.log(`SASL_PLAINTEXT ${sasl}, SSL ${ssl}, SASL_SSL ${saslSsl} (${mechanisms.join(', ')})`);
  console.log(`users: ${users.map((u) => `${u.name} / ${u.password}`).join(', ')}; CA: ${caFile}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    console.log('stopping Kafka...');
    await broker.stop();
    process.exit(0);
  });
}
