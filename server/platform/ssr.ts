import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCookie } from 'cookie';
import type { Request } from 'express';
import { type BootAnswers, RawJson } from './boot.ts';
import type { Logger } from './log.ts';

/**
 * Server rendering of a page's first screen: the SPA's own components, rendered by Vue's server
 * renderer from the bundle `vite build` writes next to the SPA (src/entry-server.ts -> dist/.ssr/),
 * with the same boot answers the page carries. The markup goes into index.html's `#app`, so the
 * browser paints the first screen before any script has run; the SPA then mounts over it.
 * Whatever goes wrong (no bundle, a throw, a slow render) the page goes out as before, empty.
 */

/** The server bundle inside the built SPA; a dot folder, so the static file handler never serves it. */
export const SSR_ENTRY = path.join('.ssr', 'entry-server.js');

/** A render may take this long; after that the page goes out without it (like BOOT_TIMEOUT_MS). */
export const SSR_TIMEOUT_MS = 200;

/** What the server bundle exports (src/entry-server.ts). */
export interface SsrEntry {
  render(request: SsrRequest): Promise<string | null>;
  /** Whether the page at this path and query is rendered at all (cheap: no app, no data). */
  renders?(url: string): boolean;
  /** Cookies the render may read (preferences, never credentials); others are not passed. */
  PREFERENCE_COOKIES?: readonly string[];
}

export interface SsrRequest {
  /** Path and query of the page. */
  url: string;
  /** The boot answers of the page, parsed. */
  api: Record<string, unknown>;
  preferences: Record<string, string | undefined>;
}

/** Renders the first screen of `req`'s page from `answers`; null when it is not rendered. */
export type PageRenderer = (req: Request, answers: BootAnswers) => Promise<string | null>;

/**
 * A renderer over the bundle at `file`, imported once, at once. Each kind of failure (no bundle, a
 * bundle that does not load, a render that throws or is too slow) is logged as a warning the first
 * time only, then at debug level: one broken page would otherwise log on every navigation.
 */
export function pageRenderer(file: string, log: Logger, timeoutMs = SSR_TIMEOUT_MS): PageRenderer {
  const warned = new Set<string>();
  const warn = (kind: string, details: object, message: string) => {
    if (warned.has(kind)) log.debug(details, message);
    else {
      warned.add(kind);
      log.warn(details, `${message} (warned once)`);
    }
  };
  const entry = loadEntry(file).catch((error: unknown) => {
    warn('load', { err: error, file }, 'server rendering is off: its bundle does not load');
    return null;
  });

  return async (req, answers) => {
    if (req.method !== 'GET') return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => {
          warn(
            'slow',
            { timeoutMs, path: req.path },
            'server rendering too slow; the page goes out without it',
          );
          resolve(null);
        }, timeoutMs);
      });
      const rendered = entry.then(async (loaded) => {
        if (!loaded || loaded.renders?.(req.originalUrl) === false) return null;
        const request = {
          url: req.originalUrl,
          api: parsedAnswers(answers),
          preferences: preferences(req, loaded.PREFERENCE_COOKIES ?? []),
        };
        return loaded.render(request);
      });
      const markup = await Promise.race([rendered, late]);
      return typeof markup === 'string' ? markup : null;
    } catch (error) {
      warn('render', { err: error, path: req.path }, 'server rendering failed; the page goes out without it');
      return null;
    } finally {
      clearTimeout(timer);
    }
  };
}

async function loadEntry(file: string): Promise<SsrEntry | null> {
  if (!existsSync(file)) throw new Error(`no server bundle at ${file} (vite build writes it)`);
  const loaded = (await import(pathToFileURL(file).href)) as Partial<SsrEntry>;
  if (typeof loaded.render !== 'function') throw new Error(`${file} exports no render function`);
  return loaded as SsrEntry;
}

/** Boot answers as values: an already-serialized answer (RawJson) is parsed. */
function parsedAnswers(answers: BootAnswers): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(answers).map(([key, value]) => [
      key,
      value instanceof RawJson ? JSON.parse(value.text) : value,
    ]),
  );
}

function preferences(req: Request, names: readonly string[]): Record<string, string | undefined> {
  const header = req.get('cookie');
  if (!header || names.length === 0) return {};
  const cookies = parseCookie(header);
  return Object.fromEntries(names.map((name) => [name, cookies[name]]));
}

/**
 * index.html with `markup` inside its empty `<div id="app"></div>` (unchanged when it has none). The
 * markup is Vue's server render: every text and attribute value in it is escaped by Vue. The head gets
 * `<link rel="expect" href="#app" blocking="render">`: the browser's first frame waits until all of #app is
 * parsed, so it shows the whole first screen, not the part parsed so far (a partial first frame would
 * leave the rest to be painted after the SPA has replaced it).
 */
export function withAppMarkup(html: string, markup: string): string {
  const element = '<div id="app"></div>';
  const at = html.indexOf(element);
  const head = html.search(/<\/head>/i);
  if (at < 0 || head < 0 || head > at) return html;
  const open = element.length - '</div>'.length;
  return [
    html.slice(0, head),
    '<link rel="expect" href="#app" blocking="render">\n',
    html.slice(head, at + open),
    markup,
    html.slice(at + open),
  ].join('');
}
