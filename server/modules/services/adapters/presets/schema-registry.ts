import { defineStatusProbe, notThe } from '../probes/status-api.ts';
import { definePreset, figure } from './types.ts';

/** Confluent Schema Registry API (also Apicurio's `/apis/ccompat/v7`, Redpanda, Karapace): GET subjects. */
export const schemaRegistryPreset = definePreset({
  kind: 'schema-registry',
  icon: 'schema-registry',
  probe: () => ({ type: 'schema-registry' }),
  images: ['confluentinc/cp-schema-registry', 'apicurio/apicurio-registry', 'bitnami/schema-registry'],
  adapter: defineStatusProbe('schema-registry', async (api) => {
    const subjects = await api.ok('subjects');
    if (!Array.isArray(subjects)) return notThe('a Schema Registry', 'subjects');
    return { status: 'up', figures: figure('subjects', subjects.length) };
  }),
});
