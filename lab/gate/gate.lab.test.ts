// The lab's gate as nginx really runs it (Debian's nginx, `apt-get install nginx`; without it this test
// FAILS, never skips): what nginx does with each answer of Labdeck's /api/gate/auth. Labdeck's side is a
// small stand-in here that answers as issue #21's contract says (signed out 401, a denied role 403,
// allowed 200 with identity headers); e2e/lab-tour.lab.spec.ts runs the same config against the real one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gate, startGate } from './server.ts';

const signIn = 'http://labdeck.lab.localhost:1/signin?returnTo=';
const denied = 'http://labdeck.lab.localhost:1/denied?service=Dagster';

/** What the stand-in Labdeck's gate endpoint was asked, newest last. */
const asked: http.IncomingHttpHeaders[] = [];

function labdeckStandIn(request: http.IncomingMessage, response: http.ServerResponse): void {
  if (request.url === '/api/gate/auth') {
    asked.push(request.headers);
    const session = /session=(\w+)/.exec(request.headers.cookie ?? '')?.[1];
    const original = String(request.headers['x-original-url']);
    if (!session) {
      response.writeHead(401, { 'x-labdeck-sign-in': `${signIn}${encodeURIComponent(original)}` });
    } else if (session === 'analyst' && original.includes('dagster.')) {
      response.writeHead(403, { 'x-labdeck-denied': denied });
    } else {
      response.writeHead(200, {
        'x-forwarded-user': session,
        'x-forwarded-email': `${session}@lab.example`,
        'x-forwarded-groups': `lab-${session}s`,
      });
    }
    response.end();
  } else if (request.url === '/api/events') {
    // The first event goes out at once, the stream stays open: a buffering proxy would hold it back.
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: hello\n\n');
  } else {
    response.end(JSON.stringify({ app: 'labdeck', headers: request.headers }));
  }
}

/** The UI: echoes what reached it; answers a websocket upgrade with 101. */
function uiStandIn(request: http.IncomingMessage, response: http.ServerResponse): void {
  response.end(JSON.stringify({ app: 'ui', url: request.url, headers: request.headers }));
}

const listen = async (server: http.Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const labdeck = http.createServer(labdeckStandIn);
const ui = http.createServer(uiStandIn);
ui.on('upgrade', (request, socket) => {
  socket.end(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Seen-User: ${request.headers['x-forwarded-user']}\r\n\r\n`,
  );
});
let gate: Gate;

beforeAll(async () => {
  const [labdeckAddress, uiAddress] = [await listen(labdeck), await listen(ui)];
  gate = await startGate({
    labdeck: labdeckAddress,
    sites: [
      { name: 'trino', upstream: uiAddress },
      { name: 'dagster', upstream: uiAddress, websockets: true },
    ],
  });
});

afterAll(async () => {
  await gate?.stop();
  labdeck.close();
  ui.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to the gate as a browser at `http://<host>.lab.localhost:<port><path>` sends it (Node cannot resolve *.localhost). */
function get(host: string, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: gate.port, path, headers: { host: `${host}:${gate.port}`, ...headers } },
        (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode!, headers: response.headers, body }),
          );
        },
      )
      .on('error', reject);
  });
}

describe('a gated UI (trino.lab.localhost)', () => {
  it('sends a signed-out browser to the sign-in address Labdeck names, with the URL it asked for', async () => {
    const answer = await get('trino.lab.localhost', '/ui/query.html?id=1');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe(
      `${signIn}${encodeURIComponent(`http://trino.lab.localhost:${gate.port}/ui/query.html?id=1`)}`,
    );
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(asked.at(-1)?.['x-original-method']).toBe('GET');
  });

  it('sends a denied browser to the denied address Labdeck names', async () => {
    const answer = await get('dagster.lab.localhost', '/', { cookie: 'session=analyst' });
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe(denied);
  });

  it('passes an allowed request to the UI with the identity Labdeck answered, the cookie to Labdeck', async () => {
    const answer = await get('trino.lab.localhost', '/ui/api/query', { cookie: 'session=analyst' });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body) as { app: string; url: string; headers: http.IncomingHttpHeaders };
    expect(seen).toMatchObject({ app: 'ui', url: '/ui/api/query' });
    expect(seen.headers).toMatchObject({
      host: `trino.lab.localhost:${gate.port}`,
      'x-forwarded-host': `trino.lab.localhost:${gate.port}`,
      'x-forwarded-proto': 'http',
      'x-forwarded-user': 'analyst',
      'x-forwarded-email': 'analyst@lab.example',
      'x-forwarded-groups': 'lab-analysts',
    });
    expect(asked.at(-1)?.cookie).toBe('session=analyst');
  });

  it('never lets a browser name itself: forged identity headers reach neither Labdeck nor the UI', async () => {
    const forged = { 'x-forwarded-user': 'admin', 'x-forwarded-groups': 'lab-admins' };
    expect((await get('trino.lab.localhost', '/ui/', forged)).status).toBe(302);
    expect(asked.at(-1)?.['x-forwarded-user']).toBeUndefined();
    const answer = await get('trino.lab.localhost', '/ui/', { ...forged, cookie: 'session=operator' });
    const seen = JSON.parse(answer.body) as { headers: http.IncomingHttpHeaders };
    expect(seen.headers['x-forwarded-user']).toBe('operator');
    expect(seen.headers['x-forwarded-groups']).toBe('lab-operators');
  });

  it('carries a websocket upgrade through, once allowed', async () => {
    const upgraded = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({
          host: '127.0.0.1',
          port: gate.port,
          path: '/graphql',
          headers: {
            host: `dagster.lab.localhost:${gate.port}`,
            cookie: 'session=operator',
            connection: 'Upgrade',
            upgrade: 'websocket',
          },
        })
        .on('upgrade', (response, socket) => {
          socket.destroy();
          resolve(response);
        })
        .on('response', (response) => reject(new Error(`no upgrade: HTTP ${response.statusCode}`)))
        .on('error', reject);
    });
    expect(upgraded.statusCode).toBe(101);
    expect(upgraded.headers['x-seen-user']).toBe('operator');
  });
});

describe('Labdeck itself (labdeck.lab.localhost)', () => {
  it('is served without asking the gate, with the headers trustProxy reads and no browser-made identity', async () => {
    const before = asked.length;
    const answer = await get('labdeck.lab.localhost', '/api/me', { 'x-forwarded-user': 'admin' });
    const seen = JSON.parse(answer.body) as { app: string; headers: http.IncomingHttpHeaders };
    expect(seen.app).toBe('labdeck');
    expect(seen.headers).toMatchObject({
      host: `labdeck.lab.localhost:${gate.port}`,
      'x-forwarded-host': `labdeck.lab.localhost:${gate.port}`,
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '127.0.0.1',
    });
    expect(seen.headers['x-forwarded-user']).toBeUndefined();
    expect(asked.length).toBe(before);
  });

  it('streams live events as they come', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const request = http.get(
        {
          host: '127.0.0.1',
          port: gate.port,
          path: '/api/events',
          headers: { host: `labdeck.lab.localhost:${gate.port}` },
        },
        (response) =>
          response.once('data', (chunk: Buffer) => {
            request.destroy();
            resolve(chunk.toString());
          }),
      );
      request.on('error', reject);
      request.setTimeout(5_000, () => reject(new Error('the first event did not arrive within 5 s')));
    });
    expect(first).toContain('data: hello');
  });
});

it('answers an unknown host name with where to go instead', async () => {
  const answer = await get('grafana.lab.localhost', '/');
  expect(answer.status).toBe(404);
  expect(answer.body).toContain(`http://labdeck.lab.localhost:${gate.port}/`);
});
