import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../platform/config/errors.ts';
import { parseConfigText } from '../../../platform/config/load.ts';
import { buildConfigSchema } from '../../../platform/config/schema.ts';
import type { BrowserProbeConfig } from '../adapters/probes/browser.ts';
import { probeSchema } from '../adapters/probes/registry.ts';
import { servicesModule } from '../index.ts';
import { ProbeScheduler } from '../scheduler.ts';
import type { ProbeResult, ServiceDef } from '../types.ts';
import { BrowserChecks } from './checks.ts';
import { BrowserPool } from './pool.ts';
import type { CheckEvidence } from './store.ts';
import { maskTrace } from './trace.ts';

// Browser checks in real headless Chromium against a small real web page served here.

const PAGE = `<!doctype html><html lang="en"><title>Shop</title>
<h1>Welcome</h1>
<label>Name <input id="name"></label><button id="greet">Greet</button><p id="out"></p>
<script>document.getElementById('greet').onclick = () => {
  document.getElementById('out').textContent = 'Hello ' + document.getElementById('name').value;
};</script>`;

const LOGIN = `<!doctype html><html lang="en"><title>Sign in</title>
<form method="post" action="/login"><input name="username"><input name="password" type="password">
<button type="submit">Sign in</button></form>`;
const ROBOT_PASSWORD = 'pw "robot" & 7f3k+Q/s';

let server: Server;
let base: string;
/** Requests to /slow in flight now, and the most seen at once. */
const slow = { now: 0, max: 0 };

function serve(): Promise<void> {
  server = createServer((req, res) => {
    const html = (body: string, headers: Record<string, string> = {}) =>
      res.writeHead(200, { 'content-type': 'text/html', ...headers }).end(body);
    if (req.url === '/') return html(PAGE);
    if (req.url === '/set-cookie') return html('<p>cookie set</p>', { 'set-cookie': 'who=check-a; Path=/' });
    if (req.url === '/whoami') return html(`<p>cookie: ${req.headers.cookie ?? 'none'}</p>`);
    if (req.url === '/hang') return; // never answers
    if (req.url === '/login' && req.method === 'GET') return html(LOGIN);
    if (req.url === '/login') {
      req.resume();
      return req.on('end', () => res.writeHead(303, { location: '/' }).end());
    }
    if (req.url === '/slow') {
      slow.now++;
      slow.max = Math.max(slow.max, slow.now);
      setTimeout(() => {
        slow.now--;
        html('<p>slow page</p>');
      }, 700);
      return;
    }
    res.writeHead(404).end('not here');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

const check = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  probeSchema.parse({ type: 'browser', url: `${base}/`, steps, ...extra }) as BrowserProbeConfig;

describe('browser checks in headless Chromium', () => {
  const saved: CheckEvidence[] = [];
  const pool = new BrowserPool({ concurrency: 2 });
  const checks = new BrowserChecks(
    pool,
    async (evidence) => {
      saved.push(evidence);
    },
    { maxTraceBytes: 5_000_000 },
  );
  const run = (config: BrowserProbeConfig, serviceId = 'shop', timeoutMs = 30_000) =>
    checks.run(serviceId, config, {
      signal: AbortSignal.timeout(timeoutMs + 1_000),
      timeoutMs,
      serviceUrl: base,
    });

  beforeAll(async () => {
    await serve();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await pool.close();
    server.close();
  });

  it('runs every step and reports up with per-step times, LCP and a first good screenshot', async () => {
    const outcome = await run(
      check([
        { waitFor: 'role=heading[name="Welcome"]' },
        { fill: ['#name', 'Ana'] },
        { click: 'text=Greet' },
        { expectText: 'Hello Ana' },
        { expectNoText: 'Error' },
      ]),
      'good',
    );
    expect(outcome).toMatchObject({ status: 'up' });
    const { report, shot } = saved.at(-1)!;
    expect(report.failed).toBeNull();
    expect(report.steps.map((s) => `${s.n} ${s.kind} ${s.target}`)).toEqual([
      `1 goto ${base}/`,
      '2 waitFor role=heading[name="Welcome"]',
      '3 fill #name',
      '4 click text=Greet',
      '5 expectText Hello Ana',
      '6 expectNoText Error',
    ]);
    expect(report.totalMs).toBeGreaterThanOrEqual(report.steps.reduce((sum, s) => sum + s.ms, 0));
    expect(report.lcpMs).toBeGreaterThan(0);
    expect(shot?.image.length).toBeGreaterThan(1_000);
  });

  it('reports a missing selector as down naming the step, with a screenshot of the page', async () => {
    const outcome = await run(check([{ click: '#checkout' }], { timeoutMs: 4_000 }));
    expect(outcome.status).toBe('down');
    expect(outcome.error).toMatch(/^step 2 \(click #checkout\): timed out after \d+ ms$/);
    const { report, shot } = saved.at(-1)!;
    expect(report.failed).toMatchObject({ n: 2, kind: 'click', target: '#checkout' });
    const magic = shot!.image.subarray(0, 4).toString('hex');
    expect(shot!.mime === 'image/png' ? magic : magic.slice(0, 6)).toBe(
      shot!.mime === 'image/png' ? '89504e47' : 'ffd8ff',
    );
  });

  it('names text that is there but must not be, and text that never came', async () => {
    expect((await run(check([{ expectNoText: 'Welcome' }]))).error).toBe(
      'step 2 (expectNoText Welcome): text "Welcome" is on the page',
    );
    expect((await run(check([{ expectText: 'Sold out' }], { timeoutMs: 2_000 }))).error).toBe(
      'step 2 (expectText Sold out): text "Sold out" not found',
    );
    expect((await run(check([{ goto: '/gone' }]))).error).toBe(`step 1 (goto /gone): HTTP 404`);
  });

  it('ends a hanging check at its time box while another check still runs', async () => {
    const started = Date.now();
    const [hung, fine] = await Promise.all([
      run(check([{ goto: '/hang' }], { timeoutMs: 3_000 }), 'hangs', 3_000),
      run(check([{ waitFor: 'h1' }]), 'fine'),
    ]);
    expect(hung.status).toBe('down');
    expect(hung.error).toMatch(/^step 1 \(goto \/hang\)/);
    expect(Date.now() - started).toBeLessThan(4_500);
    expect(fine.status).toBe('up');
    expect(pool.running).toBe(0);
  });

  it('keeps cookies of one check away from the next', async () => {
    expect(
      (await run(check([{ goto: '/set-cookie' }, { goto: '/whoami' }, { expectText: 'who=check-a' }])))
        .status,
    ).toBe('up');
    expect((await run(check([{ goto: '/whoami' }, { expectText: 'cookie: none' }]))).status).toBe('up');
  });

  it('runs at most `concurrency` checks at once; the rest wait their turn', async () => {
    slow.max = 0;
    const outcomes = await Promise.all([1, 2, 3, 4].map((n) => run(check([{ goto: '/slow' }]), `slow-${n}`)));
    expect(outcomes.map((o) => o.status)).toEqual(['up', 'up', 'up', 'up']);
    expect(slow.max).toBe(2);
  });

  it('starts a new browser after the old one died', async () => {
    expect((await run(check([{ waitFor: 'h1' }]))).status).toBe('up');
    const children = execFileSync('pgrep', ['-P', String(process.pid)])
      .toString()
      .trim()
      .split('\n');
    for (const pid of children) {
      const command = execFileSync('ps', ['-o', 'comm=', '-p', pid]).toString().trim();
      if (/chrom/.test(command)) process.kill(Number(pid), 'SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await run(check([{ waitFor: 'h1' }]))).status).toBe('up');
  });

  it("does not hold up other services' probes while a check hangs (scheduler on the leader)", async () => {
    const results: ProbeResult[] = [];
    const service = (id: string, probe: unknown): ServiceDef => ({
      id,
      name: id,
      url: `${base}/`,
      tags: [],
      roles: [],
      group: 'Lab',
      source: 'config',
      probe: probeSchema.parse(probe),
    });
    const scheduler = new ProbeScheduler({
      intervalMs: 300,
      timeoutMs: 5_000,
      concurrency: 32,
      jitter: 0,
      backoffAfterMs: 600_000,
      maxBackoffMs: 120_000,
      slowMs: 2_000,
      browser: checks,
      onResult: (result) => results.push(result),
      random: () => 0,
    });
    scheduler.setServices([
      service('hangs', {
        type: 'browser',
        url: `${base}/hang`,
        steps: [{ waitFor: 'h1' }],
        timeoutMs: 3_000,
        intervalMs: 60_000,
      }),
      service('plain', { type: 'http', intervalMs: 500 }),
    ]);
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await scheduler.stop();
    const hung = results.filter((r) => r.serviceId === 'hangs');
    expect(hung).toMatchObject([{ status: 'down', error: expect.stringMatching(/^step 1 \(goto /) }]);
    const plainBeforeHangEnded = results.filter((r) => r.serviceId === 'plain' && r.at < hung[0]!.at);
    expect(plainBeforeHangEnded.length).toBeGreaterThanOrEqual(4);
  });

  it("keeps a failure's trace with the sign-in password masked everywhere, and none of a check that passed", async () => {
    const signIn = { provider: 'form', username: 'robot', password: ROBOT_PASSWORD };
    const steps = [{ goto: '/login' }, { signIn: true }, { waitFor: 'h1' }];
    expect((await run(check(steps, { signIn }))).status).toBe('up');
    expect(saved.at(-1)!.trace).toBeNull();

    const outcome = await run(check([...steps, { click: '#checkout' }], { signIn, timeoutMs: 6_000 }));
    expect(outcome.error).toMatch(/^step 4 \(click #checkout\)/);
    const { trace } = saved.at(-1)!;
    if (!trace?.zip) throw new Error(`no trace kept: ${JSON.stringify(trace)}`);
    const entries = unzipSync(trace.zip);
    expect(Object.keys(entries)).toEqual(expect.arrayContaining(['trace.trace', 'trace.network']));
    const text = Object.values(entries)
      .map((data) => strFromU8(data, true))
      .join('\n');
    expect(text).toContain('#checkout');
    expect(text).toContain('robot');
    for (const spelling of [ROBOT_PASSWORD, encodeURIComponent(ROBOT_PASSWORD), '7f3k'])
      expect(text).not.toContain(spelling);
    expect(text).toContain('***');
  });

  it('drops a trace over the size limit, saying so, and keeps the screenshot', async () => {
    const tiny = new BrowserChecks(pool, async (evidence) => void saved.push(evidence), {
      maxTraceBytes: 1_000,
    });
    await tiny.run('tiny', check([{ click: '#checkout' }], { timeoutMs: 6_000 }), {
      signal: AbortSignal.timeout(7_000),
      timeoutMs: 6_000,
      serviceUrl: base,
    });
    const { trace, shot } = saved.at(-1)!;
    expect(trace).toMatchObject({
      zip: null,
      reason: expect.stringMatching(/^trace of [\d.]+ MB over the 0\.0 MB limit$/),
    });
    expect(shot).not.toBeNull();
  });

  it('masks a secret in every spelling inside a trace zip', () => {
    const secret = 'a b&c"d';
    const zip = maskTrace(
      zipSync({
        'trace.trace': strToU8(`{"value":"a b&c\\"d"}`),
        'resources/x': strToU8('u=a+b%26c%22d&v=a%20b%26c%22d'),
      }),
      [secret],
    );
    const entries = unzipSync(zip);
    expect(strFromU8(entries['trace.trace']!)).toBe('{"value":"***"}');
    expect(strFromU8(entries['resources/x']!)).toBe('u=***&v=***');
  });

  it('reports slow checks as degraded', async () => {
    const outcome = await run(check([{ goto: '/slow' }], { slowMs: 300 }));
    expect(outcome).toMatchObject({
      status: 'degraded',
      error: expect.stringMatching(/^slow: \d+ ms \(over 300 ms\)$/),
    });
  });
});

describe('browser check config', () => {
  const schema = buildConfigSchema([servicesModule]);
  const problems = (probe: string) => {
    const text = `services:
  groups:
    - name: Lab
      services:
        - name: Shop
          url: http://shop.lab/
          probe: ${probe}
`;
    try {
      parseConfigText(schema, text, 'labdeck.yaml', { ROBOT_PW: 'pw-from-env' });
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return 'valid';
  };

  it.each([
    ['{ type: browser, steps: [{ tap: "#x" }] }', /a step is exactly one of goto, waitFor, click, fill/],
    ['{ type: browser, steps: [{ click: "#a", fill: ["#b", "x"] }] }', /got click, fill/],
    ['{ type: browser, steps: [{ fill: "#b" }] }', /steps\[0\]\.fill: expected tuple/],
    ['{ type: browser, steps: [] }', /steps/],
    ['{ type: browser, steps: [{ signIn: true }] }', /a signIn step needs a signIn account/],
    [
      '{ type: browser, steps: [{ click: "#a" }], signIn: { provider: oidc, username: robot, password: x } }',
      /no step is `signIn: true`/,
    ],
  ])('rejects %s with a clear error', (probe, message) => {
    expect(problems(probe)).toMatch(/labdeck\.yaml:\d+/);
    expect(problems(probe)).toMatch(message);
  });

  it('accepts a sign-in check with its password from the environment', () => {
    expect(
      problems(
        '{ type: browser, steps: [{ click: "text=SSO" }, { signIn: true }, { waitFor: "h1" }], signIn: { provider: oidc, username: robot, password: "${ROBOT_PW}" } }',
      ),
    ).toBe('valid');
  });
});
