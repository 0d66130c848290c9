import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { hasAnyRole } from '../access.ts';
import type { LiveMessage } from '../contract.ts';
import type { User } from '../identity.ts';
import type { EventBus, LiveEvent } from './bus.ts';

export interface SseHubOptions {
  heartbeatMs?: number;
  /** How many recent events are kept for Last-Event-ID resume. */
  replayLimit?: number;
  metrics?: Registry;
}

interface Stored {
  seq: number;
  event: LiveEvent;
}

interface Client {
  res: Response;
  topics: Set<string> | null;
  user: User | undefined;
}

const TOPIC = /^[a-z][a-z0-9._-]{0,63}$/;

/**
 * The one Server-Sent Events endpoint. Ids are `<boot>.<seq>`: a client that reconnects with a
 * Last-Event-ID from this process gets what it missed; from another process (restart, other replica)
 * it gets a `reset` event and refetches its data.
 */
export class SseHub {
  readonly #boot = randomBytes(4).toString('hex');
  readonly #clients = new Set<Client>();
  readonly #recent: Stored[] = [];
  /** The latest event of each state topic, sent to every stream when it opens. */
  readonly #states = new Map<string, Stored>();
  readonly #replayLimit: number;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  #seq = 0;

  constructor(bus: EventBus, options: SseHubOptions = {}) {
    this.#replayLimit = options.replayLimit ?? 2_000;
    this.#unsubscribe = bus.subscribe((event) => {
      if (!event.internal) this.#deliver(event);
    });
    this.#heartbeat = setInterval(
      () => this.#broadcastRaw('event: heartbeat\ndata: {}\n\n'),
      options.heartbeatMs ?? 15_000,
    );
    this.#heartbeat.unref();
    if (options.metrics) {
      const clients = this.#clients;
      new Gauge({
        name: 'labdeck_sse_clients',
        help: 'Open Server-Sent Events streams',
        registers: [options.metrics],
        collect() {
          this.set(clients.size);
        },
      });
    }
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * The id of the latest event: a client that connects with it as Last-Event-ID gets every event after
   * this moment (the SPA's boot data carries it, so changes after the page was built are not missed).
   */
  currentId(): string {
    return `${this.#boot}.${this.#seq}`;
  }

  /**
   * Sends a state of this process (not of the cluster, so it does not travel through the bus) to every
   * stream now and to each stream opened later, until the next state of the same topic replaces it.
   */
  publishState(event: LiveEvent): void {
    this.#states.set(event.topic, this.#deliver(event));
  }

  handler(): RequestHandler {
    return (req, res) => this.#open(req, res);
  }

  /** Ends every stream (graceful shutdown); clients reconnect elsewhere after `retry`. */
  closeAll(): void {
    this.#broadcastRaw('event: shutdown\ndata: {}\n\n');
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }

  stop(): void {
    clearInterval(this.#heartbeat);
    this.#unsubscribe();
    this.closeAll();
  }

  #open(req: Request, res: Response): void {
    const topics = parseTopics(req.query.topics);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const client: Client = { res, topics, user: req.user };
    this.#replay(client, String(req.get('last-event-id') ?? req.query.lastEventId ?? ''));
    for (const state of this.#states.values()) this.#write(client, state);
    this.#clients.add(client);
    req.socket.setNoDelay(true);
    res.on('close', () => this.#clients.delete(client));
  }

  #replay(client: Client, lastEventId: string): void {
    if (!lastEventId) {
      client.res.write(`event: hello\nid: ${this.currentId()}\ndata: {}\n\n`);
      return;
    }
    const [boot, seqText] = lastEventId.split('.');
    const seq = Number(seqText);
    const oldest = this.#recent[0]?.seq ?? this.#seq + 1;
    if (boot !== this.#boot || !Number.isInteger(seq) || seq > this.#seq || seq < oldest - 1) {
      client.res.write(`event: reset\nid: ${this.#boot}.${this.#seq}\ndata: {}\n\n`);
      return;
    }
    for (const stored of this.#recent) if (stored.seq > seq) this.#write(client, stored);
  }

  #deliver(event: LiveEvent): Stored {
    const stored = { seq: ++this.#seq, event };
    this.#recent.push(stored);
    if (this.#recent.length > this.#replayLimit) this.#recent.shift();
    for (const client of this.#clients) this.#write(client, stored);
    return stored;
  }

  #write(client: Client, { seq, event }: Stored): void {
    if (client.topics && !client.topics.has(event.topic)) return;
    if (event.roles && !hasAnyRole(client.user, event.roles)) return;
    const message: LiveMessage = { topic: event.topic, type: event.type, data: event.data };
    const data = JSON.stringify(message);
    client.res.write(`id: ${this.#boot}.${seq}\nevent: message\ndata: ${data}\n\n`);
  }

  #broadcastRaw(frame: string): void {
    for (const client of this.#clients) client.res.write(frame);
  }
}

function parseTopics(value: unknown): Set<string> | null {
  if (typeof value !== 'string' || value === '') return null;
  const topics = value.split(',').filter((topic) => TOPIC.test(topic));
  return topics.length ? new Set(topics) : null;
}
