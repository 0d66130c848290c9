import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import type { EventBus, LiveEvent, LiveListener } from './bus.ts';

const CHANNEL = 'labdeck_events';
/** NOTIFY payloads are limited to 8000 bytes; bigger events travel through a table. */
const INLINE_LIMIT = 7_000;
const RECONNECT_MS = 2_000;

interface Envelope {
  /** The replica that published: it already delivered locally and skips its own echo. */
  from: string;
  event?: LiveEvent;
  ref?: number;
}

/**
 * Fans live events out to every replica through PostgreSQL LISTEN/NOTIFY. Each replica delivers its
 * own events at once and everyone else's when the notification arrives.
 */
export async function createPgBus(db: Db, url: string, log: Logger): Promise<EventBus> {
  const replica = randomUUID();
  const listeners = new Set<LiveListener>();
  let listener: pg.Client | undefined;
  let closed = false;
  let warnReset: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const deliver = (event: LiveEvent) => {
    for (const fn of listeners) {
      try {
        fn(event);
      } catch (error) {
        log.error({ err: error }, 'live event listener failed');
      }
    }
  };

  async function onNotification(payload: string | undefined) {
    if (!payload) return;
    const envelope = JSON.parse(payload) as Envelope;
    if (envelope.from === replica) return;
    if (envelope.event) return deliver(envelope.event);
    const { rows } = await db.query<{ event: LiveEvent }>(
      'SELECT event FROM live_event_payloads WHERE id = $1',
      [envelope.ref],
    );
    if (rows[0]) deliver(rows[0].event);
  }

  async function connect(): Promise<void> {
    const client = new pg.Client({ connectionString: url, keepAlive: true });
    client.on('notification', (message) => {
      onNotification(message.payload).catch((error) =>
        log.warn({ err: error }, 'bad live event notification'),
      );
    });
    let lost = false;
    const reconnect = (error?: Error) => {
      if (lost) return;
      lost = true;
      const wasListening = listener === client;
      if (wasListening) listener = undefined;
      client.end().catch(() => {});
      if (closed) return;
      if (wasListening) log.warn({ err: error }, 'live event listener connection lost; reconnecting');
      retryLater();
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      reconnect(error as Error);
      throw error;
    }
    if (closed) await client.end().catch(() => {});
    else listener = client;
  }

  /**
   * Keeps trying while PostgreSQL is away (a restart, a failover), without flooding the log. One timer
   * at most: a failed attempt is reported both by its 'error' event and by its rejection, and two retries
   * per failure would double the listening connections with every attempt of a long outage.
   */
  function retryLater(): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch(() => retryLater());
    }, RECONNECT_MS);
    retryTimer.unref();
  }

  await connect().catch((error) => {
    closed = true; // no retries behind a bus that was never returned
    throw error;
  });
  const prune = setInterval(() => {
    db.query("DELETE FROM live_event_payloads WHERE created_at < now() - interval '5 minutes'").catch(
      () => {},
    );
  }, 60_000);
  prune.unref();
  return {
    publish(event) {
      deliver(event);
      const inline = JSON.stringify({ from: replica, event } satisfies Envelope);
      const sent =
        Buffer.byteLength(inline) <= INLINE_LIMIT
          ? db.query('SELECT pg_notify($1, $2)', [CHANNEL, inline])
          : db.query(
              `WITH stored AS (INSERT INTO live_event_payloads (event) VALUES ($2) RETURNING id)
               SELECT pg_notify($1, json_build_object('from', $3::text, 'ref', id)::text) FROM stored`,
              [CHANNEL, JSON.stringify(event), replica],
            );
      sent.catch((error) => {
        // Once per outage: a database restart would otherwise log every event.
        if (warnReset) return;
        log.warn({ err: error, topic: event.topic }, 'live event not sent to other replicas');
        warnReset = setTimeout(() => {
          warnReset = undefined;
        }, 60_000);
        warnReset.unref();
      });
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async close() {
      closed = true;
      clearInterval(prune);
      clearTimeout(warnReset);
      clearTimeout(retryTimer);
      listeners.clear();
      await listener?.end().catch(() => {});
    },
  };
}
