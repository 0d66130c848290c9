import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { ConfigError } from '../../platform/config/errors.ts';
import { parseConfigText } from '../../platform/config/load.ts';
import { buildConfigSchema } from '../../platform/config/schema.ts';
import type { ServicesConfig } from './config.ts';
import { servicesModule } from './index.ts';

const schema = buildConfigSchema([servicesModule]);
const parse = (text: string, env: NodeJS.ProcessEnv = {}) =>
  parseConfigText(schema, text, 'labdeck.yaml', env) as unknown as { services: ServicesConfig };
const problems = (text: string) => {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError)
      return error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('services: config', () => {
  it('gives defaults when the key is absent', () => {
    expect(parse('').services).toMatchObject({
      groups: [],
      probes: { intervalMs: 30_000, timeoutMs: 5_000, concurrency: 32 },
      retention: { days: 7, rawHours: 24 },
      discovery: { kubernetes: { enabled: false }, docker: { enabled: false } },
    });
  });

  it('accepts the services section of labdeck.example.yaml', () => {
    const example = parseYaml(
      readFileSync(path.join(import.meta.dirname, '../../../labdeck.example.yaml'), 'utf8'),
    );
    const { services } = parse(stringify({ services: example.services }), {
      KAFKA_PASSWORD: 'x',
      WAREHOUSE_PASSWORD: 'x',
      GRAFANA_TOKEN: 'x',
    });
    expect(services.groups.map((g) => g.name)).toEqual(['Data platform', 'Tools']);
    expect(services.discovery.docker).toEqual({
      enabled: false,
      socket: '/var/run/docker.sock',
      linkHost: 'localhost',
    });
  });

  it('builds Docker links on localhost unless told the Docker host', () => {
    expect(parse('').services.discovery.docker.linkHost).toBe('localhost');
    for (const host of ['docker-1.lab.example', '10.0.0.7', '[fd00::7]'])
      expect(
        parse(`services:\n  discovery:\n    docker: { linkHost: '${host}' }\n`).services.discovery.docker
          .linkHost,
      ).toBe(host);
    for (const host of ['http://docker-1', 'docker-1:8080', 'docker 1', 'fd00::7'])
      expect(problems(`services:\n  discovery:\n    docker: { linkHost: '${host}' }\n`)).toEqual([
        'labdeck.yaml:3 services.discovery.docker.linkHost: expected a host name or IP address (IPv6 in brackets), without scheme or port',
      ]);
  });

  it('interpolates secrets into probe headers', () => {
    const config = parse(
      'services:\n  groups:\n    - name: G\n      services:\n        - name: A\n          url: http://a/\n          probe: { type: http, headers: { Authorization: "Bearer ${TOKEN}" } }\n',
      { TOKEN: 't0k3n' },
    );
    expect(config.services.groups[0]!.services[0]!.probe).toMatchObject({
      headers: { Authorization: 'Bearer t0k3n' },
    });
  });

  it('names file, line and key for every problem', () => {
    expect(
      problems(`services:
  groups:
    - name: Data
      services:
        - name: Trino
          url: not a url
        - name: Trino
          url: http://trino/
          probe: { type: carrier-pigeon }
        - name: Kafka
          url: http://kafka/
          probe: { type: http, expectStatus: [500, 200], colour: red }
  probes: { intervalMs: 10 }
`),
    ).toEqual([
      'labdeck.yaml:6 services.groups[0].services[0].url: expected a URL',
      expect.stringMatching(/^labdeck.yaml:9 services.groups\[0\].services\[1\].probe/),
      'labdeck.yaml:12 services.groups[0].services[2].probe.expectStatus: expected [low, high] with low <= high',
      'labdeck.yaml:12 services.groups[0].services[2].probe.colour: unknown key',
      expect.stringMatching(/^labdeck.yaml:13 services.probes.intervalMs: .*500/),
    ]);
  });

  it('rejects two services with the same id', () => {
    expect(
      problems(
        'services:\n  groups:\n    - name: A\n      services:\n        - { name: X, url: "http://x/" }\n    - name: B\n      services:\n        - { name: x, url: "http://y/" }\n',
      ),
    ).toEqual(['labdeck.yaml:8 services.groups[1].services[0].name: duplicate service id "x"']);
  });

  describe('kind', () => {
    const declare = (services: string) =>
      parse(`services:\n  groups:\n    - name: Lab\n      services:\n${services}`).services.groups[0]!
        .services;

    it('gives the preset icon and probe to { name, kind, url }', () => {
      const [spark, mlflow, pg] = declare(
        '        - { name: Spark, kind: spark, url: "http://spark:8080" }\n' +
          '        - { name: MLflow, kind: mlflow, url: "http://mlflow:5000/ml" }\n' +
          '        - { name: Shop DB, kind: postgres, url: "http://db:5432" }\n',
      );
      expect(spark).toMatchObject({
        kind: 'spark',
        icon: 'spark',
        probe: { type: 'spark', tlsVerify: true },
      });
      expect(mlflow).toMatchObject({
        icon: 'mlflow',
        probe: { type: 'mlflow', tlsVerify: true },
      });
      expect(pg).toMatchObject({ icon: 'postgresql', probe: { type: 'tcp' } });
    });

    it('lets every preset field be overridden', () => {
      const [connect, trino, quiet] = declare(
        '        - name: Connect\n          kind: kafka-connect\n          url: "http://connect:8083"\n          icon: "https://cdn.example/c.svg"\n          probe: { timeoutMs: 9000, headers: { Authorization: "Basic x" } }\n' +
          '        - { name: Trino, kind: trino, url: "http://trino:8080", probe: { type: http, keyword: ok } }\n' +
          '        - { name: Quiet, kind: redis, url: "http://redis:6379", probe: false }\n',
      );
      expect(connect).toMatchObject({
        icon: 'https://cdn.example/c.svg',
        probe: { type: 'kafka-connect', timeoutMs: 9000, headers: { Authorization: 'Basic x' } },
      });
      expect(trino?.probe).toMatchObject({ type: 'http', keyword: 'ok' });
      expect(quiet).toMatchObject({ icon: 'redis', probe: false });
    });

    it('names file and line of an unknown kind and of a bad override', () => {
      expect(
        problems(`services:
  groups:
    - name: Lab
      services:
        - name: A
          url: http://a/
          kind: spark-streaming
        - name: B
          url: http://b/
          kind: flink
          probe: { timeoutMs: fast }
`),
      ).toEqual([
        expect.stringMatching(/^labdeck.yaml:7 services.groups\[0\].services\[0\].kind: .*spark/),
        expect.stringMatching(/^labdeck.yaml:11 services.groups\[0\].services\[1\].probe.timeoutMs: /),
      ]);
    });
  });
});
