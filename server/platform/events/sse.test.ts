import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from './bus.ts';
import { SseHub } from './sse.ts';

describe('SseHub audience', () => {
  const bus = createMemoryBus();
  const hub = new SseHub(bus, { heartbeatMs: 60_000 });
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    const app = express();
    app.use((req, _res, next) => {
      req.user = { id: 'ana', name: 'Ana', roles: [String(req.query.role)] };
      next();
    });
    app.get('/events', hub.handler());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => {
      hub.stop();
      server.close();
    };
  });
  afterAll(() => close());

  async function firstMessage(role: string): Promise<string> {
    const controller = new AbortController();
    const res = await fetch(`${base}/events?topics=t&role=${role}`, { signal: controller.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: hello')) text += (await reader.read()).value ?? '';
    bus.publish({ topic: 't', type: 'for-operators', data: {}, roles: ['operator'] });
    bus.publish({ topic: 't', type: 'for-everyone', data: {} });
    while (!text.includes('event: message')) text += (await reader.read()).value ?? '';
    while (!text.includes('for-everyone')) text += (await reader.read()).value ?? '';
    controller.abort();
    return text.slice(text.indexOf('event: message'));
  }

  it('delivers role-restricted events only to users holding the role', async () => {
    expect(await firstMessage('operator')).toContain('for-operators');
    const analyst = await firstMessage('analyst');
    expect(analyst).not.toContain('for-operators');
    expect(analyst).toContain('for-everyone');
  });
});
