import { adapterLookup } from '../../../../platform/registry.ts';
import { dagsterPreset } from './dagster.ts';
import { datahubPreset } from './datahub.ts';
import { flinkPreset } from './flink.ts';
import { jupyterPreset } from './jupyter.ts';
import { kafkaConnectPreset } from './kafka-connect.ts';
import { kubernetesPreset } from './kubernetes.ts';
import {
  airflowPreset,
  httpPreset,
  kafkaPreset,
  postgresPreset,
  tcpPreset,
  trinoPreset,
} from './lab-kinds.ts';
import { metabasePreset } from './metabase.ts';
import { minioPreset } from './minio.ts';
import { mlflowPreset } from './mlflow.ts';
import { mongodbPreset } from './mongodb.ts';
import { redisPreset } from './redis.ts';
import { schemaRegistryPreset } from './schema-registry.ts';
import { sparkPreset } from './spark.ts';
import { supersetPreset } from './superset.ts';
import type { ServicePreset } from './types.ts';
import { valkeyPreset } from './valkey.ts';

/** Every service kind: one file each, one line here. */
export const servicePresets = [
  schemaRegistryPreset,
  dagsterPreset,
  sparkPreset,
  kafkaConnectPreset,
  mlflowPreset,
  jupyterPreset,
  minioPreset,
  flinkPreset,
  metabasePreset,
  supersetPreset,
  datahubPreset,
  kubernetesPreset,
  redisPreset,
  valkeyPreset,
  mongodbPreset,
  httpPreset,
  tcpPreset,
  postgresPreset,
  kafkaPreset,
  trinoPreset,
  airflowPreset,
] as const satisfies readonly ServicePreset[];

export const PRESET_KINDS = servicePresets.map((preset) => preset.kind) as [string, ...string[]];

export const servicePreset = adapterLookup<ServicePreset>(
  'service kind',
  servicePresets.map((preset) => [preset.kind, preset]),
);

type PresetAdapter = (typeof servicePresets)[number] extends infer P
  ? P extends { adapter: infer A }
    ? A
    : never
  : never;

/** The probe types presets bring (registered beside the plain ones in probes/registry.ts). */
export const presetProbes = servicePresets.flatMap((preset) =>
  'adapter' in preset ? [preset.adapter] : [],
) as PresetAdapter[];

/**
 * The kind of a container image (`bitnami/spark:3.5`, `quay.io/jupyter/base-notebook@sha256:...`) or of an
 * `app.kubernetes.io/name` label (`spark`), from the presets' well-known image names; null when none matches.
 */
export function kindOfImage(image: string | undefined): string | null {
  if (!image) return null;
  let name = image.toLowerCase().split('@')[0]!;
  const tag = name.indexOf(':', name.lastIndexOf('/') + 1);
  if (tag >= 0) name = name.slice(0, tag);
  name = name.replace(/^(docker\.io\/)?(library\/)?/, '');
  const [first, ...rest] = name.split('/');
  const names = rest.length && /[.:]|^localhost$/.test(first!) ? [name, rest.join('/')] : [name];
  for (const preset of servicePresets) {
    if (names.includes(preset.kind)) return preset.kind;
    const images: readonly string[] = 'images' in preset ? preset.images : [];
    for (const pattern of images) {
      const matches = pattern.endsWith('/*')
        ? (candidate: string) => candidate.startsWith(pattern.slice(0, -1))
        : (candidate: string) => candidate === pattern;
      if (names.some(matches)) return preset.kind;
    }
  }
  return null;
}
