import type { ServiceView } from '../types';

/** A service as GET /api/services lists it: up, configured, probed over HTTP; `extra` overrides. */
export const serviceView = (id: string, extra: Partial<ServiceView> = {}): ServiceView => ({
  id,
  name: id,
  url: `https://${id}.lab`,
  description: null,
  icon: null,
  tags: [],
  owner: null,
  docs: null,
  group: 'Data',
  source: 'config',
  kind: null,
  probe: 'http',
  status: 'up',
  since: null,
  lastCheck: null,
  latencyMs: 3,
  error: null,
  uptime24h: null,
  uptime7d: null,
  sparkline: [],
  figures: [],
  ...extra,
});
