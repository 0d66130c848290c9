// The Home API as both tiers see it (the SPA imports it with `import type` from '@contracts/services').
// Types and zod schemas only: nothing here may import server code.
import { z } from 'zod';

/** Ids of services: declared (`id`, or the name made URL-safe) or discovered. */
export const SERVICE_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export type ProbeStatus = 'up' | 'degraded' | 'down';
export type ServiceStatus = ProbeStatus | 'unknown';
/** Where a service comes from: `config`, or the name of a discovery source (`kubernetes`, `docker`). */
export type ServiceSource = string;

/** A key figure a service's probe read from the product ("2 running apps"); never a secret. */
export interface ServiceFigure {
  /** What is counted, in words that follow the value: `running apps`, `failed tasks`, `memory used`. */
  label: string;
  value: number | string;
  /** `danger` for broken things (failed tasks above zero), `warn` for worrying ones. */
  tone?: 'danger' | 'warn';
}

/** What the browser sees of a service's health. */
export interface ServiceHealth {
  status: ServiceStatus;
  since: string | null;
  lastCheck: string | null;
  latencyMs: number | null;
  error: string | null;
  uptime24h: number | null;
  uptime7d: number | null;
  /** Recent latencies in ms, oldest first (null where the probe failed). */
  sparkline: (number | null)[];
  /** What the last probe read from the product, most telling first; empty when it had none or failed. */
  figures: ServiceFigure[];
}

/** One service in GET /api/services: no probe settings, headers or credentials. */
export interface ServiceView extends ServiceHealth {
  id: string;
  name: string;
  url: string;
  description: string | null;
  icon: string | null;
  tags: string[];
  owner: string | null;
  docs: string | null;
  group: string;
  source: ServiceSource;
  /** The preset kind (`spark`, `kafka-connect`), or null when none was given or found. */
  kind: string | null;
  /** The probe type, or null when the service is not probed. */
  probe: string | null;
}

export interface ServiceGroupView {
  name: string;
  collapsed: boolean;
  services: ServiceView[];
}

/** The body of GET /api/services. */
export interface ServiceList {
  version: number;
  warnings: string[];
  groups: ServiceGroupView[];
}

export interface HistoryBucket {
  at: string;
  n: number;
  up: number;
  degraded: number;
  down: number;
  latencyAvg: number | null;
  latencyMax: number | null;
}

export interface ServiceFailure {
  at: string;
  status: ProbeStatus;
  error: string | null;
}

/** GET /api/services/:id/history. */
export interface ServiceHistory {
  id: string;
  from: string;
  to: string;
  buckets: HistoryBucket[];
  failures: ServiceFailure[];
}

export interface DiscoverySourceStatus {
  name: string;
  ok: boolean;
  warning: string | null;
  lastUpdate: string | null;
  count: number;
}

/** An annotated object that could not become a service, shown to admins. */
export interface DiscoveryProblem {
  source: string;
  /** e.g. `Ingress lab/kafka-ui` or `container /minio`. */
  object: string;
  reason: string;
  at: string;
}

/** GET /api/services/discovery (admins). */
export interface DiscoveryState {
  leader: boolean;
  sources: DiscoverySourceStatus[];
  problems: DiscoveryProblem[];
}

/** GET /api/services/favourites: the ids of the caller's favourite services. */
export const favouriteIds = z.object({ ids: z.array(z.string()) });

export const serviceParams = z.strictObject({
  id: z.string().regex(SERVICE_ID, 'expected a service id'),
});

const DAY = 86_400_000;
export const historyQuery = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .transform(({ from, to }) => {
    const end = to ? new Date(to) : new Date();
    return { from: from ? new Date(from) : new Date(end.getTime() - DAY), to: end };
  })
  .refine(({ from, to }) => from < to, 'from must be before to')
  .refine(
    ({ from, to }) => to.getTime() - from.getTime() <= 400 * DAY,
    'the range may span at most 400 days',
  );

/** Live topic of Home. */
export const SERVICES_TOPIC = 'services';

/** A hint that the list changed: clients refetch their role-filtered list (and history on state changes). */
export interface ServicesLiveEvent {
  topic: typeof SERVICES_TOPIC;
  type: 'changed';
  data: { version: number; stateChanged: boolean };
}

/** A step of a browser check, as results name it. */
export type BrowserStepKind =
  | 'goto'
  | 'waitFor'
  | 'click'
  | 'fill'
  | 'expectText'
  | 'expectNoText'
  | 'signIn';

/** One step that ran: its number (from 1), kind, what it aimed at (never a secret) and how long it took. */
export interface BrowserStepTiming {
  n: number;
  kind: BrowserStepKind;
  target: string;
  ms: number;
}

/** What the last browser check of a service found. */
export interface BrowserCheckReport {
  at: string;
  status: ProbeStatus;
  totalMs: number;
  /** Largest Contentful Paint of the first page, when Chromium reported one. */
  lcpMs: number | null;
  /** The steps that ran, the failed one last. */
  steps: BrowserStepTiming[];
  failed: { n: number; kind: BrowserStepKind; target: string; message: string } | null;
}

/** A stored screenshot: a failure's, or the last good one. */
export interface BrowserCheckShot {
  id: number;
  at: string;
  ok: boolean;
  step: number | null;
  kind: BrowserStepKind | null;
  message: string | null;
  /** GET URL of the image; null when the caller may not see screenshots or none was taken. */
  image: string | null;
  /** GET URL of the failure's Playwright trace (a zip, secrets masked); null when none or not allowed. */
  trace: string | null;
  /** Why a failure has no trace (too large, browser gone); null otherwise. */
  traceNote: string | null;
}

/** GET /api/services/:id/checks. */
export interface BrowserCheckList {
  id: string;
  last: BrowserCheckReport | null;
  lastGood: BrowserCheckShot | null;
  /** Newest first. */
  failures: BrowserCheckShot[];
  /** False when this service's screenshots are for admins only and the caller is not one. */
  screenshots: boolean;
}

export const checkShotParams = z.strictObject({
  id: z.string().regex(SERVICE_ID, 'expected a service id'),
  shot: z.string().regex(/^\d{1,15}\.(png|jpg|zip)$/, 'expected <number>.png, .jpg or .zip (trace)'),
});
