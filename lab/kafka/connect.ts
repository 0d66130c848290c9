// A real Kafka Connect worker for tests and `npm run lab`: distributed mode (ConnectDistributed) with its
// internal topics on a lab broker, REST on 127.0.0.1, the FileStream connectors on its classpath. Install
// it with `bash lab/kafka/install.sh` (the same Kafka version as the broker).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersHttp, freePort, logTail, notInstalled, restartable, spawnLogged } from '../process.ts';
import { KAFKA_INSTALL_HINT } from './broker.ts';

export interface ConnectOptions {
  /** The broker the worker keeps its configs, offsets and statuses on, e.g. '127.0.0.1:9092'. */
  bootstrap: string;
  /** Config and logs. Default: a fresh temporary directory. */
  dir?: string;
  /** REST port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** The worker group, also the prefix of its internal topics. Default: 'labdeck-lab-connect'. */
  groupId?: string;
  startTimeoutMs?: number;
}

export interface ConnectWorker {
  /** REST API base, e.g. http://127.0.0.1:8083 (no trailing slash). */
  url: string;
  port: number;
  dir: string;
  logFile: string;
  /** Starts the worker again after stop(), same port and group: its connectors come back from the config topic. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
export const connectLibs = resolve(here, '../../.lab/kafka/connect-libs');
const log4jConfig = join(here, 'log4j2.properties');
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
const host = '127.0.0.1';
// The lab runs many JVMs on two cores: a small heap, the serial collector, and C1 only (starts faster).
const jvm = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k'];
const stopGraceMs = 20_000;

export async function startConnect(options: ConnectOptions): Promise<ConnectWorker> {
  if (!existsSync(connectLibs)) throw notInstalled('Kafka Connect', connectLibs, KAFKA_INSTALL_HINT);
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-connect-')));
  const port = options.port ?? (await freePort());
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const config = writeWorkerProperties(
    dir,
    options.bootstrap,
    port,
    options.groupId ?? 'labdeck-lab-connect',
  );
  const url = `http://${host}:${port}`;
  const logFile = join(logsDir, 'connect.log');
  const outFile = join(logsDir, 'stdout.log');
  const args = [
    ...jvm,
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    `-Dkafka.logs.dir=${logsDir}`,
    '-Dkafka.log.file=connect.log',
    '-cp',
    `${connectLibs}/*`,
    'org.apache.kafka.connect.cli.ConnectDistributed',
    config,
  ];
  const { start, stop } = restartable(stopGraceMs, async () => {
    if (await answersHttp(`${url}/`))
      throw new Error(`Cannot start Kafka Connect: ${host}:${port} is in use`);
    const tail = [logTail(logFile, 20), logTail(outFile, 10)];
    const child = spawnLogged(java, args, outFile, { cwd: dir });
    return {
      child,
      ready: {
        name: 'Kafka Connect',
        goal: `answer ${url}/health`,
        timeoutMs: options.startTimeoutMs ?? 120_000,
        probe: () => healthy(url),
        tail: () => tail.map((lines) => lines()).join('\n'),
      },
    };
  });
  await start();
  return { url, port, dir, logFile, start, stop };
}

function writeWorkerProperties(dir: string, bootstrap: string, port: number, groupId: string): string {
  const converter = 'org.apache.kafka.connect.json.JsonConverter';
  const properties = {
    'bootstrap.servers': bootstrap,
    'group.id': groupId,
    listeners: `http://${host}:${port}`,
    'rest.advertised.host.name': host,
    'rest.advertised.port': port,
    'key.converter': converter,
    'value.converter': converter,
    'key.converter.schemas.enable': false,
    'value.converter.schemas.enable': false,
    // One broker: replication 1, and one partition where the defaults are 25 (offsets) and 5 (statuses).
    'config.storage.topic': `${groupId}-configs`,
    'offset.storage.topic': `${groupId}-offsets`,
    'status.storage.topic': `${groupId}-status`,
    'config.storage.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
    'offset.storage.partitions': 1,
    'status.storage.partitions': 1,
    'offset.flush.interval.ms': 5_000,
    // Kafka's own connectors declare themselves for the ServiceLoader: no classpath scan at start.
    'plugin.discovery': 'service_load',
  };
  const file = join(dir, 'connect-distributed.properties');
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${value}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Ready: GET /health (Kafka 3.9+) says healthy, which it does once the worker has joined its group. */
async function healthy(url: string): Promise<true | string> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) });
    if (res.ok) return true;
    return `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
  } catch (error) {
    return (error as Error).message;
  }
}

export type ConnectorConfig = Record<string, string>;

export interface ConnectorStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

async function rest<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`Kafka Connect: ${init.method ?? 'GET'} ${url} answered HTTP ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Creates the connector, or updates its config (PUT /connectors/<name>/config). */
export const putConnector = (worker: ConnectWorker, name: string, config: ConnectorConfig) =>
  rest(`${worker.url}/connectors/${encodeURIComponent(name)}/config`, {
    method: 'PUT',
    body: JSON.stringify(config),
  });

export const deleteConnector = (worker: ConnectWorker, name: string) =>
  rest(`${worker.url}/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' });

export const connectorStatus = (worker: ConnectWorker, name: string) =>
  rest<ConnectorStatus>(`${worker.url}/connectors/${encodeURIComponent(name)}/status`);

/** Polls the connector's status until `done` accepts it (tasks are assigned a moment after the create). */
export async function waitForConnector(
  worker: ConnectWorker,
  name: string,
  done: (status: ConnectorStatus) => boolean,
  timeoutMs = 60_000,
): Promise<ConnectorStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ConnectorStatus | string = 'no answer yet';
  while (Date.now() < deadline) {
    last = await connectorStatus(worker, name).catch((error: Error) => error.message);
    if (typeof last !== 'string' && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Kafka Connect: ${name} did not reach the expected state: ${JSON.stringify(last)}`);
}

export const tasksIn = (state: string) => (status: ConnectorStatus) =>
  status.tasks.length > 0 && status.tasks.every((task) => task.state === state);

/** A FileStreamSource tailing `file` into `topic` (created by the worker, 1 partition, replication 1). */
export const fileSource = (file: string, topic: string): ConnectorConfig => ({
  'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
  'tasks.max': '1',
  file,
  topic,
  'topic.creation.default.partitions': '1',
  'topic.creation.default.replication.factor': '1',
});

/** A FileStreamSink from `topic` into `file`; its task fails at start when the file's folder does not exist. */
export const fileSink = (topic: string, file: string): ConnectorConfig => ({
  'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
  'tasks.max': '1',
  topics: topic,
  file,
});

/** The connectors `npm run lab` creates: one that runs, one whose task fails. */
export const labConnectors = { source: 'broker-log', failing: 'broken-sink' } as const;
export const LAB_CONNECT_TOPIC = 'lab.broker-log';

/**
 * Creates (or updates) the lab's two connectors and waits until they show what they are for: `broker-log`
 * tails `sourceFile` (the broker's log, which keeps getting lines) into lab.broker-log, and `broken-sink`
 * writes that topic to a file in a folder that does not exist, so its task fails at start, every time.
 */
export async function createLabConnectors(worker: ConnectWorker, sourceFile: string): Promise<void> {
  const { source, failing } = labConnectors;
  await putConnector(worker, source, fileSource(sourceFile, LAB_CONNECT_TOPIC));
  await putConnector(
    worker,
    failing,
    fileSink(LAB_CONNECT_TOPIC, join(worker.dir, 'no-such-dir', 'sink.txt')),
  );
  await Promise.all([
    waitForConnector(worker, source, tasksIn('RUNNING')),
    waitForConnector(worker, failing, tasksIn('FAILED')),
  ]);
}
