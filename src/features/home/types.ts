export type ServiceStatus = 'up' | 'degraded' | 'down' | 'unknown';

/** One service as GET /api/services returns it. */
export interface ServiceView {
  id: string;
  name: string;
  url: string;
  description: string | null;
  icon: string | null;
  tags: string[];
  owner: string | null;
  docs: string | null;
  group: string;
  source: 'config' | 'kubernetes' | 'docker';
  probe: string | null;
  status: ServiceStatus;
  since: string | null;
  lastCheck: string | null;
  latencyMs: number | null;
  error: string | null;
  uptime24h: number | null;
  uptime7d: number | null;
  sparkline: (number | null)[];
}

export interface ServiceGroupView {
  name: string;
  collapsed: boolean;
  services: ServiceView[];
}

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

export interface ServiceHistory {
  id: string;
  from: string;
  to: string;
  buckets: HistoryBucket[];
  failures: { at: string; status: ServiceStatus; error: string | null }[];
}

export interface DiscoveryState {
  leader: boolean;
  sources: { name: string; ok: boolean; warning: string | null; lastUpdate: string | null; count: number }[];
  problems: { source: string; object: string; reason: string; at: string }[];
}

export const STATUS_LABEL: Record<ServiceStatus, string> = {
  up: 'Up',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
};

/** Failing first: the order of the wall screen and of the status filter. */
export const STATUS_RANK: Record<ServiceStatus, number> = { down: 0, degraded: 1, unknown: 2, up: 3 };
