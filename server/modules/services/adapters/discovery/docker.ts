import { z } from 'zod';
import type { ServiceDef } from '../../types.ts';
import { serviceFromAnnotations } from './annotations.ts';
import { type Endpoint, getJson, jsonLines, openGet, sleep } from './http-stream.ts';
import { type DiscoveryProblem, type DiscoverySink, type DiscoverySource, defineDiscovery } from './types.ts';

const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A host name, an IPv4 address or an IPv6 address in brackets: what goes between `http://` and `:port`. */
const LINK_HOST = new RegExp(`^(?:${label}(?:\\.${label})*|\\[[0-9A-Fa-f:.]+\\])$`);

export const dockerConfig = z.strictObject({
  enabled: z.boolean().default(false),
  socket: z.string().min(1).default('/var/run/docker.sock'),
  /**
   * Host of the links built from a container's published port (`http://<linkHost>:<port>/`): the Docker
   * host's name as the browsers reach it. `localhost` is right only when the browser runs on that host.
   */
  linkHost: z
    .string()
    .regex(LINK_HOST, 'expected a host name or IP address (IPv6 in brackets), without scheme or port')
    .default('localhost'),
});

export type DockerConfig = z.output<typeof dockerConfig>;

const PREFIX = 'labdeck.';

interface Container {
  Id: string;
  Names?: string[];
  Image?: string;
  Labels?: Record<string, string>;
  Ports?: { PrivatePort?: number; PublicPort?: number; IP?: string; Type?: string }[];
}

/**
 * Docker discovery: running containers labelled `labdeck.enabled=true`, relisted on container events. A
 * container without `labdeck.href` links to its first published TCP port on `config.linkHost`.
 */
export function dockerSource(config: DockerConfig): DiscoverySource {
  const controller = new AbortController();
  const endpoint: Endpoint = { base: new URL('http://docker/'), socketPath: config.socket };
  let loop: Promise<void> | undefined;
  let relistTimer: NodeJS.Timeout | undefined;

  async function relist(sink: DiscoverySink) {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${PREFIX}enabled=true`] }));
    const containers = await getJson<Container[]>(
      endpoint,
      `/containers/json?filters=${filters}`,
      controller.signal,
    );
    const services: ServiceDef[] = [];
    const problems: DiscoveryProblem[] = [];
    const seen = new Set<string>();
    for (const container of containers) {
      const labels = container.Labels ?? {};
      if (labels[`${PREFIX}enabled`] !== 'true') continue;
      const name = (container.Names?.[0] ?? container.Id.slice(0, 12)).replace(/^\//, '');
      const port = container.Ports?.find((p) => p.PublicPort && p.Type !== 'udp');
      const converted = serviceFromAnnotations(
        {
          get: (key) => labels[PREFIX + key],
          name,
          href: port ? `http://${config.linkHost}:${port.PublicPort}/` : undefined,
          image: container.Image,
        },
        'docker',
      );
      const at = new Date().toISOString();
      if ('reason' in converted)
        problems.push({ source: 'docker', object: `container ${name}`, reason: converted.reason, at });
      else if (seen.has(converted.service.id))
        problems.push({
          source: 'docker',
          object: `container ${name}`,
          reason: `duplicate id ${converted.service.id}`,
          at,
        });
      else {
        seen.add(converted.service.id);
        services.push(converted.service);
      }
    }
    sink.update(services, problems);
  }

  async function run(sink: DiscoverySink) {
    let attempt = 0;
    const signal = controller.signal;
    while (!signal.aborted) {
      try {
        const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
        const events = await openGet(endpoint, `/events?filters=${filters}`, signal);
        await relist(sink);
        attempt = 0;
        for await (const event of jsonLines(events)) {
          const action = String(
            (event as { Action?: string; status?: string }).Action ??
              (event as { status?: string }).status ??
              '',
          );
          if (!/^(start|stop|die|destroy|kill|pause|unpause|rename|update|create)/.test(action)) continue;
          clearTimeout(relistTimer);
          relistTimer = setTimeout(
            () => relist(sink).catch((error) => sink.failed(`Docker: ${(error as Error).message}`)),
            100,
          );
        }
        throw new Error('event stream ended');
      } catch (error) {
        if (signal.aborted) return;
        sink.failed(`Docker: ${(error as Error).message}`);
        await sleep(Math.min(30_000, 500 * 2 ** attempt++), signal);
      }
    }
  }

  return {
    name: 'docker',
    start(sink) {
      loop = run(sink);
    },
    async stop() {
      controller.abort();
      clearTimeout(relistTimer);
      await loop;
    },
  };
}

/** Services from running containers labelled `labdeck.*`. */
export const dockerDiscovery = defineDiscovery({
  name: 'docker',
  config: dockerConfig.prefault({}),
  create: (config) => dockerSource(config),
});
