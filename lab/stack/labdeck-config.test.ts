// The lab's labdeck.yaml, read by Labdeck's own config schema: behind the gate and without it.
import { describe, expect, it } from 'vitest';
import { serverModules } from '../../server/modules/index.ts';
import { parseConfigText } from '../../server/platform/config/load.ts';
import { buildConfigSchema } from '../../server/platform/config/schema.ts';
import { labdeckConfigText, labdeckEnv } from './labdeck-config.ts';
import type { ComponentState, LabState } from './state.ts';

const part = (
  port: number | null,
  url: string | null,
  info: Record<string, unknown> = {},
): ComponentState => ({
  pids: [1],
  logFiles: [],
  port,
  url,
  startedAt: '2026-12-03T00:00:00.000Z',
  info,
});

function lab(withGate: boolean): LabState {
  return {
    secrets: { 'jupyter-token': 'jupyter-tok' },
    components: {
      trino: part(8085, 'http://127.0.0.1:8085'),
      connect: part(8083, 'http://127.0.0.1:8083'),
      dagster: part(3070, 'http://127.0.0.1:3070'),
      airflow: part(8280, 'http://127.0.0.1:8280', { admin: { username: 'admin', password: 'airflow-pw' } }),
      spark: part(8480, 'http://127.0.0.1:8480', { masterUrl: 'spark://127.0.0.1:7077' }),
      mlflow: part(5050, 'http://127.0.0.1:5050'),
      jupyter: part(8888, 'http://127.0.0.1:8888'),
      keycloak: part(8180, 'http://127.0.0.1:8180', { issuer: 'http://127.0.0.1:8180/realms/lab' }),
      ...(withGate ? { gate: part(8090, 'http://labdeck.lab.localhost:8090') } : {}),
    },
  };
}

/** labdeck.yaml as Labdeck reads it (its own schema throws on any key it does not know). */
const read = (state: LabState): unknown =>
  parseConfigText(buildConfigSchema(serverModules), labdeckConfigText(state, 8080), 'labdeck.yaml', {
    ...labdeckEnv(state),
  });

const services = (...entries: object[]) => ({
  services: {
    groups: [{ services: expect.arrayContaining(entries.map((entry) => expect.objectContaining(entry))) }],
  },
});

describe("the lab's labdeck.yaml", () => {
  it('behind the gate: Labdeck at labdeck.lab.localhost, one cookie for lab.localhost, tiles link the gated UIs', () => {
    expect(read(lab(true))).toMatchObject({
      server: { publicUrl: 'http://labdeck.lab.localhost:8090', trustProxy: 'loopback', port: 8080 },
      auth: { session: { cookieDomain: 'lab.localhost' } },
      ...services(
        {
          id: 'trino',
          url: 'http://trino.lab.localhost:8090/ui/',
          roles: [],
          probe: expect.objectContaining({ url: 'http://127.0.0.1:8085/ui/' }),
        },
        { id: 'dagster', url: 'http://dagster.lab.localhost:8090', roles: ['admin', 'operator'] },
        // Kafka Connect has no UI: its tile links the REST API, probed by the kafka-connect preset.
        {
          id: 'kafka-connect',
          kind: 'kafka-connect',
          url: 'http://127.0.0.1:8083',
          probe: expect.objectContaining({ type: 'kafka-connect' }),
        },
        // Airflow's tile opens its UI behind the gate; Labdeck's job source calls its API directly.
        { id: 'airflow', url: 'http://airflow.lab.localhost:8090', roles: [] },
      ),
      jobs: {
        sources: expect.arrayContaining([
          expect.objectContaining({ id: 'airflow', url: 'http://127.0.0.1:8280' }),
        ]),
      },
    });
  });

  it('without the gate: Labdeck on its own port, the UIs on theirs, as before', () => {
    const config = read(lab(false));
    expect(config).toMatchObject({
      server: { trustProxy: false },
      ...services(
        { id: 'trino', url: 'http://127.0.0.1:8085/ui/' },
        { id: 'dagster', url: 'http://127.0.0.1:3070', roles: [] },
        { id: 'airflow', url: 'http://127.0.0.1:8280' },
        // kind spark alone gives the preset's probe of the master's /json/.
        { id: 'spark', url: 'http://127.0.0.1:8480', probe: expect.objectContaining({ type: 'spark' }) },
      ),
    });
    expect(config).not.toHaveProperty('server.publicUrl');
    expect(config).not.toHaveProperty('auth.session.cookieDomain');
  });

  it("checks Airflow's UI in a browser every 5 minutes: sign-in with the password from the lab's environment, then the DAG list", () => {
    const state = lab(false);
    expect(labdeckEnv(state)).toMatchObject({ LAB_AIRFLOW_PASSWORD: 'airflow-pw' });
    expect(labdeckConfigText(state, 8080)).toContain('password: ${LAB_AIRFLOW_PASSWORD}');
    expect(read(state)).toMatchObject(
      services(
        {
          id: 'airflow',
          probe: expect.objectContaining({
            type: 'browser',
            url: 'http://127.0.0.1:8280/dags',
            intervalMs: 300_000,
            signIn: expect.objectContaining({ provider: 'form', username: 'admin', password: 'airflow-pw' }),
            steps: [
              { kind: 'signIn', arg: true },
              { kind: 'waitFor', arg: 'role=heading[name=/^\\d+ Dags$/]' },
              { kind: 'waitFor', arg: 'role=link[name="lab_succeeds"]' },
            ],
          }),
        },
        { id: 'trino', probe: expect.objectContaining({ type: 'browser', intervalMs: 300_000 }) },
      ),
    );
  });

  it("probes MLflow's /health and experiments, and Jupyter's /api/status with the lab's token from the environment", () => {
    const state = lab(false);
    expect(labdeckEnv(state)).toMatchObject({ LAB_JUPYTER_TOKEN: 'jupyter-tok' });
    expect(labdeckConfigText(state, 8080)).not.toContain('jupyter-tok');
    expect(read(state)).toMatchObject(
      services(
        {
          id: 'mlflow',
          kind: 'mlflow',
          url: 'http://127.0.0.1:5050',
          probe: expect.objectContaining({ type: 'mlflow' }),
        },
        {
          id: 'jupyter',
          kind: 'jupyter',
          url: 'http://127.0.0.1:8888/lab',
          probe: expect.objectContaining({
            type: 'jupyter',
            url: 'http://127.0.0.1:8888',
            headers: { Authorization: 'token jupyter-tok' },
          }),
        },
      ),
    );
  });
});
