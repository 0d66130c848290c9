import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { streamsSection } from './config.ts';

const example = path.join(import.meta.dirname, '../../../labdeck.example.yaml');

describe('streams config', () => {
  it('accepts the documented example', () => {
    const text = readFileSync(example, 'utf8').replaceAll(/\$\{[A-Z_]+\}/g, 'secret');
    const streams = streamsSection.parse(parse(text).streams);
    expect(streams.clusters.map((c) => c.id)).toEqual(['local', 'prod']);
    expect(streams.clusters[0]).toMatchObject({
      bootstrap: ['localhost:9092'],
      interval: 5_000,
      window: 3_600_000,
      tls: false,
    });
    expect(streams.clusters[1]!.sasl?.mechanism).toBe('SCRAM-SHA-512');
    expect(streams.history.retention).toBe(7 * 86_400_000);
  });

  it("the example's role mapping defines the operator role that peeks require", () => {
    const roles = parse(readFileSync(example, 'utf8')).auth.roles as Record<string, string[]>;
    expect(roles.operator).toEqual(['lab-operators']);
  });

  it('gives defaults when the key is absent', () => {
    expect(streamsSection.parse(undefined)).toMatchObject({
      clusters: [],
      history: { retention: 604_800_000, resolution: 60_000 },
      peek: { maxMessages: 50 },
    });
  });

  it('reads a Schema Registry per cluster with a default timeout', () => {
    const cluster = streamsSection.parse({
      clusters: [
        {
          id: 'a',
          bootstrap: 'k:9092',
          schemaRegistry: { url: 'https://sr:8081', username: 'u', password: 'p' },
        },
      ],
    }).clusters[0]!;
    expect(cluster.schemaRegistry).toEqual({
      url: 'https://sr:8081',
      username: 'u',
      password: 'p',
      requestTimeout: 5_000,
    });
  });

  it.each([
    ['500ms', 500],
    ['5s', 5_000],
    ['1.5m', 90_000],
    ['2m', 120_000],
    [2500, 2500],
  ])('reads the duration %s', (interval, ms) => {
    expect(
      streamsSection.parse({ clusters: [{ id: 'a', bootstrap: 'k:9092', interval }] }).clusters[0]!.interval,
    ).toBe(ms);
  });

  it.each([
    [{ clusters: [{ id: 'a', bootstrap: 'k:9092', interval: 'soon' }] }, 'duration'],
    [{ clusters: [{ id: 'a', bootstrap: 'k:9092', interval: '1ms' }] }, 'between'],
    [{ clusters: [{ id: 'a', bootstrap: 'no-port' }] }, 'host:port'],
    [{ clusters: [{ id: 'Bad Id', bootstrap: 'k:9092' }] }, 'lower-case'],
    [
      {
        clusters: [
          { id: 'a', bootstrap: 'k:9092', sasl: { mechanism: 'GSSAPI', username: 'u', password: 'p' } },
        ],
      },
      'mechanism',
    ],
    [
      {
        clusters: [
          { id: 'a', bootstrap: 'k:9092', sasl: { mechanism: 'PLAIN', username: 'u', password: '' } },
        ],
      },
      'must not be empty',
    ],
    [{ clusters: [{ id: 'a', bootstrap: 'k:9092', intervall: '5s' }] }, 'intervall'],
    [
      {
        clusters: [
          { id: 'a', bootstrap: 'k:9092' },
          { id: 'a', bootstrap: 'k:9093' },
        ],
      },
      'duplicate cluster id a',
    ],
    [{ clusters: [{ id: 'a', bootstrap: 'k:9092', schemaRegistry: { url: 'ftp://sr' } }] }, 'url'],
    [
      { clusters: [{ id: 'a', bootstrap: 'k:9092', schemaRegistry: { url: 'http://sr', password: 'p' } }] },
      'username and password go together',
    ],
    [
      { clusters: [{ id: 'a', bootstrap: 'k:9092', schemaRegistry: { url: 'http://sr', token: 't' } }] },
      'token',
    ],
  ])('rejects %j naming the problem', (input, message) => {
    const result = streamsSection.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});
