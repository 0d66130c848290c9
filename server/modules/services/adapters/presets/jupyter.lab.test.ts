import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JupyterServer, startJupyter, startKernel } from '../../../../../lab/jupyter/server.ts';
import { probeDeclared } from './probe-declared.ts';

// A real Jupyter Server (JupyterLab) from lab/jupyter; fails (never skips) when not installed
// (`bash lab/jupyter/install.sh`).
describe('jupyter preset against the lab Jupyter Server', () => {
  let jupyter: JupyterServer;
  beforeAll(async () => {
    jupyter = await startJupyter();
  }, 120_000);
  afterAll(() => jupyter?.stop());

  const withToken = () => ({ probe: { headers: { Authorization: `token ${jupyter.token}` } } });

  it('needs the token, counts the kernel started through the REST API, and is down once stopped', async () => {
    expect(await probeDeclared('jupyter', jupyter.url)).toEqual({
      status: 'down',
      error: 'HTTP 403 from /api/status',
    });
    expect(await probeDeclared('jupyter', jupyter.url, withToken())).toEqual({
      status: 'up',
      figures: [
        { label: 'kernels', value: 0 },
        { label: 'connections', value: 0 },
      ],
    });
    await startKernel(jupyter);
    expect(await probeDeclared('jupyter', jupyter.url, withToken())).toMatchObject({
      status: 'up',
      figures: [{ label: 'kernels', value: 1 }, { label: 'connections' }],
    });
    await jupyter.stop();
    expect(await probeDeclared('jupyter', jupyter.url, withToken())).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
