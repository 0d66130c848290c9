/**
 * Stand-ins for the status APIs of the preset kinds with an HTTP API, answering with the responses recorded
 * from the real products (or written from their documented shape) in the presets' fixtures, for the probe
 * benchmark. Not a benchmark itself: run.ts skips `_` files. Redis/Valkey (RESP, not HTTP) are left out.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const fixtures = path.resolve(import.meta.dirname, '../server/modules/services/adapters/presets/fixtures');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

interface Answer {
  status?: number;
  body: string;
  headers?: Record<string, string>;
}

/** Per kind: `METHOD path` under the service url -> the answer. The first route is the probe's first call. */
const KINDS: Record<string, Record<string, Answer>> = {
  'schema-registry': {
    'GET subjects': { body: fixture('apicurio-3.0.9.ccompat-v7-subjects.recorded.json') },
  },
  spark: { 'GET json/': { body: fixture('spark-3.5.8.master-json.recorded.json') } },
  'kafka-connect': {
    'GET connectors?expand=status': {
      body: fixture('kafka-connect-4.3.1.connectors-expand-status.recorded.json'),
    },
  },
  flink: { 'GET overview': { body: fixture('flink-2.3.0.overview.recorded.json') } },
  jupyter: { 'GET api/status': { body: fixture('jupyter-server-2.21.1.api-status.recorded.json') } },
  metabase: { 'GET api/health': { body: fixture('metabase-0.5x.api-health.ok.from-docs.json') } },
  dagster: {
    'GET server_info': { body: fixture('dagster-1.13.28.server_info.recorded.json') },
    'POST graphql': { body: fixture('dagster-1.13.28.graphql-runs-daemons.recorded.json') },
  },
  minio: {
    'GET minio/health/live': { body: '' },
    'GET minio/health/cluster': { body: '', headers: { 'x-minio-write-quorum': '3' } },
  },
  mlflow: {
    'GET health': { body: 'OK', headers: { 'content-type': 'text/plain' } },
    'GET api/2.0/mlflow/experiments/search?max_results=1000': {
      body: fixture('mlflow-3.18.0.experiments-search.recorded.json'),
    },
  },
  superset: { 'GET health': { body: 'OK', headers: { 'content-type': 'text/plain' } } },
  datahub: { 'GET health': { body: '' } },
  kubernetes: { 'GET readyz': { body: 'ok', headers: { 'content-type': 'text/plain' } } },
};

export const PRESET_KINDS_BENCHED = Object.keys(KINDS);

export interface PresetApis {
  url: string;
  /** Probes answered (each kind's first call), across kinds. */
  probes: () => number;
  /** Requests no stand-in route matched (a probe asking for something the recordings lack). */
  unmatched: () => number;
  close: () => Promise<void>;
}

/** One HTTP server for all kinds: `<url>/<kind>/<n>/` is the base url of service n of that kind. */
export async function startPresetApis(): Promise<PresetApis> {
  let probes = 0;
  let unmatched = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const match = /^\/([a-z-]+)\/\d+\/(.*)$/.exec(req.url!);
      const routes = match ? KINDS[match[1]!] : undefined;
      const key = `${req.method} ${match?.[2]}`;
      const answer = routes?.[key];
      if (!routes || !answer) {
        unmatched++;
        return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
      }
      if (key === Object.keys(routes)[0]) probes++;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    probes: () => probes,
    unmatched: () => unmatched,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
