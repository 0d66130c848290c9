import { z } from 'zod';
import { discoverySection } from './adapters/discovery/index.ts';
import { PRESET_KINDS, servicePreset } from './adapters/presets/registry.ts';
import { probeSchema } from './adapters/probes/registry.ts';
import { SERVICE_ID } from './contract.ts';

/** Ids are used in URLs, SSE events and the history table. */
const id = z.string().regex(SERVICE_ID, 'expected lower-case letters, digits, ".", "_" or "-" (max 128)');
const httpUrl = z.url({ protocol: /^https?$/ });
const role = z.string().min(1).max(64);

const gateHost = z
  .string()
  .regex(
    /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/i,
    'expected a host name, optionally with :port',
  );
const pathPrefix = z.string().regex(/^\/[^\s?#]{0,500}$/, 'expected a path starting with /');

/** Who may enter the service through Labdeck's forward-auth gate (GET /api/gate/auth). */
const accessSchema = z.strictObject({
  /** Host names (`name` or `name:port`) whose requests belong to the service; default: the url's host. */
  hosts: z.array(gateHost).min(1).max(50).optional(),
  /** Path prefixes the service owns on those hosts; default the whole host. */
  paths: z.array(pathPrefix).min(1).max(50).optional(),
  /** Roles that may enter; default: the service's `roles` (empty: everyone signed in). */
  roles: z.array(role).optional(),
  /** Path prefixes anyone may reach without signing in (health checks, static assets). */
  publicPaths: z.array(pathPrefix).max(50).optional(),
  /** Identity headers the gate hands to the UI; default all four. */
  headers: z.array(z.enum(['user', 'email', 'groups', 'preferredUsername'])).optional(),
});

const serviceObject = z.strictObject({
  /** Stable id; derived from the group and name when absent. */
  id: id.optional(),
  name: z.string().min(1).max(120),
  url: httpUrl,
  description: z.string().max(500).optional(),
  /** A preset (spark, kafka-connect, minio...): icon and probe from the product's own status API. */
  kind: z.enum(PRESET_KINDS).optional(),
  /** A bundled icon name (kafka, trino, postgresql...) or an http(s) URL of an image. */
  icon: z.string().min(1).max(500).optional(),
  tags: z.array(z.string().min(1).max(40)).max(20).default([]),
  owner: z.string().max(120).optional(),
  docs: httpUrl.optional(),
  /** Roles allowed to see the service; empty means everyone signed in. */
  roles: z.array(role).default([]),
  /** How to check health; absent means an HTTP GET of `url`, `false` means not probed. */
  probe: z.union([z.literal(false), probeSchema]).optional(),
  access: accessSchema.optional(),
});

/**
 * A service as written, with its kind's preset filled in before validation: the preset's icon where none
 * is given, and its probe where none is given; a probe without `type` is laid over the preset's probe
 * (`probe: { timeoutMs: 10000 }`), so every field can be overridden and errors keep the written path.
 */
export function withPreset(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const service = input as Record<string, unknown>;
  if (typeof service.kind !== 'string' || !PRESET_KINDS.includes(service.kind)) return input;
  if (typeof service.url !== 'string' || !URL.canParse(service.url)) return input;
  const preset = servicePreset(service.kind);
  const written = service.probe;
  const probe =
    written === undefined
      ? preset.probe(service.url)
      : isTypeless(written)
        ? { ...preset.probe(service.url), ...written }
        : written;
  return { ...service, icon: service.icon ?? preset.icon, probe };
}

const isTypeless = (probe: unknown): probe is Record<string, unknown> =>
  typeof probe === 'object' && probe !== null && !Array.isArray(probe) && !('type' in probe);

export const serviceSchema = z.preprocess(withPreset, serviceObject);

export const groupSchema = z.strictObject({
  name: z.string().min(1).max(120),
  collapsed: z.boolean().default(false),
  services: z.array(serviceSchema).default([]),
});

export const servicesSection = z
  .strictObject({
    groups: z.array(groupSchema).default([]),
    probes: z
      .strictObject({
        intervalMs: z.number().int().min(500).max(3_600_000).default(30_000),
        timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
        concurrency: z.number().int().min(1).max(1_000).default(32),
        /** Fraction of the interval added or removed at random, so probes spread out. */
        jitter: z.number().min(0).max(0.5).default(0.1),
        /** Wait between probes of a failing service; absent means its interval (a longer one is ignored). */
        retryIntervalMs: z.number().int().min(500).max(3_600_000).optional(),
        /** A service down this long is probed less and less often; until then at its (retry) interval. */
        backoffAfterMs: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 3_600_000)
          .default(600_000),
        /** Longest wait between probes of a service that is down (backoff doubles up to this). */
        maxBackoffMs: z.number().int().min(500).max(3_600_000).default(120_000),
        /** Latency above which an answering service counts as degraded. */
        slowMs: z.number().int().min(1).default(2_000),
      })
      .prefault({}),
    retention: z
      .strictObject({
        /** How long results are kept at all. */
        days: z.number().min(0.01).max(400).default(7),
        /** Raw results older than this are downsampled into 5-minute buckets. */
        rawHours: z
          .number()
          .min(0.01)
          .max(24 * 30)
          .default(24),
      })
      .prefault({}),
    discovery: discoverySection,
    /** Probes of type `browser`: one shared headless Chromium per BFF. */
    browserChecks: z
      .strictObject({
        /** Checks at once; more wait for a free slot within their own time box. */
        concurrency: z.number().int().min(1).max(16).default(2),
        /** Failure screenshots kept per service (the newest), each with its Playwright trace. */
        keepFailures: z.number().int().min(1).max(500).default(20),
        /** Largest Playwright trace kept of a failure (a larger one is dropped, the screenshot kept); 0: no traces. */
        maxTraceBytes: z.number().int().min(0).max(100_000_000).default(5_000_000),
        /** Chromium to run; default PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, Debian's chromium-headless-shell, /usr/bin/chromium. */
        executablePath: z.string().min(1).optional(),
      })
      .prefault({}),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    for (const [g, group] of section.groups.entries()) {
      for (const [s, service] of group.services.entries()) {
        const id = declaredId(service);
        const path = ['groups', g, 'services', s, service.id ? 'id' : 'name'];
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path, message: `duplicate service id "${id}"` });
        seen.add(id);
      }
    }
  })
  .prefault({});

/** The id of a declared service: its `id`, or its name made URL-safe. */
export function declaredId(service: { id?: string; name: string }): string {
  return (
    service.id ??
    (service.name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+|-+$/g, '')
      .slice(0, 128) ||
      'service')
  );
}

export type ServicesConfig = z.output<typeof servicesSection>;
export type DeclaredService = z.output<typeof serviceSchema>;
export type ServiceAccess = z.output<typeof accessSchema>;
