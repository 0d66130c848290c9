import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** SASL and TLS listeners for the lab broker: users, a self-signed CA and the broker's PKCS12 keystore. */

export interface KafkaSecurityOptions {
  /** SASL users, valid for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. Default: `labdeck` with a random password. */
  users?: KafkaUser[];
  saslPort?: number;
  sslPort?: number;
  saslSslPort?: number;
}

export interface KafkaUser {
  name: string;
  password: string;
}

export const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

export interface KafkaSecurity {
  /** `host:port` of the SASL_PLAINTEXT listener. */
  sasl: string;
  /** `host:port` of the SSL listener (TLS, no client certificate). */
  ssl: string;
  /** `host:port` of the SASL_SSL listener. */
  saslSsl: string;
  saslPort: number;
  sslPort: number;
  saslSslPort: number;
  mechanisms: readonly SaslMechanism[];
  users: KafkaUser[];
  /** The self-signed CA that signed the broker certificate (SANs 127.0.0.1 and localhost), PEM. */
  caPem: string;
  caFile: string;
}

export interface PreparedSecurity extends KafkaSecurity {
  keystoreFile: string;
  keystorePassword: string;
}

const host = '127.0.0.1';
/** Names and passwords go into the JAAS config and the SCRAM format arguments unquoted. */
const safeCredential = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * Users, ports and TLS material for the SASL_PLAINTEXT, SSL and SASL_SSL listeners. Users and TLS files are
 * kept in `<dir>/security.json` and `<dir>/tls`, so a restarted data dir keeps the SCRAM users it was
 * formatted with and the CA its clients trust.
 */
export async function prepareSecurity(
  dir: string,
  options: KafkaSecurityOptions,
  freePort: () => Promise<number>,
): Promise<PreparedSecurity> {
  const stateFile = join(dir, 'security.json');
  const formatted = existsSync(join(dir, 'data', 'meta.properties'));
  const saved = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { users: KafkaUser[] })
    : undefined;
  if (formatted && !saved) {
    throw new Error(
      `Kafka data in ${dir} was formatted without security, so it has no SCRAM users: use a fresh dir`,
    );
  }
  const users = options.users ??
    saved?.users ?? [{ name: 'labdeck', password: randomBytes(12).toString('hex') }];
  if (users.length === 0) throw new Error('Kafka security: give at least one user');
  for (const { name, password } of users) {
    if (!safeCredential.test(name) || !safeCredential.test(password)) {
      throw new Error(
        `Kafka security: user names and passwords must match ${safeCredential} (user ${JSON.stringify(name)})`,
      );
    }
  }
  if (formatted && saved && JSON.stringify(saved.users) !== JSON.stringify(users)) {
    throw new Error(
      `Kafka data in ${dir} was formatted with other SCRAM users (${stateFile}): use a fresh dir`,
    );
  }
  writeFileSync(stateFile, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });

  const tlsDir = join(dir, 'tls');
  const caFile = join(tlsDir, 'ca.pem');
  const keystoreFile = join(tlsDir, 'broker.p12');
  const passwordFile = join(tlsDir, 'keystore.password');
  if (!existsSync(keystoreFile) || !existsSync(passwordFile) || !existsSync(caFile)) {
    mkdirSync(tlsDir, { recursive: true });
    const ca = createCertificateAuthority(tlsDir, 'ca');
    const password = randomBytes(12).toString('hex');
    issueBrokerKeystore(tlsDir, ca, keystoreFile, password);
    writeFileSync(passwordFile, password, { mode: 0o600 });
  }
  const saslPort = options.saslPort ?? (await freePort());
  const sslPort = options.sslPort ?? (await freePort());
  const saslSslPort = options.saslSslPort ?? (await freePort());
  return {
    sasl: `${host}:${saslPort}`,
    ssl: `${host}:${sslPort}`,
    saslSsl: `${host}:${saslSslPort}`,
    saslPort,
    sslPort,
    saslSslPort,
    mechanisms: saslMechanisms,
    users,
    caPem: readFileSync(caFile, 'utf8'),
    caFile,
    keystoreFile,
    keystorePassword: readFileSync(passwordFile, 'utf8'),
  };
}

export function publicSecurity(security: PreparedSecurity): KafkaSecurity {
  const { keystoreFile: _file, keystorePassword: _password, ...rest } = security;
  return rest;
}

export function securePorts(security: PreparedSecurity | undefined): number[] {
  return security ? [security.saslPort, security.sslPort, security.saslSslPort] : [];
}

/** server.properties entries: the mechanisms, PLAIN users in the JAAS config, SCRAM login modules, keystore. */
export function securityProperties(security: PreparedSecurity): Record<string, string> {
  const plainUsers = security.users.map(({ name, password }) => `user_${name}="${password}"`).join(' ');
  const properties: Record<string, string> = {
    'sasl.enabled.mechanisms': security.mechanisms.join(','),
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': security.keystoreFile,
    'ssl.keystore.password': security.keystorePassword,
    'ssl.key.password': security.keystorePassword,
    'ssl.client.auth': 'none',
  };
  for (const listener of ['sasl_plaintext', 'sasl_ssl']) {
    properties[`listener.name.${listener}.plain.sasl.jaas.config`] =
      `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`;
    for (const scram of ['scram-sha-256', 'scram-sha-512']) {
      properties[`listener.name.${listener}.${scram}.sasl.jaas.config`] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  return properties;
}

export interface CertificateAuthority {
  certFile: string;
  keyFile: string;
  pem: string;
}

/** A self-signed CA (EC P-256, 10 years) in `<dir>/<name>.pem` and `<dir>/<name>.key`, made with openssl. */
export function createCertificateAuthority(dir: string, name = 'ca'): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  newEcKey(keyFile, certFile, [
    '-x509',
    '-days',
    '3650',
    '-subj',
    `/CN=Labdeck lab CA ${randomBytes(4).toString('hex')}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/** The broker's key and certificate (SANs 127.0.0.1 and localhost, signed by `ca`) in a PKCS12 keystore. */
function issueBrokerKeystore(
  dir: string,
  ca: CertificateAuthority,
  keystore: string,
  password: string,
): void {
  const key = join(dir, 'broker.key');
  const csr = join(dir, 'broker.csr');
  const cert = join(dir, 'broker.pem');
  const extensions = join(dir, 'broker.ext');
  writeFileSync(
    extensions,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  newEcKey(key, csr, ['-subj', '/CN=localhost']);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '3650',
    '-extfile',
    extensions,
    '-out',
    cert,
  ]);
  openssl([
    'pkcs12',
    '-export',
    '-in',
    cert,
    '-inkey',
    key,
    '-certfile',
    ca.certFile,
    '-name',
    'broker',
    '-out',
    keystore,
    '-passout',
    `pass:${password}`,
  ]);
}

/** A new unencrypted EC P-256 key in `keyFile`, and in `out` its certificate request (or with `-x509`, a self-signed certificate). */
function newEcKey(keyFile: string, out: string, options: string[]): void {
  openssl([
    'req',
    ...options,
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    out,
  ]);
}

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`openssl is needed for the Kafka TLS listeners: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`openssl ${args[0]} failed (exit ${result.status}):\n${result.stderr}`);
  }
}
