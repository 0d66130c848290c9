/** What the Streams lab tests and e2e specs do around the real lab servers: poll, create topics, produce, register schemas. */
import { Admin, type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { stringify } from 'yaml';
import type { SchemaRegistry } from '../schema-registry/server.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads every 200 ms until `ok` holds; the timeout error names `what` and the last value read. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

/** labdeck.yaml text with one Streams cluster, id `lab`, given its other settings (`${ENV}` references stay as written). */
export function labClusterConfig(cluster: { bootstrap: string } & Record<string, unknown>): string {
  return stringify({ streams: { clusters: [{ id: 'lab', ...cluster }] } });
}

/** A cluster's `schemaRegistry` settings for `registry`, its password read from `${SR_PASSWORD}` in `env`. */
export function registryConnection(registry: SchemaRegistry): {
  settings: { url: string; username?: string; password?: string };
  env: Record<string, string>;
} {
  const { url, auth } = registry;
  if (!auth) return { settings: { url }, env: {} };
  return {
    settings: { url, username: auth.username, password: '${SR_PASSWORD}' },
    env: { SR_PASSWORD: auth.password },
  };
}

/** Creates `topics` (one replica each) through a short-lived admin client. */
export async function createTopics(bootstrap: string, topics: string[], partitions: number): Promise<void> {
  const admin = new Admin({ clientId: 'labdeck-test-admin', bootstrapBrokers: [bootstrap], retries: 5 });
  try {
    await admin.createTopics({ topics, partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/** Sends `messages` once, acknowledged by all replicas, through a short-lived producer. */
export async function produce(bootstrap: string, messages: MessageToProduce[]): Promise<void> {
  const producer = new Producer({
    clientId: 'labdeck-test-producer',
    bootstrapBrokers: [bootstrap],
    retries: 3,
  });
  try {
    await producer.send({ acks: ProduceAcks.ALL, messages });
  } finally {
    await producer.close();
  }
}

/** Registers a schema under `subject` over the Confluent-compatible API (with the registry's basic auth); returns its id. */
export async function registerSchema(
  registry: SchemaRegistry,
  subject: string,
  body: {
    schema: string;
    schemaType?: string;
    references?: { name: string; subject: string; version: number }[];
  },
): Promise<number> {
  const { auth } = registry;
  const res = await fetch(`${registry.url}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: {
      ...(auth && {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      }),
      'content-type': 'application/vnd.schemaregistry.v1+json',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`registering ${subject}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/**
 * `payload` as Confluent serializers send it: magic byte 0, the schema id (4 bytes, big-endian), the
 * encoded data. Written here, apart from the BFF's decoder, so specs check it against a producer's bytes.
 */
export function confluentFramed(schemaId: number, payload: Uint8Array): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(schemaId);
  return Buffer.concat([Buffer.of(0), id, payload]);
}
