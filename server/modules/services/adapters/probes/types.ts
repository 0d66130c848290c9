import type { z } from 'zod';
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
