import type { ServiceFigure } from '../../contract.ts';
import type { ProbeAdapter } from '../probes/types.ts';

/**
 * A kind of service Labdeck knows (`kind: spark` in labdeck.yaml): its icon, the probe it gets when the
 * service declares none (built from the service url), and, where the kind needs one, the probe adapter
 * that asks the product's own health or status API and reads key figures from the answer.
 */
export interface ServicePreset {
  kind: string;
  /** A bundled icon name (src/features/home/icons.ts). */
  icon: string;
  /** The probe (as written in labdeck.yaml) a service of this kind gets by default. */
  probe(serviceUrl: string): Record<string, unknown>;
  /** The kind's own probe type, registered with the other probe types; absent when it reuses one. */
  adapter?: ProbeAdapter;
  /** Container image names (without registry host or tag) that discovery takes for this kind. */
  images?: readonly string[];
}

export const definePreset = <P extends ServicePreset>(preset: P): P => preset;

export type { ServiceFigure };

/** A figure from a number the product reported; nothing when it did not report one. */
export function figure(label: string, value: unknown, tone?: ServiceFigure['tone']): ServiceFigure[] {
  if (typeof value !== 'number' && typeof value !== 'string') return [];
  return [{ label, value, ...(tone ? { tone } : {}) }];
}

/** A count that is bad when above zero (failed tasks). */
export const failures = (label: string, count: number): ServiceFigure[] =>
  figure(label, count, count > 0 ? 'danger' : undefined);

/** `base` + `path`, keeping base's path (a service behind a path prefix). */
export function under(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).href;
}
