// The parts of `npm run lab`, in start order: each starts through the same lab/<server> code the
// integration and browser tests use, on a fixed port (LAB_<NAME>_PORT overrides it), in .lab/run/<name>.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgres } from '../../server/platform/db/embedded.ts';
import { startAirflow } from '../airflow/server.ts';
import { startDagster } from '../dagster/server.ts';
import { type GatedSite, gatedOrigin } from '../gate/nginx.ts';
import { startGate } from '../gate/server.ts';
import { startJupyter } from '../jupyter/server.ts';
import { startKafka } from '../kafka/broker.ts';
import { createLabConnectors, startConnect } from '../kafka/connect.ts';
import type { TrafficOptions } from '../kafka/traffic.ts';
import { startKeycloak } from '../keycloak/server.ts';
import { startMlflow } from '../mlflow/server.ts';
import { acceptsConnections, answersHttp, logTail, spawnLogged, waitUntilReady } from '../process.ts';
import { startSchemaRegistry } from '../schema-registry/server.ts';
import { masterStatus, startSparkApp, startSparkCluster } from '../spark/server.ts';
import { startTrino } from '../trino/server.ts';
import { labdeckEnv, writeLabdeckConfig } from './labdeck-config.ts';
import { type ShopDatabase, shopDatabase } from './shop.ts';
import { type LabState, labRoot, labSecret } from './state.ts';

/** What a started component tells the lab: its address and facts for later components. */
export interface Started {
  port: number | null;
  url: string | null;
  /** Sessions it leads that were not spawned through lab/process.ts. */
  pids?: number[];
  info?: Record<string, unknown>;
}

export interface LabComponent {
  name: string;
  title: string;
  /** Ports it takes, checked free before it starts. */
  ports: number[];
  /** Components whose info it needs; it is skipped when one of them is not running. */
  needs: string[];
  /** Components it uses when they run: it starts after them, but also without them. */
  after?: string[];
  /** A lab without it still works (a missing optional install is reported, not fatal). */
  optional?: boolean;
  start(state: LabState): Promise<Started>;
  /** Whether it answers; a recorded process that does not is restarted. */
  healthy(started: Started): Promise<boolean>;
}

const host = '127.0.0.1';
export const runDir = (name: string): string => path.join(labRoot, 'run', name);
const repo = path.resolve(import.meta.dirname, '..', '..');

function portOf(name: string, fallback: number): number {
  const variable = `LAB_${name.toUpperCase().replace(/-/g, '_')}_PORT`;
  const text = process.env[variable];
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${variable}=${text} is not a port`);
  return port;
}

export const labPorts = {
  kafka: portOf('kafka', 9092),
  kafkaController: portOf('kafka-controller', 9093),
  connect: portOf('connect', 8083),
  schemaRegistry: portOf('schema-registry', 8081),
  trino: portOf('trino', 8085),
  keycloak: portOf('keycloak', 8180),
  airflow: portOf('airflow', 8280),
  dagster: portOf('dagster', 3070),
  mlflow: portOf('mlflow', 5050),
  jupyter: portOf('jupyter', 8888),
  // Spark's own defaults (8080, 8081) are Labdeck's and the Schema Registry's here.
  spark: portOf('spark', 8480),
  sparkWorker: portOf('spark-worker', 8481),
  sparkMaster: portOf('spark-master', 7077),
  postgres: portOf('postgres', 5433),
  labdeck: portOf('labdeck', 8080),
  gate: portOf('gate', 8090),
};

export const labdeckUrl = `http://${host}:${labPorts.labdeck}`;

/** The web UIs the gate serves at <name>.lab.localhost, whether or not their part runs (nginx answers 502 then). */
const gatedSites: GatedSite[] = [
  { name: 'trino', upstream: `${host}:${labPorts.trino}` },
  { name: 'dagster', upstream: `${host}:${labPorts.dagster}`, websockets: true },
  // Its UI keeps its own sign-in (Airflow's users) after Labdeck's; its pages use relative paths, so it
  // works at another host unchanged, and Labdeck's job source keeps calling its API on its own port.
  { name: 'airflow', upstream: `${host}:${labPorts.airflow}` },
];

/** The addresses a user opens when the gate runs: Labdeck and each UI behind it. */
export function gatedUrls(port: number): Record<string, string> {
  return {
    Labdeck: `${gatedOrigin('labdeck', port)}/`,
    Trino: `${gatedOrigin('trino', port)}/ui/`,
    Dagster: `${gatedOrigin('dagster', port)}/`,
    Airflow: `${gatedOrigin('airflow', port)}/`,
  };
}

/** Where users open Labdeck: behind the gate when it runs, otherwise Labdeck's own port. */
export const labdeckAddress = (state: LabState): string => state.components.gate?.url ?? labdeckUrl;

/** LAB_ANALYTICS_CYCLE="<keep up s>,<stopped s>": how group clicks-analytics falls behind (the lab tour shortens it). */
function analyticsCycle(): TrafficOptions['analytics'] {
  const text = process.env.LAB_ANALYTICS_CYCLE;
  if (!text) return undefined;
  const [keepUpSeconds, pauseSeconds] = text.split(',').map(Number);
  if (
    !Number.isInteger(keepUpSeconds) ||
    !Number.isInteger(pauseSeconds) ||
    keepUpSeconds! < 1 ||
    pauseSeconds! < 1
  )
    throw new Error(`LAB_ANALYTICS_CYCLE=${text}: expected "<seconds keeping up>,<seconds stopped>"`);
  return { keepUpSeconds: keepUpSeconds!, pauseSeconds: pauseSeconds! };
}

/** Whether a part answers HTTP within 5 s (a loaded machine makes a healthy JVM slow, not dead). */
const answersSoon = (url: string) => answersHttp(url, 5_000);

const answers = async ({ url }: Started) => Boolean(url) && (await answersSoon(url!));

export const labComponents: LabComponent[] = [
  {
    name: 'postgres',
    title: 'PostgreSQL (the shop)',
    ports: [labPorts.postgres],
    needs: [],
    async start() {
      const dir = runDir('postgres');
      mkdirSync(dir, { recursive: true });
      const server = new EmbeddedPostgres({
        dir,
        port: labPorts.postgres,
        detachedLogFile: path.join(dir, 'postgres.log'),
      });
      await server.start();
      const shop = await shopDatabase(server.url);
      return { port: labPorts.postgres, url: null, pids: [server.pid!], info: { shop } };
    },
    healthy: ({ port }) => acceptsConnections(port!),
  },
  {
    name: 'kafka',
    title: 'Kafka (KRaft)',
    ports: [labPorts.kafka, labPorts.kafkaController],
    needs: [],
    async start() {
      const kafka = await startKafka({
        dir: runDir('kafka'),
        port: labPorts.kafka,
        controllerPort: labPorts.kafkaController,
      });
      return { port: kafka.port, url: null, info: { bootstrap: kafka.bootstrap } };
    },
    healthy: ({ port }) => acceptsConnections(port!),
  },
  {
    name: 'connect',
    title: 'Kafka Connect (a file source, and a sink whose task fails)',
    ports: [labPorts.connect],
    needs: ['kafka'],
    async start(state) {
      const worker = await startConnect({
        bootstrap: state.components.kafka!.info.bootstrap as string,
        dir: runDir('connect'),
        port: labPorts.connect,
      });
      // startKafka's log in the kafka part's folder: it keeps getting lines while the lab runs.
      await createLabConnectors(worker, path.join(runDir('kafka'), 'logs', 'server.log'));
      return { port: worker.port, url: worker.url, info: { logFile: worker.logFile } };
    },
    healthy: ({ url }) => answersSoon(`${url}/`),
  },
  {
    name: 'schema-registry',
    title: 'Schema Registry (Apicurio)',
    ports: [labPorts.schemaRegistry],
    needs: [],
    optional: true,
    async start() {
      const registry = await startSchemaRegistry({
        dir: runDir('schema-registry'),
        port: labPorts.schemaRegistry,
      });
      return { port: registry.port, url: registry.url };
    },
    healthy: ({ url }) => answersSoon(`${url}/subjects`),
  },
  {
    name: 'trino',
    title: 'Trino',
    ports: [labPorts.trino],
    needs: [],
    async start() {
      const trino = await startTrino({ dir: runDir('trino'), port: labPorts.trino });
      return { port: trino.port, url: trino.url };
    },
    healthy: answers,
  },
  {
    name: 'keycloak',
    title: 'Keycloak (sign-in)',
    ports: [labPorts.keycloak],
    needs: [],
    async start(state) {
      const keycloak = await startKeycloak({
        dir: runDir('keycloak'),
        port: labPorts.keycloak,
        clientSecret: labSecret(state, 'keycloak-client'),
        backchannelLogoutUrl: `${labdeckUrl}/api/auth/backchannel-logout/lab`,
        // Labdeck behind the gate signs in and out at its gated address; without nginx it stays on loopback.
        moreRedirectUris: [`${gatedOrigin('labdeck', labPorts.gate)}/*`],
      });
      return { port: keycloak.port, url: keycloak.url, info: { issuer: keycloak.issuer } };
    },
    healthy: answers,
  },
  {
    name: 'airflow',
    title: 'Airflow 3',
    ports: [labPorts.airflow],
    needs: ['postgres'],
    optional: true,
    async start(state) {
      const airflow = await startAirflow({
        env: { LAB_SHOP: JSON.stringify(state.components.postgres!.info.shop) },
        parallelism: 3,
        dir: runDir('airflow'),
        port: labPorts.airflow,
        openLineageUrl: labdeckUrl,
        openLineageApiKey: labSecret(state, 'lineage-airflow'),
      });
      return { port: airflow.port, url: airflow.url, info: { admin: airflow.admin } };
    },
    healthy: ({ url }) => answersSoon(`${url}/api/v2/monitor/health`),
  },
  {
    name: 'dagster',
    title: 'Dagster',
    ports: [labPorts.dagster],
    needs: [],
    optional: true,
    async start() {
      const dagster = await startDagster({
        dir: runDir('dagster'),
        port: labPorts.dagster,
        env: { LAB_SCHEDULES: 'all' },
      });
      return { port: dagster.port, url: dagster.url };
    },
    healthy: ({ url }) => answersSoon(`${url}/server_info`),
  },
  {
    name: 'mlflow',
    title: 'MLflow (tracking server)',
    ports: [labPorts.mlflow],
    needs: [],
    optional: true,
    async start() {
      const mlflow = await startMlflow({ dir: runDir('mlflow'), port: labPorts.mlflow });
      return { port: mlflow.port, url: mlflow.url };
    },
    healthy: ({ url }) => answersSoon(`${url}/health`),
  },
  {
    name: 'jupyter',
    title: 'JupyterLab',
    ports: [labPorts.jupyter],
    needs: [],
    optional: true,
    async start(state) {
      const jupyter = await startJupyter({
        dir: runDir('jupyter'),
        port: labPorts.jupyter,
        token: labSecret(state, 'jupyter-token'),
      });
      return { port: jupyter.port, url: jupyter.url };
    },
    // /api/status wants the token; its login page answers without one.
    healthy: ({ url }) => answersSoon(`${url}/login`),
  },
  {
    name: 'spark',
    title: 'Spark (standalone master, one worker, a running application)',
    ports: [labPorts.spark, labPorts.sparkWorker, labPorts.sparkMaster],
    needs: [],
    optional: true,
    async start() {
      const dir = runDir('spark');
      const spark = await startSparkCluster({
        dir,
        port: labPorts.spark,
        masterPort: labPorts.sparkMaster,
        workerUiPort: labPorts.sparkWorker,
      });
      // Home's Spark tile has a running application to count: one small query every 10 s.
      await startSparkApp(spark);
      return { port: spark.port, url: spark.url, info: { masterUrl: spark.masterUrl } };
    },
    // A master without its worker or its application is restarted with them.
    async healthy({ url }) {
      const status = await masterStatus(url!);
      return (
        typeof status !== 'string' &&
        (status.aliveworkers ?? 0) > 0 &&
        Boolean(status.activeapps?.some((app) => app.state === 'RUNNING'))
      );
    },
  },
  {
    name: 'traffic',
    title: 'Shop traffic (producers, consumer groups, loader)',
    ports: [],
    needs: ['kafka', 'postgres'],
    after: ['schema-registry'],
    async start(state) {
      const dir = runDir('traffic');
      mkdirSync(dir, { recursive: true });
      const { kafka, postgres } = state.components;
      const options: TrafficOptions = {
        bootstrap: kafka!.info.bootstrap as string,
        registryUrl: state.components['schema-registry']?.url ?? null,
        shop: postgres!.info.shop as ShopDatabase,
        lineage: { url: labdeckUrl, key: labSecret(state, 'lineage-traffic') },
        analytics: analyticsCycle(),
      };
      const logFile = path.join(dir, 'traffic.log');
      const tail = logTail(logFile, 25);
      const child = spawnLogged(
        process.execPath,
        [path.join(repo, 'lab', 'kafka', 'traffic.ts'), JSON.stringify(options)],
        logFile,
        { cwd: dir },
      );
      await waitUntilReady({
        name: 'Shop traffic',
        goal: 'start producing',
        child,
        timeoutMs: 60_000,
        probe: async () =>
          existsSync(logFile) && readFileSync(logFile, 'utf8').includes('traffic: producing') ? true : '',
        tail,
      });
      return { port: null, url: null };
    },
    // Running is all it can tell.
    healthy: async () => true,
  },
  {
    name: 'gate',
    title: "Gate (nginx: the lab's web UIs behind Labdeck's sign-in)",
    ports: [labPorts.gate],
    needs: [],
    // A lab without nginx serves its UIs on their own ports as before; CI must test the gate.
    optional: !process.env.CI,
    async start() {
      const gate = await startGate({
        dir: runDir('gate'),
        port: labPorts.gate,
        labdeck: `${host}:${labPorts.labdeck}`,
        sites: gatedSites,
      });
      return {
        port: gate.port,
        url: gatedOrigin('labdeck', gate.port),
        info: { logFile: gate.logFile, urls: gatedUrls(gate.port) },
      };
    },
    healthy: ({ port }) => answersSoon(`http://${host}:${port}/`),
  },
  {
    name: 'labdeck',
    title: 'Labdeck',
    ports: [labPorts.labdeck],
    needs: ['kafka', 'trino', 'keycloak'],
    async start(state) {
      const dir = runDir('labdeck');
      const configFile = writeLabdeckConfig(state, dir, labPorts.labdeck);
      const logFile = path.join(dir, 'labdeck.log');
      mkdirSync(dir, { recursive: true });
      const tail = logTail(logFile, 25);
      const child = spawnLogged(process.execPath, [path.join(repo, 'server', 'main.ts')], logFile, {
        cwd: dir,
        env: { ...process.env, ...labdeckEnv(state), LABDECK_CONFIG: configFile, NODE_ENV: 'production' },
      });
      const readyz = `${labdeckUrl}/readyz`;
      await waitUntilReady({
        name: 'Labdeck',
        goal: `answer ${readyz}`,
        child,
        timeoutMs: 60_000,
        probe: async () => ((await fetch(readyz).catch(() => null))?.ok ? true : ''),
        tail,
      });
      return { port: labPorts.labdeck, url: labdeckUrl, info: { configFile, logFile } };
    },
    healthy: ({ url }) => answersSoon(`${url}/healthz`),
  },
];
