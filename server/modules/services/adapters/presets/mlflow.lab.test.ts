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

  it('is up while /health answers OK, also with an experiment tracked, and down once stopped', async () => {
    expect(await probeDeclared('mlflow', mlflow.url)).toMatchObject({ status: 'up' });
    await createExperiment(mlflow.url, 'labdeck-preset-test');
    expect(await probeDeclared('mlflow', `${mlflow.url}/`)).toMatchObject({ status: 'up' });
    await mlflow.stop();
    expect(await probeDeclared('mlflow', mlflow.url)).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
