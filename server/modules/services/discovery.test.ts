import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import type { ServiceList as ServiceListJson } from './contract.ts';

const ingress = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name,
    namespace: 'lab',
    resourceVersion: '5',
    annotations: { 'labdeck.io/enabled': 'true', ...annotations },
  },
  spec: { rules: [{ host: `${name}.lab.example`, http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] },
});

describe('discovered services in the API', () => {
  let app: TestApp;
  let failing = false;
  let watch: ServerResponse | undefined;
  const items = [
    ingress('target', { 'labdeck.io/name': 'Discovered twin', 'labdeck.io/probe': 'none' }),
    ingress('superset', {
      'labdeck.io/icon': 'superset',
      'labdeck.io/probe': 'none',
      'labdeck.io/group': 'BI',
    }),
    ingress('broken', { 'labdeck.io/probe': '{"type":"carrier-pigeon"}' }),
  ];
  const api = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== '/apis/networking.k8s.io/v1/ingresses') return res.writeHead(404).end('{}');
    if (failing) return res.writeHead(503).end('{"message":"apiserver unavailable"}');
    if (url.searchParams.get('watch')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      watch = res;
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ kind: 'IngressList', metadata: { resourceVersion: '10' }, items }));
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    app = await startTestApp({
      config: `
services:
  groups:
    - name: Declared
      services:
        - { id: target, name: Declared target, url: "http://127.0.0.1:9/", probe: false }
  discovery:
    kubernetes: { enabled: true, apiServer: "http://127.0.0.1:${(api.address() as AddressInfo).port}", kinds: [Ingress] }
`,
    });
  });
  afterAll(async () => {
    await app?.close();
    api.closeAllConnections();
    api.close();
  });

  const services = async () => (await (await app.fetch('/api/services')).json()) as ServiceListJson;
  const flat = async () =>
    (await services()).groups.flatMap((g) => g.services.map((s) => `${g.name}/${s.id}/${s.source}`));

  it('merges discovered services, declared ones winning on the same id', async () => {
    await expect.poll(flat).toEqual(['Declared/target/config', 'BI/superset/kubernetes']);
  });

  it('answers 304 to a matching If-None-Match and serves gzip from memory', async () => {
    const first = await app.fetch('/api/services', { headers: { 'accept-encoding': 'gzip' } });
    expect(first.headers.get('content-encoding')).toBe('gzip');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect((await app.fetch('/api/services', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('shows skipped objects with their reason to admins', async () => {
    const body = (await (await app.fetch('/api/services/discovery')).json()) as {
      sources: unknown[];
      problems: unknown[];
    };
    expect(body.sources).toEqual([expect.objectContaining({ name: 'kubernetes', ok: true, count: 2 })]);
    expect(body.problems).toEqual([
      expect.objectContaining({
        object: 'Ingress lab/broken',
        reason: expect.stringMatching(/^probe\.type: /),
      }),
    ]);
  });

  it('adds watched objects without restart, and keeps the last list with a warning when the API fails', async () => {
    watch!.write(
      `${JSON.stringify({ type: 'ADDED', object: ingress('datahub', { 'labdeck.io/probe': 'none' }) })}\n`,
    );
    await expect.poll(flat).toContain('Discovered/datahub/kubernetes');
    failing = true;
    watch!.destroy();
    await expect
      .poll(async () => (await services()).warnings, { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^Kubernetes: Ingress: HTTP 503 .*\(showing the last known list\)$/)]);
    expect(await flat()).toEqual([
      'Declared/target/config',
      'BI/superset/kubernetes',
      'Discovered/datahub/kubernetes',
    ]);
  });
});
