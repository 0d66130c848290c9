// The lab's MLflow and Jupyter tiles end to end: the services section `npm run lab` writes for them, read by
// a real Labdeck (on PostgreSQL) with the environment the lab gives it, probing the real servers; Home's
// API shows both up with their figures. Needs `bash lab/mlflow/install.sh` and `bash lab/jupyter/install.sh`;
// without them it FAILS (never skips).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ServiceList, ServiceView } from '../../server/modules/services/contract.ts';
import { proxyAuthYaml, startTestApp, type TestApp, userClient } from '../../server/test/harness.ts';
import { type JupyterServer, startJupyter, startKernel } from '../jupyter/server.ts';
import { type MlflowServer, startMlflow } from '../mlflow/server.ts';
import { labdeckConfigText, labdeckEnv } from './labdeck-config.ts';
import { type ComponentState, type LabState, labSecret } from './state.ts';

let mlflow: MlflowServer;
let jupyter: JupyterServer;
let app: TestApp;

const part = (port: number, url: string): ComponentState => ({
  pids: [],
  logFiles: [],
  port,
  url,
  startedAt: new Date().toISOString(),
  info: {},
});

beforeAll(async () => {
  const state: LabState = { secrets: {}, components: {} };
  [mlflow, jupyter] = await Promise.all([
    startMlflow(),
    startJupyter({ token: labSecret(state, 'jupyter-token') }),
  ]);
  state.components = { mlflow: part(mlflow.port, mlflow.url), jupyter: part(jupyter.port, jupyter.url) };
  await startKernel(jupyter);
  const { services } = parse(labdeckConfigText(state, 8080)) as { services: unknown };
  app = await startTestApp({
    config: `${proxyAuthYaml()}${stringify({ services })}`,
    env: labdeckEnv(state),
  });
}, 200_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([mlflow?.stop(), jupyter?.stop()]);
});

async function tilesOnceProbed(ids: string[]): Promise<Record<string, ServiceView>> {
  const admin = userClient(app.url, { id: 'ada', groups: ['lab-admins'] });
  const until = Date.now() + 60_000;
  for (;;) {
    const res = await admin.get('/api/services');
    expect(res.status).toBe(200);
    const list = (await res.json()) as ServiceList;
    const tiles = Object.fromEntries(list.groups.flatMap((g) => g.services).map((s) => [s.id, s]));
    if (ids.every((id) => tiles[id]?.lastCheck)) return tiles;
    if (Date.now() > until) throw new Error(`not probed within 60 s: ${JSON.stringify(tiles)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe("the lab's MLflow and Jupyter tiles", () => {
  it('are up on Home with their figures: experiments, and the kernel started (the token from the environment)', async () => {
    const tiles = await tilesOnceProbed(['mlflow', 'jupyter']);
    expect(tiles.mlflow).toMatchObject({
      kind: 'mlflow',
      probe: 'mlflow',
      status: 'up',
      figures: [{ label: 'experiments', value: 1 }],
    });
    expect(tiles.jupyter).toMatchObject({
      kind: 'jupyter',
      probe: 'jupyter',
      url: `${jupyter.url}/lab`,
      status: 'up',
      figures: [{ label: 'kernels', value: 1 }, { label: 'connections' }],
    });
    expect(JSON.stringify(tiles)).not.toContain(jupyter.token);
  });
});
