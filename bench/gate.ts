/**
 * Forward-auth checks against one BFF in oidc mode, with a real signed-in session (its row created
 * through the auth store, as sign-in stores it) and 20 gated services: GET /api/gate/auth (nginx
 * `auth_request`) for an allowed service, a mix with denials, and GET /api/gate/forward with Traefik's
 * X-Forwarded-* headers, each at a fixed rate beside GET /healthz at the same rate in the same run.
 * Rounds interleave the four loads; the figures are medians over rounds.
 *   node bench/gate.ts [--rate 2000] [--seconds 10] [--rounds 3]
 * Goal: /api/gate/auth p99 <= 2 ms at 2,000 req/s (allowed, 200 with identity headers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { storeAnalystSession } from '../server/modules/auth/test/stored-session.ts';
import { fixedRateLoad, type Load, type LoadOptions, loadClient } from './_load.ts';
import { type BenchBff, benchWithBff, median } from './_sql-harness.ts';
import { cpuSeconds, flag } from './home-probes.ts';

const rate = flag('rate', 2000);
const seconds = flag('seconds', 10);
const rounds = flag('rounds', 3);
const SERVICES = 20;
/** The address users open; only used to build sign-in and denied URLs (the bench calls the BFF directly). */
const PUBLIC_URL = 'http://labdeck.lab.localhost:8090';
const serviceUrl = (i: number) => `http://svc-${i}.lab.localhost:8090`;

/** Even services are for analysts (the bench user), odd ones for operators only; every third has a public path. */
const config = () =>
  [
    'log: { level: warn }',
    `server: { publicUrl: "${PUBLIC_URL}" }`,
    'auth:',
    '  mode: oidc',
    '  providers: [{ issuer: "http://127.0.0.1:9/realms/bench", clientId: labdeck }]',
    '  roles: { analyst: [analysts], operator: [operators] }',
    '  session: { cookieDomain: lab.localhost }',
    'services:',
    '  groups:',
    '    - name: Gated',
    '      services:',
    ...Array.from({ length: SERVICES }, (_, i) => {
      const role = i % 2 === 0 ? 'analyst' : 'operator';
      const publicPaths = i % 3 === 0 ? ', publicPaths: [/health]' : '';
      return `        - { id: svc-${i}, name: Service ${i}, url: "${serviceUrl(i)}/ui/", roles: [${role}], probe: false, access: { paths: [/]${publicPaths} } }`;
    }),
  ].join('\n');

const original = (i: number) => ({
  'X-Original-URL': `${serviceUrl(i)}/ui/query/42?tab=plan`,
  'X-Original-Method': 'GET',
});

/** One answer of the gate, checked before any load: a bench of the wrong answer measures nothing. */
async function expectAnswer(bff: BenchBff, path: string, headers: Record<string, string>, want: number) {
  const res = await fetch(bff.url + path, { headers, redirect: 'manual' });
  const user = res.headers.get('x-forwarded-user');
  if (res.status !== want || (want === 200 && user !== 'analyst')) {
    throw new Error(
      `${path} ${JSON.stringify(headers)} answered ${res.status} (user ${user}), expected ${want}: ${await res.text()}`,
    );
  }
}

async function measure(bff: BenchBff): Promise<boolean> {
  const cookie = `labdeck_session=${await storeAnalystSession(bff.pg.url)}`;
  const allowed = { cookie, ...original(4) };
  const denied = { cookie, ...original(5) };
  const forward = {
    cookie,
    accept: 'text/html',
    'X-Forwarded-Proto': 'http',
    'X-Forwarded-Host': 'svc-4.lab.localhost:8090',
    'X-Forwarded-Uri': '/ui/query/42?tab=plan',
    'X-Forwarded-Method': 'GET',
  };
  await expectAnswer(bff, '/api/gate/auth', allowed, 200);
  await expectAnswer(bff, '/api/gate/auth', denied, 403);
  await expectAnswer(bff, '/api/gate/auth', original(4), 401);
  await expectAnswer(bff, '/api/gate/forward', forward, 200);

  // 10 requests in turn: 6 allowed on 6 services, 3 denied, 1 signed out (no cookie, 401).
  const mix = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) =>
    n === 9 ? original(0) : { cookie, ...original(n % 3 === 2 ? 2 * n + 1 : 2 * n) },
  );
  const floor = await startFloorServer();
  const loads: Record<string, { path: string; options: Partial<LoadOptions>; target?: Target }> = {
    [FLOOR]: { path: '/', options: {}, target: floor },
    'GET /healthz (baseline)': { path: '/healthz', options: {} },
    'GET /api/gate/auth allowed (200)': { path: '/api/gate/auth', options: { headers: allowed } },
    'GET /api/gate/auth mix (60% 200, 30% 403, 10% 401)': {
      path: '/api/gate/auth',
      options: { headerSets: mix, allowNon2xx: true },
    },
    'GET /api/gate/forward allowed (Traefik headers)': {
      path: '/api/gate/forward',
      options: { headers: forward },
    },
  };
  type Figures = { p50: number; p99: number; max: number; cpu: number; cpuPerRequest: number };
  const figures = new Map<string, Figures[]>();

  const bffTarget: Target = { url: bff.url, cpuSeconds: () => cpuSeconds(bff.url) };
  async function load(
    label: string,
    path: string,
    options: Partial<LoadOptions>,
    time = seconds,
    target = bffTarget,
  ) {
    const cpuBefore = await target.cpuSeconds();
    const result: Load = await fixedRateLoad(target.url + path, { rate, seconds: time, ...options });
    const cpu = (((await target.cpuSeconds()) - cpuBefore) / time) * 100;
    console.log(
      `    ${label.padEnd(52)} ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(1)} ms, server CPU ${cpu.toFixed(0)}% of one core (${((cpu * 10_000) / result.rps).toFixed(0)} µs a request)${result.non2xx ? `, ${result.non2xx} non-2xx` : ''}`,
    );
    return { ...result, cpu };
  }

  console.log(
    `gate: ${SERVICES} gated services, oidc session, target ${rate} req/s for ${seconds} s x ${rounds} rounds with ${loadClient} (50 connections, 2 client threads), Node ${process.version}, ${availableParallelism()} cores`,
  );
  await load('GET /healthz (warm-up, 3 s)', '/healthz', {}, 3);
  await load('GET /api/gate/auth (warm-up, 3 s)', '/api/gate/auth', { headers: allowed }, 3);
  for (let round = 1; round <= rounds; round++) {
    console.log(`  round ${round} (load avg ${loadavg()[0]!.toFixed(1)}):`);
    for (const [label, { path, options, target }] of Object.entries(loads)) {
      const { p50, p99, max, cpu, rps } = await load(label, path, options, seconds, target);
      const cpuPerRequest = (cpu * 10_000) / rps;
      figures.set(label, [...(figures.get(label) ?? []), { p50, p99, max, cpu, cpuPerRequest }]);
    }
  }

  const med = (label: string, key: keyof Figures) => median(figures.get(label)!.map((f) => f[key]));
  console.log(`  medians of ${rounds} rounds:`);
  for (const label of figures.keys()) {
    console.log(
      `    ${label.padEnd(52)} p50 ${med(label, 'p50').toFixed(2)} ms, p99 ${med(label, 'p99').toFixed(2)} ms, server CPU ${med(label, 'cpu').toFixed(0)}% of one core, ${med(label, 'cpuPerRequest').toFixed(0)} µs a request`,
    );
  }
  floor.process.kill();
  const gateP99 = med('GET /api/gate/auth allowed (200)', 'p99');
  console.log(
    `gate: GET /api/gate/auth p99 ${gateP99.toFixed(2)} ms at ${rate} req/s (goal <= 2 ms), BFF CPU ${med('GET /api/gate/auth allowed (200)', 'cpu').toFixed(0)}%, vs GET /healthz p99 ${med('GET /healthz (baseline)', 'p99').toFixed(2)} ms, CPU ${med('GET /healthz (baseline)', 'cpu').toFixed(0)}%, and an empty node:http answer (this machine's floor) p99 ${med(FLOOR, 'p99').toFixed(2)} ms (${loadClient})`,
  );
  return gateP99 <= 2;
}

interface Target {
  url: string;
  cpuSeconds: () => Promise<number>;
}

const FLOOR = 'node:http empty 200 (floor, another process)';

/**
 * A Node process that answers every request with an empty 200 and one header: what this machine,
 * this Node and this load client give before any work, so the gate's p99 reads against it.
 */
async function startFloorServer(): Promise<Target & { process: ChildProcess }> {
  const source = `const s = require('node:http').createServer((q, r) => { r.writeHead(200, { 'X-Forwarded-User': 'analyst' }); r.end(); });
    s.keepAliveTimeout = 65000; s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const ticks = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return {
    url: `http://127.0.0.1:${line.toString().trim()}`,
    process: child,
    // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
    cpuSeconds: async () => (Number(ticks()[11]) + Number(ticks()[12])) / 100,
  };
}

await benchWithBff({ name: 'gate', config, measure });
