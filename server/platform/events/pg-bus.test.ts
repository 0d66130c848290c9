import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../test/harness.ts';
import { migrate, migrationsIn } from '../db/migrate.ts';
import { createDb, type Db } from '../db/pool.ts';
import type { EventBus, LiveEvent } from './bus.ts';
import { createPgBus } from './pg-bus.ts';

describe('the PostgreSQL event bus between replicas', () => {
  const log = pino({ level: 'silent' });
  let url: string;
  let db: Db;
  let replicaA: EventBus;
  let replicaB: EventBus;

  beforeAll(async () => {
    url = await createDatabase(inject('postgresUrl'));
    db = createDb(url, log);
    await migrate(db, migrationsIn('platform', path.join(import.meta.dirname, '../db/migrations')));
    replicaA = await createPgBus(db, url, log);
    replicaB = await createPgBus(db, url, log);
  });
  afterAll(async () => {
    await replicaA.close();
    await replicaB.close();
    await db.close();
  });

  const nextOn = (bus: EventBus) =>
    new Promise<LiveEvent>((resolve) => {
      const off = bus.subscribe((event) => {
        off();
        resolve(event);
      });
    });

  it('delivers an event locally at once and to the other replica exactly once', async () => {
    const seenByA: LiveEvent[] = [];
    const offA = replicaA.subscribe((event) => seenByA.push(event));
    const atB = nextOn(replicaB);
    replicaA.publish({ topic: 'services', type: 'state', data: { id: 'kafka', state: 'down' } });
    expect(seenByA).toHaveLength(1);
    expect(await atB).toEqual({ topic: 'services', type: 'state', data: { id: 'kafka', state: 'down' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seenByA).toHaveLength(1);
    offA();
  });

  it('carries events larger than a NOTIFY payload through the table', async () => {
    const atB = nextOn(replicaB);
    const big = 'x'.repeat(20_000);
    replicaA.publish({ topic: 'lineage', type: 'graph', data: { big } });
    expect(((await atB).data as { big: string }).big).toHaveLength(20_000);
  });
});
