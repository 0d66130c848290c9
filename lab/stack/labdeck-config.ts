// labdeck.yaml for the lab: every running lab service on Home with its own probe, SQL on Trino, the Kafka
// cluster, the job sources, lineage keys for the producers, and sign-in through the lab's Keycloak.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { GATE_DOMAIN, gatedOrigin } from '../gate/nginx.ts';
import { KEYCLOAK_CLIENT_ID } from '../keycloak/server.ts';
import type { ShopDatabase } from './shop.ts';
import { type ComponentState, type LabState, labSecret } from './state.ts';

type Service = Record<string, unknown>;

/** The variable Labdeck's Airflow browser check reads the lab's admin password from (the lab sets it). */
const AIRFLOW_PASSWORD_ENV = 'LAB_AIRFLOW_PASSWORD';
/** The variable the Jupyter tile's probe reads the lab Jupyter's token from. */
const JUPYTER_TOKEN_ENV = 'LAB_JUPYTER_TOKEN';

/**
 * Browser checks every 5 minutes: a few seconds of Chromium each, not worth doing more often in a lab. Airflow's
 * UI took 35 s for its first sign-in and DAG list on two loaded cores: slow from 30 s, down at 90 s.
 */
const BROWSER_CHECK = { type: 'browser', intervalMs: 300_000, timeoutMs: 90_000, slowMs: 30_000 };

/** Secrets labdeck.yaml names as ${ENV}: the environment the lab starts Labdeck with. */
export function labdeckEnv(state: LabState): Record<string, string> {
  const admin = state.components.airflow?.info.admin as { password: string } | undefined;
  return {
    ...(admin ? { [AIRFLOW_PASSWORD_ENV]: admin.password } : {}),
    ...(state.components.jupyter ? { [JUPYTER_TOKEN_ENV]: labSecret(state, 'jupyter-token') } : {}),
  };
}

/** Trino's UI (no sign-in on the lab's plain HTTP) shows its cluster overview and the query list. */
function trinoUiCheck(trinoUrl: string): Service {
  return { ...BROWSER_CHECK, url: `${trinoUrl}/ui/`, steps: [{ waitFor: 'text=Query Details' }] };
}

/** Airflow 3's UI: the simple auth manager's login form as the lab's admin, then the DAG list with a lab DAG. */
function airflowUiCheck(airflowUrl: string, username: string): Service {
  return {
    ...BROWSER_CHECK,
    url: `${airflowUrl}/dags`,
    signIn: { provider: 'form', username, password: `\${${AIRFLOW_PASSWORD_ENV}}` },
    steps: [
      { signIn: true },
      { waitFor: 'role=heading[name=/^\\d+ Dags$/]' },
      { waitFor: 'role=link[name="lab_succeeds"]' },
    ],
  };
}

/**
 * Where users open a web UI: through the gate (<name>.lab.localhost on its port) when it runs, otherwise
 * on the part's own port. Probes and API clients keep the direct addresses.
 */
function uiOrigin(components: LabState['components'], name: string, direct: string): string {
  const port = components.gate?.port;
  return port ? gatedOrigin(name, port) : direct;
}

function labServices(components: LabState['components'], labdeckPort: number): Service[] {
  const { kafka, connect, trino, keycloak, airflow, dagster, postgres, spark, mlflow, jupyter, gate } =
    components;
  const shop = postgres?.info.shop as ShopDatabase | undefined;
  const registry = components['schema-registry'];
  const airflowAdmin = airflow?.info.admin as { username: string } | undefined;
  const services: (Service | false | undefined)[] = [
    kafka && {
      id: 'kafka',
      name: 'Kafka',
      url: `http://${kafka.info.bootstrap}`,
      icon: 'kafka',
      tags: ['streams'],
      probe: { type: 'kafka', brokers: [kafka.info.bootstrap] },
    },
    connect && {
      id: 'kafka-connect',
      name: 'Kafka Connect',
      kind: 'kafka-connect',
      url: connect.url,
      tags: ['streams'],
    },
    registry && {
      id: 'schema-registry',
      name: 'Schema Registry',
      url: registry.url,
      tags: ['streams'],
      probe: { type: 'http', url: `${registry.url}/subjects` },
    },
    shop && {
      id: 'shop-db',
      name: 'Shop database',
      // No web UI of its own: Labdeck's SQL page opens it.
      url: `${uiOrigin(components, 'labdeck', `http://127.0.0.1:${labdeckPort}`)}/sql`,
      icon: 'postgres',
      tags: ['sql'],
      probe: {
        type: 'postgres',
        connectionString: `postgres://${shop.user}:${encodeURIComponent(shop.password)}@${shop.host}:${shop.port}/${shop.database}`,
      },
    },
    trino && {
      id: 'trino',
      name: 'Trino',
      url: `${uiOrigin(components, 'trino', trino.url!)}/ui/`,
      icon: 'trino',
      tags: ['sql'],
      probe: trinoUiCheck(trino.url!),
    },
    airflow && {
      id: 'airflow',
      name: 'Airflow',
      url: uiOrigin(components, 'airflow', airflow.url!),
      icon: 'airflow',
      tags: ['jobs'],
      probe: airflowAdmin
        ? airflowUiCheck(airflow.url!, airflowAdmin.username)
        : { type: 'airflow', url: airflow.url },
    },
    dagster && {
      id: 'dagster',
      name: 'Dagster',
      url: uiOrigin(components, 'dagster', dagster.url!),
      tags: ['jobs'],
      // Dagster's UI has no users of its own: behind the gate, only those who may run jobs get in.
      ...(gate ? { roles: ['admin', 'operator'] } : {}),
      probe: { type: 'http', url: `${dagster.url}/server_info` },
    },
    spark && {
      id: 'spark',
      name: 'Spark',
      // The preset probes the master's /json/: running applications, alive workers, cores used.
      kind: 'spark',
      url: spark.url,
      tags: ['jobs'],
    },
    mlflow && {
      id: 'mlflow',
      name: 'MLflow',
      // The preset probes /health and counts experiments. The lab's mlflow-skinny has no web UI.
      kind: 'mlflow',
      url: mlflow.url,
      tags: ['ml'],
    },
    jupyter && {
      id: 'jupyter',
      name: 'Jupyter',
      // The preset reads kernels and connections from /api/status, with the lab's token.
      kind: 'jupyter',
      url: `${jupyter.url}/lab`,
      tags: ['ml'],
      probe: { url: jupyter.url, headers: { Authorization: `token \${${JUPYTER_TOKEN_ENV}}` } },
    },
    keycloak && {
      id: 'keycloak',
      name: 'Keycloak',
      url: `${keycloak.info.issuer}/account`,
      tags: ['sign-in'],
      roles: ['admin'],
      probe: { type: 'http', url: `${keycloak.info.issuer}/.well-known/openid-configuration` },
    },
  ];
  return services.filter((service): service is Service => Boolean(service));
}

function jobSources(components: LabState['components']): Service[] {
  const { airflow, dagster } = components;
  const operators = {
    trigger: ['admin', 'operator'],
    rerun: ['admin', 'operator'],
    cancel: ['admin', 'operator'],
  };
  const admin = airflow?.info.admin as { username: string; password: string } | undefined;
  const sources: (Service | false | undefined)[] = [
    airflow &&
      admin && {
        id: 'airflow',
        kind: 'airflow3',
        name: 'Airflow',
        url: airflow.url,
        service: 'airflow',
        roles: operators,
        username: admin.username,
        password: admin.password,
      },
    dagster && {
      id: 'dagster',
      kind: 'dagster',
      name: 'Dagster',
      url: dagster.url,
      service: 'dagster',
      roles: operators,
    },
    // dbt, Spark and the Kafka loader report runs as OpenLineage events; Airflow's own show through its source.
    { id: 'openlineage', kind: 'openlineage', name: 'OpenLineage runs', excludeNamespaces: ['airflow'] },
  ];
  return sources.filter((source): source is Service => Boolean(source));
}

function sqlConnections(components: LabState['components']): Service[] {
  const { trino, postgres } = components;
  const shop = postgres?.info.shop as ShopDatabase | undefined;
  const connections: (Service | false | undefined)[] = [
    trino && {
      id: 'trino',
      name: 'Lab Trino',
      engine: 'trino',
      url: trino.url,
      catalog: 'tpch',
      schema: 'tiny',
    },
    shop && {
      id: 'shop',
      name: 'Shop (PostgreSQL)',
      engine: 'postgres',
      host: shop.host,
      port: shop.port,
      database: shop.database,
      user: shop.user,
      password: shop.password,
      tls: { enabled: false },
    },
  ];
  return connections.filter((connection): connection is Service => Boolean(connection));
}

function auth(state: LabState, keycloak: ComponentState) {
  return {
    mode: 'oidc',
    providers: [
      {
        id: 'lab',
        name: 'Lab SSO (Keycloak)',
        issuer: keycloak.info.issuer,
        clientId: KEYCLOAK_CLIENT_ID,
        clientSecret: labSecret(state, 'keycloak-client'),
        backchannelLogout: true,
      },
    ],
    roles: { admin: ['lab-admins'], operator: ['lab-operators'], analyst: ['lab-analysts'] },
    session: {
      secret: labSecret(state, 'labdeck-session') + labSecret(state, 'labdeck-session-2'),
      // One sign-in for every UI behind the gate: the session cookie goes to all of *.lab.localhost.
      ...(state.components.gate ? { cookieDomain: GATE_DOMAIN } : {}),
    },
  };
}

/** Behind the gate, Labdeck is opened at labdeck.lab.localhost and trusts the forwarded headers of nginx on loopback. */
function serverSection(state: LabState, port: number) {
  const gate = state.components.gate;
  return {
    port,
    host: '127.0.0.1',
    ...(gate?.port ? { publicUrl: gatedOrigin('labdeck', gate.port), trustProxy: 'loopback' } : {}),
  };
}

/** labdeck.yaml's text for what the lab runs now. */
export function labdeckConfigText(state: LabState, port: number): string {
  const { components } = state;
  const { kafka, keycloak } = components;
  const registry = components['schema-registry'];
  const config = {
    server: serverSection(state, port),
    ...(keycloak ? { auth: auth(state, keycloak) } : {}),
    services: { groups: [{ name: 'Lab', services: labServices(components, port) }] },
    sql: { connections: sqlConnections(components) },
    streams: kafka
      ? {
          clusters: [
            {
              id: 'lab',
              name: 'Lab Kafka',
              bootstrap: kafka.info.bootstrap,
              // A group stopped for longer than this shows STOP: clicks-analytics stops for 2 minutes in every 6.
              statusWindow: '60s',
              ...(registry ? { schemaRegistry: { url: registry.url } } : {}),
            },
          ],
        }
      : undefined,
    lineage: {
      ingest: {
        keys: [
          { producer: 'airflow', key: labSecret(state, 'lineage-airflow') },
          { producer: 'traffic', key: labSecret(state, 'lineage-traffic') },
        ],
      },
    },
    jobs: { sources: jobSources(components) },
  };
  return `# Written by npm run lab: Labdeck on this machine's lab.\n${stringify(config)}`;
}

/** Writes <dir>/labdeck.yaml (only this user may read it: it holds the lab's secrets) and returns its path. */
export function writeLabdeckConfig(state: LabState, dir: string, port: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'labdeck.yaml');
  writeFileSync(file, labdeckConfigText(state, port), { mode: 0o600 });
  return file;
}

/** Whether the Labdeck that runs was started with another config than the lab's parts now call for. */
export function labdeckConfigChanged(state: LabState, port: number): boolean {
  const file = state.components.labdeck?.info.configFile;
  try {
    return typeof file !== 'string' || readFileSync(file, 'utf8') !== labdeckConfigText(state, port);
  } catch {
    return true;
  }
}
