// Builders of realistic OpenLineage events for tests and benchmarks.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python';
export const RUN_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const facet = (schema: string) => ({
  _producer: PRODUCER,
  _schemaURL: `https://openlineage.io/spec/facets/1-1-1/${schema}.json#/$defs/${schema}`,
});

export const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', `${name}.json`), 'utf8'));

export interface DsSpec {
  namespace?: string;
  name: string;
  fields?: string[];
  /** output field -> [input dataset name, input field][] */
  columns?: Record<string, [string, string][]>;
}

export function runEvent(options: {
  eventType?: string;
  runId?: string;
  time?: Date | string;
  job: string;
  jobNamespace?: string;
  inputs?: DsSpec[];
  outputs?: DsSpec[];
  runFacets?: Record<string, unknown>;
  jobFacets?: Record<string, unknown>;
}) {
  const ds = (spec: DsSpec) => {
    const namespace = spec.namespace ?? 'postgres://db:5432';
    const facets: Record<string, unknown> = {};
    if (spec.fields)
      facets.schema = {
        ...facet('SchemaDatasetFacet'),
        fields: spec.fields.map((name) => ({ name, type: 'text' })),
      };
    if (spec.columns) {
      facets.columnLineage = {
        ...facet('ColumnLineageDatasetFacet'),
        fields: Object.fromEntries(
          Object.entries(spec.columns).map(([field, inputs]) => [
            field,
            { inputFields: inputs.map(([name, f]) => ({ namespace, name, field: f, transformations: [] })) },
          ]),
        ),
      };
    }
    return { namespace, name: spec.name, facets };
  };
  const time = options.time ?? new Date();
  return {
    eventType: options.eventType ?? 'COMPLETE',
    eventTime: typeof time === 'string' ? time : time.toISOString(),
    producer: PRODUCER,
    schemaURL: RUN_SCHEMA,
    run: { runId: options.runId ?? randomUUID(), facets: options.runFacets ?? {} },
    job: { namespace: options.jobNamespace ?? 'dbt', name: options.job, facets: options.jobFacets ?? {} },
    inputs: (options.inputs ?? []).map(ds),
    outputs: (options.outputs ?? []).map(ds),
  };
}
