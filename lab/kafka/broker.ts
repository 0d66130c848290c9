import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { acceptsConnections, freePort, notInstalled, restartable, spawnLogged } from '../process.ts';
import {
  type KafkaSecurity,
  type KafkaSecurityOptions,
  type KafkaUser,
  type PreparedSecurity,
  prepareSecurity,
  publicSecurity,
  saslMechanisms,
  securePorts,
  securityProperties,
} from './security.ts';

export {
  createCertificateAuthority,
  type KafkaSecurity,
  type KafkaSecurityOptions,
  type KafkaUser,
  type SaslMechanism,
  saslMechanisms,
} from './security.ts';

export interface KafkaOptions {
  /** Data, config and logs. Default: a fresh temporary directory. */
  dir?: string;
  port?: number;
  controllerPort?: number;
  startTimeoutMs?: number;
  /**
   * Extra SASL_PLAINTEXT, SSL and SASL_SSL listeners on the same broker (PLAINTEXT stays, and carries the
   * controller and inter-broker traffic). `true` picks free ports and one generated user.
   */
  security?: boolean | KafkaSecurityOptions;
}

export interface KafkaBroker {
  bootstrap: string;
  port: number;
  controllerPort: number;
  dir: string;
  logFile: string;
  /** Present when started with `security`. */
  security?: KafkaSecurity;
  /** Starts the broker again after stop() or kill(), with the same data dir and ports. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: no controlled shutdown, the log recovers on the next start(). */
  kill(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
export const kafkaLibs = resolve(here, '../../.lab/kafka/libs');
export const KAFKA_INSTALL_HINT = 'bash lab/kafka/install.sh';
const log4jConfig = join(here, 'log4j2.properties');
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
const host = '127.0.0.1';
const heap = ['-Xms256m', '-Xmx512m'];
const stopGraceMs = 20_000;

export async function startKafka(options: KafkaOptions = {}): Promise<KafkaBroker> {
  if (!existsSync(kafkaLibs)) {
    throw notInstalled('Kafka', kafkaLibs, KAFKA_INSTALL_HINT);
  }
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'labdeck-kafka-')));
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort());
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const security = options.security
    ? await prepareSecurity(dir, options.security === true ? {} : options.security, freePort)
    : undefined;
  const config = writeServerProperties(dir, port, controllerPort, security);
  const jvmArgs = [
    ...heap,
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    `-Dkafka.logs.dir=${logsDir}`,
    '-cp',
    `${kafkaLibs}/*`,
  ];
  formatStorageOnce(dir, config, jvmArgs, security?.users ?? []);

  const bootstrap = `${host}:${port}`;
  const logFile = join(logsDir, 'server.log');
  const outFile = join(logsDir, 'stdout.log');
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const { start, stop, kill } = restartable(stopGraceMs, async () => {
    for (const used of [port, controllerPort, ...securePorts(security)]) {
      if (await acceptsConnections(used))
        throw new Error(`Cannot start Kafka: ${host}:${used} is already in use`);
    }
    const logs = [outFile, logFile].map(markLog);
    const child = spawnLogged(java, [...jvmArgs, 'kafka.Kafka', config], outFile);
    return {
      child,
      ready: {
        name: 'Kafka',
        goal: `become ready on ${bootstrap}`,
        timeoutMs,
        probe: () => answers(port, securePorts(security)),
        tail: () => summarizeLogs(logs),
      },
    };
  });
  const broker: KafkaBroker = {
    bootstrap,
    port,
    controllerPort,
    dir,
    logFile,
    ...(security && { security: publicSecurity(security) }),
    start,
    stop,
    kill,
  };
  await broker.start();
  return broker;
}

function writeServerProperties(
  dir: string,
  port: number,
  controllerPort: number,
  security: PreparedSecurity | undefined,
): string {
  const listeners = [`PLAINTEXT://${host}:${port}`];
  const protocols = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT'];
  if (security) {
    listeners.push(
      `SASL_PLAINTEXT://${host}:${security.saslPort}`,
      `SSL://${host}:${security.sslPort}`,
      `SASL_SSL://${host}:${security.saslSslPort}`,
    );
    protocols.push('SASL_PLAINTEXT:SASL_PLAINTEXT', 'SSL:SSL', 'SASL_SSL:SASL_SSL');
  }
  const properties = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    listeners: [...listeners, `CONTROLLER://${host}:${controllerPort}`].join(','),
    'advertised.listeners': listeners.join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': protocols.join(','),
    'log.dirs': join(dir, 'data'),
    'num.partitions': 1,
    'auto.create.topics.enable': false,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    ...(security && securityProperties(security)),
  };
  const file = join(dir, 'server.properties');
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${value}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** SCRAM credentials can only be added at format time (or later through the Admin API). */
function formatStorageOnce(dir: string, config: string, jvmArgs: string[], scramUsers: KafkaUser[]): void {
  if (existsSync(join(dir, 'data', 'meta.properties'))) return;
  const scram = scramUsers.flatMap(({ name, password }) =>
    saslMechanisms
      .filter((mechanism) => mechanism.startsWith('SCRAM-'))
      .flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${name},password=${password}]`]),
  );
  const args = [
    ...jvmArgs,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    newClusterId(),
    '-c',
    config,
    ...scram,
  ];
  const result = spawnSync(java, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`Kafka storage format failed: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`Kafka storage format failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
}

/** Kafka cluster ids are 16 random bytes in URL-safe base64, never starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Ready: the plain listener answers a metadata request and every secure listener accepts connections. */
async function answers(port: number, securePorts: number[]): Promise<true | string> {
  if (!(await acceptsConnections(port)) || !(await answersMetadata(`${host}:${port}`))) return '';
  const open = await Promise.all(securePorts.map(acceptsConnections));
  return open.every(Boolean) ? true : '';
}

async function answersMetadata(bootstrap: string): Promise<boolean> {
  const admin = new Admin({
    clientId: 'labdeck-lab-probe',
    bootstrapBrokers: [bootstrap],
    retries: 0,
    connectTimeout: 1000,
    requestTimeout: 3000,
  });
  try {
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

interface LogMark {
  file: string;
  from: number;
}

function markLog(file: string): LogMark {
  return { file, from: existsSync(file) ? statSync(file).size : 0 };
}

/** The errors (with the exception line under each) and the last lines each log got since its mark. */
function summarizeLogs(marks: LogMark[]): string {
  return marks
    .map(({ file, from }) => {
      const lines = existsSync(file)
        ? readFileSync(file).subarray(from).toString('utf8').trimEnd().split('\n')
        : [];
      if (lines.join('') === '') return '';
      const errors = lines.flatMap((line, i) => {
        if (!/^\[[^\]]+\] (ERROR|FATAL) /.test(line)) return [];
        const cause = lines[i + 1];
        return cause && !cause.startsWith('[') ? [line, cause] : [line];
      });
      const summary = errors.length > 0 ? ['errors:', ...errors.slice(0, 12), 'last lines:'] : [];
      return `--- ${file}\n${[...summary, ...lines.slice(-15)].join('\n')}`;
    })
    .filter(Boolean)
    .join('\n');
}
