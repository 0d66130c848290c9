import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../../../lab/kafka/broker.ts';
import {
  type ConnectWorker,
  deleteConnector,
  fileSink,
  fileSource,
  putConnector,
  startConnect,
  tasksIn,
  waitForConnector,
} from '../../../../../lab/kafka/connect.ts';
import { probeDeclared } from './probe-declared.ts';

const probeConnect = (url: string) => probeDeclared('kafka-connect', url);

/** The preset's figures, in its order; no connector here ever fails as a whole. */
const figures = (connectors: number, failedTasks: number, running: number) => [
  { label: 'connectors', value: connectors },
  { label: 'failed tasks', value: failedTasks, ...(failedTasks > 0 ? { tone: 'danger' } : {}) },
  { label: 'failed connectors', value: 0 },
  { label: 'running connectors', value: running },
];

// A real broker and a real distributed Connect worker from lab/kafka; fails (never skips) when they are
// not installed: `bash lab/kafka/install.sh`.
describe('kafka-connect preset against a real Kafka Connect worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labdeck-connect-test-'));
  const lines = join(dir, 'lines.txt');
  let kafka: KafkaBroker;
  let worker: ConnectWorker;
  beforeAll(async () => {
    kafka = await startKafka();
    worker = await startConnect({ bootstrap: kafka.bootstrap });
    appendFileSync(lines, 'one\ntwo\n');
  });
  afterAll(async () => {
    await worker?.stop();
    await kafka?.stop();
  });

  it('is up with no connectors, then up with the running source counted', async () => {
    expect(await probeConnect(worker.url)).toEqual({
      status: 'up',
      figures: figures(0, 0, 0),
    });
    await putConnector(worker, 'lines-source', fileSource(lines, 'test.lines'));
    await waitForConnector(worker, 'lines-source', tasksIn('RUNNING'));
    expect(await probeConnect(worker.url)).toEqual({
      status: 'up',
      figures: figures(1, 0, 1),
    });
  });

  it('is degraded naming the connector whose task FAILED, and up again once it is deleted', async () => {
    // The sink's task opens its file at start: in a folder that does not exist, it fails every time.
    await putConnector(worker, 'broken-sink', fileSink('test.lines', join(dir, 'no-such-dir', 'out.txt')));
    const failed = await waitForConnector(worker, 'broken-sink', tasksIn('FAILED'));
    expect(failed.connector.state).toBe('RUNNING');
    expect(failed.tasks[0]?.trace).toContain("Couldn't find or create file");
    expect(await probeConnect(worker.url)).toEqual({
      status: 'degraded',
      error: 'FAILED: broken-sink task 0',
      figures: figures(2, 1, 2),
    });
    await deleteConnector(worker, 'broken-sink');
    await expect.poll(async () => (await probeConnect(worker.url)).status, { timeout: 30_000 }).toBe('up');
  });

  it('is down once the worker is gone', async () => {
    await worker.stop();
    expect(await probeConnect(worker.url)).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
