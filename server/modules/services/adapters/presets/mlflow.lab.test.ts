import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, type MlflowServer, startMlflow } from '../../../../../lab/mlflow/server.ts';
import { probeDeclared } from './probe-declared.ts';

// A real MLflow tracking server from lab/mlflow; fails (never skips) when not installed
// (`bash lab/mlflow/install.sh`).
describe('mlflow preset against the lab MLflow tracking server', () => {
  let mlflow: MlflowServer;
  beforeAll(async () => {
    mlflow = await startMlflow();
  }, 150_000);
  afterAll(() => mlflow?.stop());

  it('counts experiments (Default, then the one created through the REST API), and is down once stopped', async () => {
    expect(await probeDeclared('mlflow', mlflow.url)).toEqual({
      status: 'up',
      figures: [{ label: 'experiments', value: 1 }],
    });
    await createExperiment(mlflow.url, 'labdeck-preset-test');
    expect(await probeDeclared('mlflow', `${mlflow.url}/`)).toEqual({
      status: 'up',
      figures: [{ label: 'experiments', value: 2 }],
    });
    await mlflow.stop();
    expect(await probeDeclared('mlflow', mlflow.url)).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
