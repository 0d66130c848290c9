import { readFile, stat } from 'node:fs/promises';
import type { Request } from 'express';
import type { Logger } from './log.ts';
import type { RunningModule } from './module.ts';

/**
 * Boot data: what the SPA needs for its first paint, embedded into index.html so the first screen
 * does not wait for a round of API calls after the JavaScript starts. Each module may contribute
 * answers of its own GET /api routes for the caller (`ServerModule.bootData`); the SPA seeds the
 * matching queries from them (src/shared/api/boot.ts) and fetches as usual when a key is absent.
 * The same rules as the API apply: the same access checks, no secrets.
 */

/** Answers keyed by the /api path they stand for (`/session`, `/services`): exactly what a GET returns. */
export type BootAnswers = Record<string, unknown>;

/** The id of the `<script type="application/json">` block in index.html. */
export const BOOT_ELEMENT_ID = 'labdeck-boot';

/** A module's contribution may take this long; after that the page goes out without it. */
export const BOOT_TIMEOUT_MS = 500;

/** An answer that is already JSON text (a cached API body): embedded as is, not parsed again. */
export class RawJson {
  readonly text: string;
  constructor(text: string | Buffer) {
    this.text = typeof text === 'string' ? text : text.toString('utf8');
  }
}

/**
 * A browser navigation to an SPA page (not an API call, asset or script): the only requests that get
 * boot data, and those the auth module identifies besides /api. Browsers send `Accept: text/html...`
 * on navigations and `*\/*` or an image type on everything else.
 */
export function isDocumentRequest(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.path.startsWith('/api/') || req.path.startsWith('/assets/')) return false;
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(req.get('accept') ?? '');
}

/**
 * Collects every module's answers for `req`. A module that fails or is slower than `timeoutMs`
 * contributes nothing (logged): the SPA then fetches that data as before.
 */
export async function collectBootAnswers(
  modules: readonly RunningModule[],
  req: Request,
  log: Logger,
  timeoutMs = BOOT_TIMEOUT_MS,
): Promise<BootAnswers> {
  const answers: BootAnswers = {};
  for (const module of modules) {
    if (!module.bootData) continue;
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ module: module.name, timeoutMs }, 'boot data too slow; the page goes out without it');
          resolve(undefined);
        }, timeoutMs);
      });
      const contributed = await Promise.race([module.bootData(req), late]);
      for (const [key, value] of Object.entries(contributed ?? {})) {
        if (!key.startsWith('/')) throw new Error(`boot data key ${key} must be an /api path`);
        if (value !== undefined) answers[key] = value;
      }
    } catch (error) {
      log.warn({ err: error, module: module.name }, 'boot data failed; the page goes out without it');
    } finally {
      clearTimeout(timer);
    }
  }
  return answers;
}

/**
 * The boot document as the text of a `<script type="application/json">` block. Every `<` is written
 * as \u003c (valid in JSON strings, and JSON has no `<` elsewhere), so no value can close the element
 * (`</script>`) or open a comment (`<!--`); U+2028/2029 are escaped for older parsers.
 */
export function bootScriptText(answers: BootAnswers, liveEventId: string): string {
  const entries = Object.entries(answers).map(
    ([key, value]) =>
      `${JSON.stringify(key)}:${value instanceof RawJson ? value.text : (JSON.stringify(value) ?? 'null')}`,
  );
  const json = `{"liveEventId":${JSON.stringify(liveEventId)},"api":{${entries.join(',')}}}`;
  return json
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** index.html with the boot block placed before `</head>` (or unchanged when it has no head). */
export function withBootData(html: string, scriptText: string): string {
  const at = html.search(/<\/head>/i);
  if (at < 0) return html;
  const block = `<script type="application/json" id="${BOOT_ELEMENT_ID}">${scriptText}</script>\n`;
  return `${html.slice(0, at)}${block}${html.slice(at)}`;
}

/** Reads index.html once and again only when the file changes (a new build). */
export function indexHtmlReader(file: string): () => Promise<string> {
  let cached: { mtimeMs: number; size: number; text: string } | undefined;
  return async () => {
    const info = await stat(file);
    if (cached?.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      cached = { mtimeMs: info.mtimeMs, size: info.size, text: await readFile(file, 'utf8') };
    }
    return cached.text;
  };
}
