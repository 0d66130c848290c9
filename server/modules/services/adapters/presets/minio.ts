import { defineStatusProbe } from '../probes/status-api.ts';
import { definePreset, figure } from './types.ts';

/**
 * `/minio/health/live` (the node answers), then `/minio/health/cluster`: 503 there means the cluster has
 * lost write quorum (degraded). Point the service url, or `probe.url`, at the S3 API port (9000).
 */
export const minioPreset = definePreset({
  kind: 'minio',
  icon: 'minio',
  probe: () => ({ type: 'minio' }),
  images: ['minio/minio', 'bitnami/minio', 'quay.io/minio/minio'],
  adapter: defineStatusProbe('minio', async (api) => {
    await api.ok('minio/health/live');
    const cluster = await api.get('minio/health/cluster');
    const figures = figure('write quorum', header(cluster.headers['x-minio-write-quorum']));
    if (cluster.status === 503)
      return { status: 'degraded', error: 'the cluster has no write quorum', figures };
    if (cluster.status !== 200)
      return { status: 'degraded', error: `HTTP ${cluster.status} from /minio/health/cluster`, figures };
    return { status: 'up', figures };
  }),
});

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
