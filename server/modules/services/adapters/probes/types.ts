import { z } from 'zod';
import type { BrowserCheckRunner } from '../../browser/checks.ts';

import type { ProbeStatus, ServiceFigure } from '../../contract.ts';

export type { ProbeStatus, ServiceFigure };

/** What one probe run found. Latency is measured by the scheduler; adapters may refine it. */
export interface ProbeOutcome {
  status: ProbeStatus;
  /** Why the service is degraded or down; shown to users, so never include credentials. */
  error?: string;
  latencyMs?: number;
  /** Key figures the product reported (running apps, failed tasks); shown to users: never secrets. */
  figures?: ServiceFigure[];
}

export interface ProbeContext {
  signal: AbortSignal;
  timeoutMs: number;
  /** The service's own URL, the default target of URL-based probes. */
  serviceUrl: string;
  /** The probed service's id (browser checks file their screenshots under it). */
  serviceId?: string;
  /** The services module's shared headless browser, for `browser` probes. */
  browser?: BrowserCheckRunner;
}

// biome-ignore lint/suspicious/noExplicitAny: any strict object schema with a literal `type`
type ProbeSchema = z.ZodObject<any, any>;

/** One kind of health check (one file each), registered in registry.ts. */
export interface ProbeAdapter<S extends ProbeSchema = ProbeSchema> {
  type: string;
  schema: S;
  run(config: z.output<S>, ctx: ProbeContext): Promise<ProbeOutcome>;
}

export const defineProbe = <S extends ProbeSchema>(adapter: ProbeAdapter<S>): ProbeAdapter<S> => adapter;

/** Error text safe to show (shared with the job sources). */
export { describeError } from '../../../../platform/http-json.ts';

/** Every probe type's own interval and time box (absent: `services.probes` defaults). */
export const probeTiming = {
  intervalMs: z.number().int().min(500).optional(),
  timeoutMs: z.number().int().min(100).optional(),
};

/** Where an HTTP-based probe asks: its base URL (default the service url) and TLS verification. */
export const httpTarget = {
  url: z.url({ protocol: /^https?$/ }).optional(),
  tlsVerify: z.boolean().default(true),
};

/** Extra request headers (a token via ${ENV}); they never leave the server. */
export const requestHeaders = z
  .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected a header name'), z.string().max(4096))
  .default({});
