import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { ServiceDef } from '../../types.ts';
import { serviceFromAnnotations } from './annotations.ts';
import { type Endpoint, getJson, HttpStatusError, jsonLines, openGet, sleep } from './http-stream.ts';
import { type DiscoveryProblem, type DiscoverySink, type DiscoverySource, defineDiscovery } from './types.ts';

const PREFIX = 'labdeck.io/';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface KubeObject {
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
}

interface Resource {
  kind: 'Ingress' | 'Service' | 'HTTPRoute';
  /** Collection path with `{ns}` for a namespace scope. */
  path: (namespace?: string) => string;
}

const RESOURCES: Resource[] = [
  { kind: 'Ingress', path: (ns) => `/apis/networking.k8s.io/v1/${ns ? `namespaces/${ns}/` : ''}ingresses` },
  { kind: 'Service', path: (ns) => `/api/v1/${ns ? `namespaces/${ns}/` : ''}services` },
  {
    kind: 'HTTPRoute',
    path: (ns) => `/apis/gateway.networking.k8s.io/v1/${ns ? `namespaces/${ns}/` : ''}httproutes`,
  },
];

export const kubernetesConfig = z.strictObject({
  enabled: z.boolean().default(false),
  /** API server URL; absent means in-cluster (service account) or the kubeconfig below. */
  apiServer: z.url({ protocol: /^https?$/ }).optional(),
  /** Path of a kubeconfig file (current context is used). */
  kubeconfig: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  /** Namespaces to watch; empty means all. */
  namespaces: z.array(z.string().min(1)).default([]),
  kinds: z.array(z.enum(['Ingress', 'Service', 'HTTPRoute'])).default(['Ingress', 'Service', 'HTTPRoute']),
  insecureSkipTlsVerify: z.boolean().default(false),
});

export type KubernetesConfig = z.output<typeof kubernetesConfig>;

class GoneError extends Error {}

/**
 * Kubernetes discovery: list + watch of Ingress, Service and HTTPRoute objects annotated
 * `labdeck.io/enabled: "true"`, over the REST API (no client library). Relists on 410 Gone.
 */
export function kubernetesSource(
  config: KubernetesConfig,
  env: NodeJS.ProcessEnv = process.env,
): DiscoverySource {
  const controller = new AbortController();
  const objects = new Map<string, Map<string, KubeObject>>();
  const failures = new Map<string, string>();
  let sink: DiscoverySink | undefined;
  let emitTimer: NodeJS.Timeout | undefined;
  const loops: Promise<void>[] = [];

  function emitSoon() {
    clearTimeout(emitTimer);
    emitTimer = setTimeout(emit, 50);
  }

  function emit() {
    if (failures.size) {
      sink?.failed(`Kubernetes: ${[...failures.values()][0]}`);
      return;
    }
    const services: ServiceDef[] = [];
    const problems: DiscoveryProblem[] = [];
    const seen = new Set<string>();
    for (const [kind, map] of objects) {
      for (const object of map.values()) {
        const converted = toService(kind as Resource['kind'], object);
        if (!converted) continue;
        const label = `${kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        if ('reason' in converted)
          problems.push({
            source: 'kubernetes',
            object: label,
            reason: converted.reason,
            at: new Date().toISOString(),
          });
        else if (seen.has(converted.service.id)) {
          problems.push({
            source: 'kubernetes',
            object: label,
            reason: `duplicate id ${converted.service.id}`,
            at: new Date().toISOString(),
          });
        } else {
          seen.add(converted.service.id);
          services.push(converted.service);
        }
      }
    }
    sink?.update(services, problems);
  }

  async function watchLoop(endpoint: Endpoint, resource: Resource, namespace: string | undefined) {
    const key = `${resource.kind}:${namespace ?? '*'}`;
    const map = new Map<string, KubeObject>();
    let resourceVersion = '';
    let attempt = 0;
    const signal = controller.signal;
    while (!signal.aborted) {
      try {
        if (!resourceVersion) {
          const list = await getJson<{ metadata?: { resourceVersion?: string }; items?: KubeObject[] }>(
            endpoint,
            resource.path(namespace),
            signal,
          );
          map.clear();
          for (const item of list.items ?? []) map.set(objectKey(item), item);
          resourceVersion = list.metadata?.resourceVersion ?? '0';
          sync(resource.kind, namespace, map);
          failures.delete(key);
          emitSoon();
        }
        const query = `?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(resourceVersion)}`;
        const res = await openGet(endpoint, resource.path(namespace) + query, signal);
        attempt = 0;
        for await (const line of jsonLines(res)) {
          const event = line as { type?: string; object?: KubeObject & { code?: number; message?: string } };
          const object = event.object;
          if (event.type === 'ERROR') {
            if (object?.code === 410) throw new GoneError(object.message ?? 'resource version too old');
            throw new Error(`watch error ${object?.code ?? ''} ${object?.message ?? ''}`.trim());
          }
          if (object?.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
          if (!object?.metadata?.name) continue;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') map.set(objectKey(object), object);
          else if (event.type === 'DELETED') map.delete(objectKey(object));
          else continue; // BOOKMARK only moves the resource version
          sync(resource.kind, namespace, map);
          emitSoon();
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof GoneError) {
          resourceVersion = '';
          continue;
        }
        if (error instanceof HttpStatusError && error.status === 404 && resource.kind === 'HTTPRoute') {
          // Gateway API not installed in this cluster: nothing to discover, look again later.
          failures.delete(key);
          map.clear();
          sync(resource.kind, namespace, map);
          emitSoon();
          await sleep(60_000, signal);
          continue;
        }
        if (error instanceof HttpStatusError && error.status === 410) {
          resourceVersion = '';
          continue;
        }
        failures.set(key, `${resource.kind}: ${(error as Error).message}`);
        emitSoon();
        await sleep(Math.min(30_000, 500 * 2 ** attempt++), signal);
        resourceVersion = '';
      }
    }
  }

  // One map per kind collects the objects of every namespace scope of that kind.
  const scoped = new Map<string, Map<string, KubeObject>>();
  function sync(kind: string, namespace: string | undefined, map: Map<string, KubeObject>) {
    scoped.set(`${kind}:${namespace ?? '*'}`, map);
    const merged = new Map<string, KubeObject>();
    for (const [scope, part] of scoped)
      if (scope.startsWith(`${kind}:`)) for (const [k, v] of part) merged.set(k, v);
    objects.set(kind, merged);
  }

  return {
    name: 'kubernetes',
    start(target) {
      sink = target;
      let endpoint: Endpoint;
      try {
        endpoint = kubeEndpoint(config, env);
      } catch (error) {
        target.failed(`Kubernetes: ${(error as Error).message}`);
        return;
      }
      const namespaces = config.namespaces.length ? config.namespaces : [undefined];
      for (const resource of RESOURCES.filter((r) => config.kinds.includes(r.kind))) {
        for (const namespace of namespaces) loops.push(watchLoop(endpoint, resource, namespace));
      }
    },
    async stop() {
      controller.abort();
      clearTimeout(emitTimer);
      await Promise.allSettled(loops);
    },
  };
}

const objectKey = (object: KubeObject) => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

function toService(
  kind: Resource['kind'],
  object: KubeObject,
): { service: ServiceDef } | { reason: string } | null {
  const annotations = object.metadata.annotations ?? {};
  if (annotations[`${PREFIX}enabled`] !== 'true') return null;
  return serviceFromAnnotations(
    {
      get: (key) => annotations[PREFIX + key],
      name: object.metadata.name,
      href: defaultHref(kind, object),
      image: object.metadata.labels?.['app.kubernetes.io/name'],
    },
    'kubernetes',
  );
}

function defaultHref(kind: Resource['kind'], object: KubeObject): string | undefined {
  const spec = (object.spec ?? {}) as KubeSpec;
  if (kind === 'Ingress') {
    const rule = list(spec.rules).find((r) => typeof r?.host === 'string');
    if (!rule?.host) return undefined;
    const host = rule.host;
    const tls = list(spec.tls).some((t) => list(t?.hosts).includes(host));
    const pathPart = list(rule.http?.paths)[0]?.path;
    return `${tls ? 'https' : 'http'}://${host}${typeof pathPart === 'string' && pathPart.startsWith('/') ? pathPart : '/'}`;
  }
  if (kind === 'HTTPRoute') {
    const host = list(spec.hostnames)[0];
    return typeof host === 'string' ? `https://${host}/` : undefined;
  }
  const port = list(spec.ports)[0];
  if (!port?.port) return undefined;
  const scheme = port.port === 443 || port.name === 'https' ? 'https' : 'http';
  return `${scheme}://${object.metadata.name}.${object.metadata.namespace ?? 'default'}.svc:${port.port}/`;
}

/** The loosely typed parts of Ingress, Service and HTTPRoute specs that Labdeck reads. */
interface KubeSpec {
  rules?: { host?: string; http?: { paths?: { path?: string }[] } }[];
  tls?: { hosts?: string[] }[];
  hostnames?: string[];
  ports?: { port?: number; name?: string }[];
}

const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);

/** apiServer+token from labdeck.yaml, else the in-cluster service account, else a kubeconfig. */
export function kubeEndpoint(config: KubernetesConfig, env: NodeJS.ProcessEnv): Endpoint {
  const rejectUnauthorized = !config.insecureSkipTlsVerify;
  if (config.apiServer) {
    return {
      base: new URL(config.apiServer),
      headers: config.token ? { authorization: `Bearer ${config.token}` } : {},
      tls: { rejectUnauthorized },
    };
  }
  if (!config.kubeconfig && env.KUBERNETES_SERVICE_HOST && existsSync(path.join(SA_DIR, 'token'))) {
    const host = env.KUBERNETES_SERVICE_HOST.includes(':')
      ? `[${env.KUBERNETES_SERVICE_HOST}]`
      : env.KUBERNETES_SERVICE_HOST;
    return {
      base: new URL(`https://${host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`),
      headers: { authorization: `Bearer ${readFileSync(path.join(SA_DIR, 'token'), 'utf8').trim()}` },
      tls: { ca: readFileSync(path.join(SA_DIR, 'ca.crt')), rejectUnauthorized },
    };
  }
  const file =
    config.kubeconfig ?? env.KUBECONFIG?.split(path.delimiter)[0] ?? path.join(homedir(), '.kube', 'config');
  if (!existsSync(file)) throw new Error(`no in-cluster service account and no kubeconfig at ${file}`);
  return fromKubeconfig(readFileSync(file, 'utf8'), path.dirname(file), rejectUnauthorized);
}

function fromKubeconfig(text: string, dir: string, rejectUnauthorized: boolean): Endpoint {
  // biome-ignore lint/suspicious/noExplicitAny: kubeconfig is free-form YAML, checked field by field below
  const doc = parse(text) as Record<string, any>;
  const named = (list: unknown, name: string) =>
    Array.isArray(list) ? list.find((entry) => entry?.name === name) : undefined;
  const context = named(doc.contexts, doc['current-context'])?.context;
  if (!context) throw new Error('kubeconfig: current-context not found');
  const cluster = named(doc.clusters, context.cluster)?.cluster;
  const user = named(doc.users, context.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig: cluster ${context.cluster} has no server`);
  const material = (data: unknown, file: unknown) =>
    typeof data === 'string'
      ? Buffer.from(data, 'base64')
      : typeof file === 'string'
        ? readFileSync(path.resolve(dir, file))
        : undefined;
  const token =
    typeof user.token === 'string'
      ? user.token
      : typeof user.tokenFile === 'string'
        ? readFileSync(path.resolve(dir, user.tokenFile), 'utf8').trim()
        : undefined;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  else if (typeof user.username === 'string')
    headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
  return {
    base: new URL(cluster.server),
    headers,
    tls: {
      ca: material(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: material(user['client-certificate-data'], user['client-certificate']),
      key: material(user['client-key-data'], user['client-key']),
      rejectUnauthorized: rejectUnauthorized && cluster['insecure-skip-tls-verify'] !== true,
    },
  };
}

/** Services from Ingress, Service and HTTPRoute objects annotated `labdeck.io/*`. */
export const kubernetesDiscovery = defineDiscovery({
  name: 'kubernetes',
  config: kubernetesConfig.prefault({}),
  create: (config) => kubernetesSource(config),
});
