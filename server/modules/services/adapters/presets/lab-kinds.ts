// Kinds whose probe type already existed: `kind: trino` is enough to get Trino's icon and probe.
import { definePreset } from './types.ts';

/** Postgres and Kafka need credentials or brokers to speak their protocol: by default a TCP connect to the url's port. */
const tcpOfUrl = () => ({ type: 'tcp' });

export const httpPreset = definePreset({ kind: 'http', icon: 'web', probe: () => ({ type: 'http' }) });
export const tcpPreset = definePreset({ kind: 'tcp', icon: 'server', probe: tcpOfUrl });
export const postgresPreset = definePreset({
  kind: 'postgres',
  icon: 'postgresql',
  probe: tcpOfUrl,
  images: ['postgres', 'bitnami/postgresql', 'postgis/postgis'],
});
export const kafkaPreset = definePreset({
  kind: 'kafka',
  icon: 'kafka',
  probe: tcpOfUrl,
  images: ['apache/kafka', 'bitnami/kafka', 'confluentinc/cp-kafka', 'confluentinc/cp-server'],
});
export const trinoPreset = definePreset({
  kind: 'trino',
  icon: 'trino',
  probe: () => ({ type: 'trino' }),
  images: ['trinodb/trino'],
});
export const airflowPreset = definePreset({
  kind: 'airflow',
  icon: 'airflow',
  probe: () => ({ type: 'airflow' }),
  images: ['apache/airflow', 'bitnami/airflow'],
});
