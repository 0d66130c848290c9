/**
 * `npm run lab`: a whole lab on this machine. Starts the real Kafka and Trino (installed by
 * `npm run lab:install`), the Schema Registry when installed, then Labdeck configured against them, and
 * stops everything on Ctrl+C.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startKafka } from './kafka/broker.ts';
import { type SchemaRegistry, startSchemaRegistry } from './schema-registry/server.ts';
import { startTrino } from './trino/server.ts';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, '.lab', 'labdeck');
mkdirSync(dir, { recursive: true });

console.error('lab: starting Kafka and Trino (first start takes ~15 s) ...');
const [kafka, trino, registry] = await Promise.all([
  startKafka({ dir: path.join(root, '.lab', 'kafka', 'data'), port: 9092 }),
  startTrino({ port: Number(process.env.TRINO_PORT ?? 8085) }),
  // Optional: peeks decode Avro/JSON Schema/Protobuf through it.
  startSchemaRegistry({
    dir: path.join(root, '.lab', 'schema-registry', 'run'),
    port: Number(process.env.SCHEMA_REGISTRY_PORT ?? 8081),
  }).catch((error: Error): SchemaRegistry | null => {
    console.error(`lab: no Schema Registry (${error.message.split('\n')[0]})`);
    return null;
  }),
]);
console.error(
  `lab: Kafka at ${kafka.bootstrap}, Trino at ${trino.url}${registry ? `, Schema Registry at ${registry.url}` : ''}`,
);

const configFile = path.join(dir, 'labdeck.yaml');
writeFileSync(
  configFile,
  `# Written by npm run lab: Labdeck against this machine's lab servers.
services:
  groups:
    - name: Lab
      services:
        - { id: kafka, name: Kafka, url: "http://${kafka.bootstrap}", icon: kafka, tags: [streams],
            probe: { type: kafka, brokers: ["${kafka.bootstrap}"] } }
        - { id: trino, name: Trino, url: "${trino.url}/ui/", icon: trino, tags: [sql],
            probe: { type: trino, url: "${trino.url}" } }
sql:
  connections:
    - { id: trino, name: Lab Trino, engine: trino, url: "${trino.url}", catalog: tpch, schema: tiny }
streams:
  clusters:
    - { id: lab, name: Lab Kafka, bootstrap: "${kafka.bootstrap}"${registry ? `, schemaRegistry: { url: "${registry.url}" }` : ''} }
`,
);

const labdeck = spawn(process.execPath, [path.join(root, 'server/main.ts')], {
  cwd: dir,
  stdio: 'inherit',
  env: { ...process.env, LABDECK_CONFIG: configFile },
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const exited = labdeck.exitCode === null ? once(labdeck, 'exit') : Promise.resolve();
  labdeck.kill('SIGTERM');
  await Promise.allSettled([exited, kafka.stop(), trino.stop(), registry?.stop()]);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
labdeck.on('exit', () => void stop());
