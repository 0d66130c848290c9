import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSection } from '../config.ts';
import { clientOptions } from './platformatic.ts';

describe('clientOptions', () => {
  it('maps SASL and TLS settings, reading PEM files relative to the config folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-streams-tls-'));
    writeFileSync(path.join(dir, 'ca.pem'), 'CA PEM');
    const cluster = clusterSection.parse({
      id: 'prod',
      bootstrap: ['k1:9093', 'k2:9093'],
      requestTimeout: '8s',
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'reader', password: 'pw' },
      tls: { ca: 'ca.pem', servername: 'kafka.example.com' },
    });
    const options = clientOptions(cluster, dir);
    expect(options.bootstrapBrokers).toEqual(['k1:9093', 'k2:9093']);
    expect(options.requestTimeout).toBe(8_000);
    expect(options.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'reader', password: 'pw' });
    expect(String(options.tls?.ca)).toBe('CA PEM');
    expect(options.tls?.servername).toBe('kafka.example.com');
    expect(options.tls?.rejectUnauthorized).toBe(true);
  });

  it('uses the system trust store with tls: true, and plaintext by default', () => {
    const base = { id: 'a', bootstrap: 'k:9092' };
    expect(clientOptions(clusterSection.parse({ ...base, tls: true }), '/').tls).toEqual({});
    expect(clientOptions(clusterSection.parse(base), '/').tls).toBeUndefined();
  });

  it('fails at start, naming the file, when a PEM file is missing', () => {
    const cluster = clusterSection.parse({ id: 'a', bootstrap: 'k:9092', tls: { ca: 'missing.pem' } });
    expect(() => clientOptions(cluster, '/nonexistent')).toThrow(
      /streams cluster a: cannot read TLS file \/nonexistent\/missing\.pem/,
    );
  });
});
