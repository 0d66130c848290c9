import { mkdtempSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDef } from '../../types.ts';
import { dockerSource } from './docker.ts';
import type { DiscoveryProblem, DiscoverySource } from './types.ts';

const container = (name: string, labels: Record<string, string>, publicPort?: number) => ({
  Id: `${name}0123456789abcdef`,
  Names: [`/${name}`],
  Image: `lab/${name}:latest`,
  State: 'running',
  Status: 'Up 3 minutes',
  Labels: labels,
  Ports: publicPort ? [{ IP: '0.0.0.0', PrivatePort: 8080, PublicPort: publicPort, Type: 'tcp' }] : [],
});

describe('Docker discovery against a Unix-socket server speaking the Docker API', () => {
  const socket = path.join(mkdtempSync(path.join(tmpdir(), 'labdeck-docker-')), 'docker.sock');
  let containers = [
    container(
      'jupyter',
      { 'labdeck.enabled': 'true', 'labdeck.icon': 'jupyter', 'labdeck.group': 'Notebooks' },
      8888,
    ),
    container('no-port', { 'labdeck.enabled': 'true' }),
    container('other', { 'com.example': 'x' }, 9999),
  ];
  const events = new Set<ServerResponse>();
  const filters: string[] = [];
  let latest: { services: ServiceDef[]; problems: DiscoveryProblem[] } = { services: [], problems: [] };
  let warning: string | null = null;
  let source: DiscoverySource;
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://docker');
    if (url.pathname === '/containers/json') {
      filters.push(url.searchParams.get('filters') ?? '');
      // A real daemon filters by label; this one returns everything to prove Labdeck checks too.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(containers));
    } else if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      events.add(res);
      res.on('close', () => events.delete(res));
    } else {
      res.writeHead(404).end('{"message":"page not found"}');
    }
  });
  const ids = () => latest.services.map((s) => s.id).sort();

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    source = dockerSource({ enabled: true, socket, linkHost: 'localhost' });
    source.start({
      update: (services, problems) => {
        latest = { services, problems };
        warning = null;
      },
      failed: (message) => {
        warning = message;
      },
    });
  });
  afterAll(async () => {
    await source.stop();
    server.closeAllConnections();
    server.close();
  });

  it('lists labelled running containers and reports the ones it cannot use', async () => {
    await expect.poll(ids).toEqual(['jupyter']);
    expect(JSON.parse(filters[0]!)).toEqual({ label: ['labdeck.enabled=true'] });
    expect(latest.services[0]).toMatchObject({
      name: 'jupyter',
      url: 'http://localhost:8888/',
      group: 'Notebooks',
      icon: 'jupyter',
      source: 'docker',
    });
    expect(latest.problems).toEqual([
      expect.objectContaining({
        source: 'docker',
        object: 'container no-port',
        reason: expect.stringMatching(/^href: missing/),
      }),
    ]);
  });

  it('links to the configured Docker host, for browsers that run elsewhere', async () => {
    let services: ServiceDef[] = [];
    const remote = dockerSource({ enabled: true, socket, linkHost: 'docker-host.lab.example' });
    remote.start({ update: (list) => (services = list), failed: () => {} });
    try {
      await expect.poll(() => services.map((s) => s.url)).toEqual(['http://docker-host.lab.example:8888/']);
    } finally {
      await remote.stop();
    }
  });

  it('relists on container events', async () => {
    await expect.poll(() => events.size).toBe(1);
    containers = [
      ...containers,
      container('mlflow', {
        'labdeck.enabled': 'true',
        'labdeck.name': 'MLflow',
        'labdeck.href': 'http://mlflow.lab:5000/',
      }),
    ];
    for (const res of events)
      res.write(
        `${JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'mlflow0123', Attributes: { name: 'mlflow' } }, time: 1 })}\n`,
      );
    await expect.poll(ids).toEqual(['jupyter', 'mlflow']);
    containers = containers.filter((c) => c.Names[0] !== '/jupyter');
    for (const res of events)
      res.write(
        `${JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'jupyter0123' }, time: 2 })}\n`,
      );
    await expect.poll(ids).toEqual(['mlflow']);
  });

  it('keeps the last list with a warning when the daemon goes away', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await expect.poll(() => warning, { timeout: 5_000 }).toMatch(/^Docker: /);
    expect(ids()).toEqual(['mlflow']);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    await expect.poll(() => warning, { timeout: 10_000 }).toBeNull();
  });
});
