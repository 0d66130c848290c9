import type { ProbeConfig } from './adapters/probes/registry.ts';
import type { ServiceAccess } from './config.ts';
import type { ProbeStatus, ServiceFigure, ServiceHealth, ServiceSource, ServiceStatus } from './contract.ts';

export type { ServiceFigure, ServiceHealth, ServiceSource, ServiceStatus };

/** A service as Labdeck knows it, declared or discovered. `probe` stays on the server. */
export interface ServiceDef {
  id: string;
  name: string;
  url: string;
  description?: string;
  icon?: string;
  tags: string[];
  owner?: string;
  docs?: string;
  roles: string[];
  group: string;
  source: ServiceSource;
  /** The preset kind the service was declared or discovered as. */
  kind?: string;
  /** null: not probed. */
  probe: ProbeConfig | null;
  /** Who may enter through the forward-auth gate; absent: the url's host, the service's roles. */
  access?: ServiceAccess;
}

export interface GroupDef {
  name: string;
  collapsed: boolean;
}

/** One probe result. */
export interface ProbeResult {
  serviceId: string;
  at: number;
  status: ProbeStatus;
  latencyMs: number | null;
  error: string | null;
  /** Key figures the probe read (empty when none). */
  figures: ServiceFigure[];
}

export const STATUS_CODE: Record<ProbeStatus, number> = { down: 0, degraded: 1, up: 2 };
export const STATUS_OF: readonly ProbeStatus[] = ['down', 'degraded', 'up'];
