import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Request } from 'express';
import pino from 'pino';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, withoutStyleNonce } from '../test/harness.ts';
import { RawJson } from './boot.ts';
import { pageRenderer, SSR_ENTRY, withAppMarkup } from './ssr.ts';

const INDEX = `<!doctype html><html><head><title>Labdeck</title></head><body><div id="app"></div><script type="module" src="/assets/index.js"></script></body></html>`;
const HOSTILE = '</script><img src=x onerror=alert(1)>';

/** A logger whose lines the test reads. */
function capturingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, warnings: () => lines.filter((line) => line.level === 40).map((line) => line.msg) };
}

const page = (url = '/', cookie?: string) =>
  ({
    method: 'GET',
    path: url.split('?')[0],
    originalUrl: url,
    get: (name: string) => (name.toLowerCase() === 'cookie' ? cookie : undefined),
  }) as unknown as Request;

describe('the page renderer, with stand-in bundles', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-ssr-'));
  const bundle = (name: string, source: string) => {
    const file = path.join(dir, `${name}.mjs`);
    writeFileSync(file, source);
    return file;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Time boxes long enough for a busy machine to import the bundle, except where slowness is the point.
  const ROOMY_MS = 5_000;

  it('passes the parsed boot answers, the path and only the preference cookies', async () => {
    const file = bundle(
      'echo',
      `export const PREFERENCE_COOKIES = ['labdeck_density'];
       export async function render(request) { return JSON.stringify(request); }`,
    );
    const render = pageRenderer(file, capturingLog().log, ROOMY_MS);
    const markup = await render(page('/?q=kafka', 'labdeck_density=compact; labdeck_session=secret'), {
      '/session': { user: { id: 'ana' } },
      '/services': new RawJson('{"groups":[]}'),
    });
    expect(JSON.parse(markup!)).toEqual({
      url: '/?q=kafka',
      api: { '/session': { user: { id: 'ana' } }, '/services': { groups: [] } },
      preferences: { labdeck_density: 'compact' },
    });
  });

  it('asks the bundle whether it renders the page before doing anything', async () => {
    const file = bundle(
      'picky',
      `export const renders = (url) => url === '/';
       export async function render() { return '<p>home</p>'; }`,
    );
    const render = pageRenderer(file, capturingLog().log, ROOMY_MS);
    expect(await render(page('/'), {})).toBe('<p>home</p>');
    expect(await render(page('/sql'), {})).toBeNull();
  });

  it.each([
    ['is missing', path.join(tmpdir(), 'labdeck-no-such-dir', 'entry-server.js'), 'its bundle does not load'],
    ['does not load', 'throw new Error("broken bundle");', 'its bundle does not load'],
    ['exports no render function', 'export const nothing = 1;', 'its bundle does not load'],
    ['throws', 'export function render() { throw new Error("boom"); }', 'server rendering failed'],
    ['rejects', 'export async function render() { throw new Error("boom"); }', 'server rendering failed'],
    [
      'is too slow',
      'export const render = () => new Promise((r) => setTimeout(() => r("<p>late</p>"), 500));',
      'too slow',
    ],
  ])('gives no markup when the bundle %s, and warns once', async (name, source, warning) => {
    const file = source.startsWith('/') ? source : bundle(name.replace(/\W/g, '-'), source);
    const { log, warnings } = capturingLog();
    const render = pageRenderer(file, log, warning === 'too slow' ? 100 : ROOMY_MS);
    for (let i = 0; i < 3; i++) expect(await render(page('/'), {})).toBeNull();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(warning);
  });

  it('puts the markup inside the empty #app element, and leaves other pages alone', () => {
    const html = withAppMarkup(INDEX, '<p>x</p>');
    expect(html).toContain('<div id="app"><p>x</p></div><script');
    expect(html).toContain('<link rel="expect" href="#app" blocking="render">\n</head>');
    expect(withAppMarkup('<head></head><div id="app" class="x"></div>', '<p>x</p>')).toBe(
      '<head></head><div id="app" class="x"></div>',
    );
    expect(withAppMarkup('<div id="app"></div>', '<p>x</p>')).toBe('<div id="app"></div>'); // no head
  });
});

describe('server rendering of Home with the real bundle', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  // Inside the repository so the bundle's bare imports (vue, pinia...) resolve to its node_modules.
  const outDir = path.join(root, 'node_modules', `.labdeck-ssr-test-${process.pid}`);
  let app: TestApp;
  let anonymous: TestApp;

  beforeAll(async () => {
    await build({
      root,
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { ssr: 'src/entry-server.ts', outDir },
      environments: { ssr: { build: { outDir } } },
    });
    const spa = {
      'index.html': INDEX,
      [SSR_ENTRY]: `export * from ${JSON.stringify(path.join(outDir, 'entry-server.js'))};`,
    };
    const services = `
services:
  probes: { intervalMs: 60000 }
  groups:
    - name: Data platform
      services:
        - { id: trino, name: Trino, url: "http://127.0.0.1:9/trino", description: "SQL over the lake", probe: false }
        - { id: hostile, name: ${JSON.stringify(HOSTILE)}, url: "http://127.0.0.1:9/x", description: ${JSON.stringify(`<!-- ${HOSTILE}`)}, probe: false }
`;
    app = await startTestApp({ spa, config: services });
    anonymous = await startTestApp({
      spa,
      config: `${services}\nauth:\n  mode: proxy\n  proxy:\n    trustedProxies: [10.0.0.1/32]\n`,
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await anonymous?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  const navigate = (target: TestApp, url: string) =>
    target.fetch(url, { headers: { accept: 'text/html,application/xhtml+xml' } });
  const appMarkup = (html: string) =>
    html.slice(html.indexOf('<div id="app">'), html.indexOf('<script type="module"'));

  it('sends the shell and the tiles of the first screen, names and states as text', async () => {
    const res = await navigate(app, '/');
    expect(res.status).toBe(200);
    const markup = appMarkup(await res.text());
    expect(markup).toContain('class="topbar"');
    expect(markup).toContain('data-testid="service-trino"');
    expect(markup).toContain('SQL over the lake');
    expect(markup).toMatch(/data-status="unknown"/);
  });

  it('escapes hostile names and descriptions', async () => {
    const html = await (await navigate(app, '/')).text();
    const markup = appMarkup(html);
    expect(markup).toContain('data-testid="service-hostile"');
    expect(markup).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(markup).not.toContain('<img src=x');
    expect(markup).not.toContain('<!-- </script>');
    expect(html.match(/<script/g)).toHaveLength(2); // the boot data block and the SPA's module
  });

  it('renders Home only: other pages, sign-in redirects and plain fetches keep the empty shell', async () => {
    expect(appMarkup(await (await navigate(app, '/sql')).text())).toBe('<div id="app"></div>');
    expect(appMarkup(await (await navigate(anonymous, '/')).text())).toBe('<div id="app"></div>');
    expect(appMarkup(await (await navigate(app, '/?a=%E0%A4%A')).text())).toBe('<div id="app"></div>');
    expect(appMarkup(await (await navigate(app, '/?q=%3Cscript%3E')).text())).toContain('service-trino');
    const plain = await (await app.fetch('/', { headers: { accept: '*/*' } })).text();
    expect(withoutStyleNonce(plain)).toBe(INDEX);
  });

  it('never serves the server bundle itself', async () => {
    const res = await app.fetch(`/${SSR_ENTRY}`);
    expect(await res.text()).not.toContain('export');
  });
});
