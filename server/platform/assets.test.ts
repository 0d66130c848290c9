import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test/harness.ts';

/** A raw GET (fetch would decompress and hide the encoding). */
function get(app: TestApp, urlPath: string, headers: Record<string, string> = {}) {
  const url = new URL(urlPath, app.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
        .on('error', reject)
        .end();
    },
  );
}

describe('built assets', () => {
  let app: TestApp;
  const script = `export const x = ${JSON.stringify('labdeck '.repeat(2000))};\n`;
  beforeAll(async () => {
    app = await startTestApp({
      modules: [],
      spa: {
        'index.html': '<html><head></head><body></body></html>',
        'assets/app-abc123.js': script,
        'assets/logo-abc123.png': '\x89PNG',
      },
    });
  });
  afterAll(() => app?.close());

  it('serves scripts gzipped, immutable, with their type; twice the same bytes', async () => {
    const first = await get(app, '/assets/app-abc123.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-encoding': 'gzip',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect(gunzipSync(first.body).toString()).toBe(script);
    expect(first.body.length).toBeLessThan(script.length / 10);
    const again = await get(app, '/assets/app-abc123.js', { 'Accept-Encoding': 'gzip' });
    expect(again.body.equals(first.body)).toBe(true);
  });

  it('leaves other requests to the static files as before', async () => {
    const plain = await get(app, '/assets/app-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
    const image = await get(app, '/assets/logo-abc123.png', { 'Accept-Encoding': 'gzip' });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.status).toBe(200);
    const missing = await get(app, '/assets/missing.js', { 'Accept-Encoding': 'gzip' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/json/);
    expect((await get(app, '/assets/..%2findex.html', { 'Accept-Encoding': 'gzip' })).status).not.toBe(200);
  });
});
