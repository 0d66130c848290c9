import type { ClusterConfig } from '../config.ts';

/**
 * One line that says why a Kafka call failed, for the cluster's status and the logs. The client nests the
 * reason deep ("Listing topics failed." > "Cannot connect to any broker." > "Connection to h:p failed." >
 * "SASL authentication failed." > the broker's own message): this finds it, names the listener, the
 * mechanism and the user, and never carries the password.
 */
export function describeKafkaError(error: unknown, cluster: Pick<ClusterConfig, 'sasl' | 'tls'>): string {
  const chains = leafChains(error);
  const auth = chains.find((chain) => chain.some(isAuthFailure));
  const tlsFailure = chains.find((chain) => chain.some((e) => tlsCode(e) !== undefined));
  let message: string;
  if (auth) {
    const broker = connectionTarget(auth);
    const detail = serverMessage(auth);
    const sasl = cluster.sasl;
    const who = sasl ? `${sasl.mechanism} authentication failed for user "${sasl.username}"` : 'SASL failed';
    message = `${who}${broker ? ` at ${broker}` : ''}${detail ? `: ${detail}` : ''}`;
  } else if (tlsFailure) {
    const broker = connectionTarget(tlsFailure);
    const cause = tlsFailure.find((e) => tlsCode(e) !== undefined)!;
    const code = tlsCode(cause)!;
    const check =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'tls.servername and the bootstrap host' : 'tls.ca';
    message = `TLS certificate of ${broker ?? 'the broker'} not trusted: ${cause.message} (${code}); check ${check}`;
  } else {
    // The outermost message says what was attempted, the innermost two why and where.
    const parts = [...new Set((chains[0] ?? []).map((e) => e.message.replace(/\.$/, '')).filter(Boolean))];
    message = (parts.length > 3 ? [parts[0], ...parts.slice(-2)] : parts).join(': ') || String(error);
    // A SASL listener drops a client that skips authentication without a word.
    if (!cluster.sasl && parts.at(-1) === 'Connection closed')
      message += ' by the broker (does it need sasl?)';
  }
  return redact(message, cluster.sasl?.password);
}

/** An Error whose message is `describeKafkaError`, with the original as its cause. */
export function clearKafkaError(error: unknown, cluster: Pick<ClusterConfig, 'sasl' | 'tls'>): Error {
  return new Error(describeKafkaError(error, cluster), { cause: error });
}

const unreachableCodes = new Set([
  'PLT_KFK_NETWORK',
  'PLT_KFK_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Whether the call failed because no broker answered (refused, reset, timed out), not because of what it asked. */
export function isUnreachable(error: unknown): boolean {
  return leafChains(error).some((chain) =>
    chain.some((e) => e.code !== undefined && unreachableCodes.has(e.code)),
  );
}

type Failure = Error & {
  errors?: unknown[];
  code?: string;
  apiId?: string;
  serverErrorMessage?: string | null;
};

/** Every path from the error to a leaf, through `cause` and AggregateError's `errors`. */
function leafChains(error: unknown, seen = new Set<unknown>()): Failure[][] {
  if (!(error instanceof Error) || seen.has(error)) return [];
  seen.add(error);
  const failure = error as Failure;
  const children = [...(Array.isArray(failure.errors) ? failure.errors : []), failure.cause];
  const below = children.flatMap((child) => leafChains(child, seen));
  return below.length ? below.map((chain) => [failure, ...chain]) : [[failure]];
}

const isAuthFailure = (e: Failure) =>
  e.code === 'PLT_KFK_AUTHENTICATION' || e.apiId === 'SASL_AUTHENTICATION_FAILED';

const tlsCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function tlsCode(e: Failure): string | undefined {
  return e.code && tlsCodes.has(e.code) ? e.code : undefined;
}

function connectionTarget(chain: Failure[]): string | undefined {
  for (const e of chain) {
    const match = /^Connection to (\S+) failed/.exec(e.message);
    if (match) return match[1];
  }
  return undefined;
}

function serverMessage(chain: Failure[]): string | undefined {
  for (const e of [...chain].reverse()) if (e.serverErrorMessage) return e.serverErrorMessage;
  return undefined;
}

/** Brokers do not echo passwords, but a message is no place to trust that. */
function redact(message: string, password: string | undefined): string {
  if (!password || password.length < 4) return message;
  return message.split(password).join('***');
}
