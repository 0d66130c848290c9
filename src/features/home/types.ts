import type { ServiceStatus } from '@contracts/services';

export type {
  BrowserCheckList,
  BrowserCheckShot,
  DiscoveryState,
  HistoryBucket,
  ServiceGroupView,
  ServiceHistory,
  ServiceList,
  ServiceStatus,
  ServiceView,
} from '@contracts/services';

export const STATUS_LABEL: Record<ServiceStatus, string> = {
  up: 'Up',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
};

/** Failing first: the order of the wall screen and of the status filter. */
export const STATUS_RANK: Record<ServiceStatus, number> = { down: 0, degraded: 1, unknown: 2, up: 3 };
