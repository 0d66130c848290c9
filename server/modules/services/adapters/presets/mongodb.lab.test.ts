import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MongodbServer, startMongodb } from '../../../../../lab/mongodb/server.ts';
import { probeDeclared } from './probe-declared.ts';

// FerretDB (MongoDB's wire protocol over SQLite), built by lab/mongodb/install.sh: MongoDB's own server
// is on no registry these machines reach. Fails (never skips) when it is not built.
describe('mongodb preset against a server speaking MongoDB wire protocol (FerretDB)', () => {
  let server: MongodbServer;
  beforeAll(async () => {
    server = await startMongodb();
  }, 60_000);
  afterAll(() => server?.stop());

  const probe = (extra: Record<string, unknown>) =>
    probeDeclared('mongodb', `http://127.0.0.1:${server.port}/`, extra, 3_000);

  it('says hello to the url host and port by default and reads its role, connections and version', async () => {
    const up = await probe({});
    expect(up).toMatchObject({ status: 'up' });
    expect(up.figures).toContainEqual({ label: 'role', value: 'standalone' });
    const labels = up.figures?.map((figure) => figure.label);
    expect(labels).toEqual(expect.arrayContaining(['role', 'version']));
  });

  it('takes a mongodb:// probe url, and is down when nothing answers there', async () => {
    expect(await probe({ probe: { url: `${server.url}?directConnection=true` } })).toMatchObject({
      status: 'up',
    });
    await server.stop();
    const down = await probe({});
    expect(down.status).toBe('down');
    expect(down.error).toMatch(/ECONNREFUSED|connect|Server selection/i);
    await server.start();
    expect(await probe({})).toMatchObject({ status: 'up' });
  }, 30_000);
});
