import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  UserError,
} from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { clearKafkaError, describeKafkaError } from './errors.ts';

// The shapes the client throws, as seen against the lab broker (lab/kafka with `security: true`).
const listingFailed = (leaf: Error) =>
  new MultipleErrors('Listing topics failed.', [
    new MultipleErrors('Cannot connect to any broker.', [
      new NetworkError('Connection to 127.0.0.1:9093 failed.', { cause: leaf }),
    ]),
  ]);

const saslFailure = (serverMessage: string) =>
  listingFailed(
    new AuthenticationError('SASL authentication failed.', {
      cause: new MultipleErrors('Received response with error while executing API SaslAuthenticate(v2)', [
        new ProtocolError('SASL_AUTHENTICATION_FAILED', serverMessage),
      ]),
    }),
  );

const tlsFailure = (code: string, message: string) =>
  listingFailed(Object.assign(new Error(message), { code }));

const sasl = { mechanism: 'SCRAM-SHA-256' as const, username: 'reader', password: 'hunter2-secret' };

describe('describeKafkaError', () => {
  it('names the mechanism, user, broker and the broker’s reason when SASL fails', () => {
    const message = describeKafkaError(
      saslFailure('Authentication failed during authentication due to invalid credentials'),
      { sasl, tls: false },
    );
    expect(message).toBe(
      'SCRAM-SHA-256 authentication failed for user "reader" at 127.0.0.1:9093: ' +
        'Authentication failed during authentication due to invalid credentials',
    );
  });

  it('never carries the password, even when a message does', () => {
    const message = describeKafkaError(saslFailure(`bad password hunter2-secret for reader`), {
      sasl,
      tls: false,
    });
    expect(message).not.toContain('hunter2-secret');
    expect(message).toContain('bad password *** for reader');
  });

  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
  ])('says the certificate is not trusted (%s) and points at tls.ca', (code, text) => {
    expect(describeKafkaError(tlsFailure(code, text), { tls: true })).toBe(
      `TLS certificate of 127.0.0.1:9093 not trusted: ${text} (${code}); check tls.ca`,
    );
  });

  it('points at the server name when the certificate is for another host', () => {
    const text = "Hostname/IP does not match certificate's altnames: Host: kafka.example.com.";
    expect(describeKafkaError(tlsFailure('ERR_TLS_CERT_ALTNAME_INVALID', text), { tls: true })).toBe(
      `TLS certificate of 127.0.0.1:9093 not trusted: ${text} (ERR_TLS_CERT_ALTNAME_INVALID); ` +
        'check tls.servername and the bootstrap host',
    );
  });

  it('keeps what was attempted and the innermost reason for other failures', () => {
    const refused = tlsFailure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9093');
    expect(describeKafkaError(refused, { tls: false })).toBe(
      'Listing topics failed: Connection to 127.0.0.1:9093 failed: connect ECONNREFUSED 127.0.0.1:9093',
    );
    expect(describeKafkaError(new UserError('Broker requires TLS.'), { tls: false })).toBe(
      'Broker requires TLS',
    );
    expect(describeKafkaError('plain string', { tls: false })).toBe('plain string');
  });

  it('hints at SASL when a broker closes a connection that did not authenticate', () => {
    const closed = new NetworkError('Connection closed');
    expect(describeKafkaError(closed, { tls: false })).toBe(
      'Connection closed by the broker (does it need sasl?)',
    );
    expect(describeKafkaError(closed, { sasl, tls: false })).toBe('Connection closed');
  });

  it('wraps the original error as the cause', () => {
    const original = saslFailure('nope');
    const wrapped = clearKafkaError(original, { sasl, tls: false });
    expect(wrapped.cause).toBe(original);
    expect(wrapped.message).toMatch(/^SCRAM-SHA-256 authentication failed/);
  });
});
