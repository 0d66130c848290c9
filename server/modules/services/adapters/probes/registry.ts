import type { z } from 'zod';
import { adapterLookup, adapterUnion } from '../../../../platform/registry.ts';
import { presetProbes } from '../presets/registry.ts';
import { airflowProbe } from './airflow.ts';
import { browserProbe } from './browser.ts';
import { httpProbe } from './http.ts';
import { kafkaProbe } from './kafka.ts';
import { postgresProbe } from './postgres.ts';
import { tcpProbe } from './tcp.ts';
import { trinoProbe } from './trino.ts';
import type { ProbeAdapter } from './types.ts';

/** Every probe type: one adapter file each, one line here; kinds with a probe of their own add theirs. */
export const probeAdapters = [
  httpProbe,
  tcpProbe,
  postgresProbe,
  kafkaProbe,
  trinoProbe,
  airflowProbe,
  browserProbe,
  ...presetProbes,
] as const;

/** `probe:` of a service: the schema of the adapter its `type` names (the union of the list above). */
export const probeSchema = adapterUnion('type', probeAdapters);

export type ProbeConfig = z.output<typeof probeSchema>;

export const probeAdapter = adapterLookup(
  'probe type',
  probeAdapters.map((adapter): [string, ProbeAdapter] => [adapter.type, adapter as unknown as ProbeAdapter]),
);
