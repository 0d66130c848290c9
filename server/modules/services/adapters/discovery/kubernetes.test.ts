import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDef } from '../../types.ts';
import { kubernetesSource } from './kubernetes.ts';
import type { DiscoveryProblem, DiscoverySource } from './types.ts';

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects of every shape, built and patched by the test
type Obj = Record<string, any>;

const ingress = (name: string, annotations: Record<string, string>, host = `${name}.lab.example`): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'lab', uid: `uid-${name}`, resourceVersion: '1', annotations },
  spec: {
    ingressClassName: 'nginx',
    tls: [{ hosts: [host], secretName: `${name}-tls` }],
    rules: [
      {
        host,
        http: {
          paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }],
        },
      },
    ],
  },
});

const collections: Record<string, { kind: string; items: Obj[] }> = {
  '/apis/networking.k8s.io/v1/ingresses': {
    kind: 'IngressList',
    items: [
      ingress('trino', {
        'labdeck.io/enabled': 'true',
        'labdeck.io/group': 'Data',
        'labdeck.io/icon': 'trino',
        'labdeck.io/probe': 'none',
      }),
      ingress('not-mine', {}),
      ingress('broken', {
        'labdeck.io/enabled': 'true',
        'labdeck.io/href': 'ftp://nope',
        'labdeck.io/probe': 'none',
      }),
    ],
  },
  '/api/v1/services': {
    kind: 'ServiceList',
    items: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'minio',
          namespace: 'storage',
          resourceVersion: '2',
          annotations: {
            'labdeck.io/enabled': 'true',
            'labdeck.io/roles': 'admin, ops',
            'labdeck.io/probe': 'tcp',
          },
        },
        spec: { type: 'ClusterIP', ports: [{ name: 'api', port: 9000, targetPort: 9000, protocol: 'TCP' }] },
      },
    ],
  },
  '/apis/gateway.networking.k8s.io/v1/httproutes': {
    kind: 'HTTPRouteList',
    items: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: {
          name: 'grafana',
          namespace: 'obs',
          resourceVersion: '3',
          annotations: {
            'labdeck.io/enabled': 'true',
            'labdeck.io/name': 'Grafana',
            'labdeck.io/probe': '{"type":"http","keyword":"ok"}',
          },
        },
        spec: {
          parentRefs: [{ name: 'gw' }],
          hostnames: ['grafana.lab.example'],
          rules: [{ backendRefs: [{ name: 'grafana', port: 3000 }] }],
        },
      },
    ],
  },
};

describe('Kubernetes discovery against a server speaking the list/watch API', () => {
  const watches = new Map<string, ServerResponse>();
  const requests: { path: string; query: URLSearchParams; auth?: string }[] = [];
  let failLists = false;
  let url: string;
  let source: DiscoverySource;
  let latest: { services: ServiceDef[]; problems: DiscoveryProblem[] } = { services: [], problems: [] };
  let warning: string | null = null;
  const server = createServer((req, res) => {
    const parsed = new URL(req.url!, 'http://x');
    requests.push({ path: parsed.pathname, query: parsed.searchParams, auth: req.headers.authorization });
    const collection = collections[parsed.pathname];
    if (!collection) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
      return;
    }
    if (parsed.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      watches.set(parsed.pathname, res);
      return;
    }
    if (failLists) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd is sad' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: collection.kind,
        metadata: { resourceVersion: '100' },
        items: collection.items,
      }),
    );
  });

  const send = (path: string, event: Obj) => watches.get(path)!.write(`${JSON.stringify(event)}\n`);
  const ids = () => latest.services.map((s) => s.id).sort();
  const INGRESSES = '/apis/networking.k8s.io/v1/ingresses';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    source = kubernetesSource({
      enabled: true,
      apiServer: url,
      token: 'sa-token',
      namespaces: [],
      kinds: ['Ingress', 'Service', 'HTTPRoute'],
      insecureSkipTlsVerify: false,
    });
    source.start({
      update: (services, problems) => {
        latest = { services, problems };
        warning = null;
      },
      failed: (message) => {
        warning = message;
      },
    });
  });
  afterAll(async () => {
    await source.stop();
    server.closeAllConnections();
    server.close();
  });

  it('lists annotated Ingresses, Services and HTTPRoutes with the service account token', async () => {
    await expect.poll(ids).toEqual(['grafana', 'minio', 'trino']);
    expect(requests.every((r) => r.auth === 'Bearer sa-token')).toBe(true);
    const byId = Object.fromEntries(latest.services.map((s) => [s.id, s]));
    expect(byId.trino).toMatchObject({
      url: 'https://trino.lab.example/',
      group: 'Data',
      icon: 'trino',
      source: 'kubernetes',
      probe: null,
    });
    expect(byId.minio).toMatchObject({
      url: 'http://minio.storage.svc:9000/',
      roles: ['admin', 'ops'],
      group: 'Discovered',
      probe: { type: 'tcp' },
    });
    expect(byId.grafana).toMatchObject({
      name: 'Grafana',
      url: 'https://grafana.lab.example/',
      probe: { type: 'http', keyword: 'ok' },
    });
    expect(latest.problems).toEqual([
      expect.objectContaining({
        source: 'kubernetes',
        object: 'Ingress lab/broken',
        reason: 'href: expected an http(s) URL, got "ftp://nope"',
      }),
    ]);
  });

  it('follows ADDED, MODIFIED and DELETED watch events, and BOOKMARK moves the resource version', async () => {
    await expect.poll(() => watches.has(INGRESSES)).toBe(true);
    send(INGRESSES, {
      type: 'ADDED',
      object: {
        ...ingress('kafka-ui', { 'labdeck.io/enabled': 'true', 'labdeck.io/probe': 'none' }),
        metadata: {
          ...ingress('kafka-ui', {}).metadata,
          resourceVersion: '101',
          annotations: { 'labdeck.io/enabled': 'true', 'labdeck.io/probe': 'none' },
        },
      },
    });
    await expect.poll(ids).toEqual(['grafana', 'kafka-ui', 'minio', 'trino']);
    const renamed = ingress('kafka-ui', {
      'labdeck.io/enabled': 'true',
      'labdeck.io/name': 'Kafka UI',
      'labdeck.io/id': 'kafka-ui',
      'labdeck.io/probe': 'none',
    });
    renamed.metadata.resourceVersion = '102';
    send(INGRESSES, { type: 'MODIFIED', object: renamed });
    await expect.poll(() => latest.services.find((s) => s.id === 'kafka-ui')?.name).toBe('Kafka UI');
    send(INGRESSES, {
      type: 'DELETED',
      object: { ...renamed, metadata: { ...renamed.metadata, resourceVersion: '103' } },
    });
    await expect.poll(ids).toEqual(['grafana', 'minio', 'trino']);
    send(INGRESSES, {
      type: 'BOOKMARK',
      object: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', metadata: { resourceVersion: '150' } },
    });
    // The server closes the watch (timeoutSeconds): the next watch resumes from the bookmark.
    watches.get(INGRESSES)!.end();
    watches.delete(INGRESSES);
    await expect.poll(() => watches.has(INGRESSES)).toBe(true);
    const resumed = requests.filter((r) => r.path === INGRESSES && r.query.get('watch') === '1').at(-1)!;
    expect(resumed.query.get('resourceVersion')).toBe('150');
    expect(resumed.query.get('allowWatchBookmarks')).toBe('true');
  });

  it('relists after 410 Gone', async () => {
    const lists = () => requests.filter((r) => r.path === INGRESSES && !r.query.has('watch')).length;
    const before = lists();
    collections[INGRESSES]!.items.push(
      ingress('superset', { 'labdeck.io/enabled': 'true', 'labdeck.io/probe': 'none' }),
    );
    send(INGRESSES, {
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'too old resource version: 100 (150)',
        reason: 'Expired',
        code: 410,
      },
    });
    await expect.poll(lists).toBe(before + 1);
    await expect.poll(ids).toEqual(['grafana', 'minio', 'superset', 'trino']);
  });

  it('keeps the last known list with a warning when the API fails, and recovers', async () => {
    failLists = true;
    watches.get(INGRESSES)!.destroy();
    watches.delete(INGRESSES);
    await expect
      .poll(() => warning, { timeout: 10_000 })
      .toMatch(/Kubernetes: Ingress: HTTP 500 .*etcd is sad/);
    expect(ids()).toEqual(['grafana', 'minio', 'superset', 'trino']);
    failLists = false;
    await expect.poll(() => warning, { timeout: 10_000 }).toBeNull();
    expect(ids()).toEqual(['grafana', 'minio', 'superset', 'trino']);
  });
});
