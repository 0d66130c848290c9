/**
 * Boot data: answers of GET /api routes that the BFF embedded into index.html for this page load
 * (server/platform/boot.ts), so the first screen paints without waiting for them. Each answer is used
 * once, by the first query that asks for it; every later read (refetch, live update) goes to the API.
 * Without the block (dev server, another origin, a failure on the BFF) queries simply fetch.
 */

import { useServerPage } from '../ssr';

export const BOOT_ELEMENT_ID = 'labdeck-boot';

interface BootDocument {
  liveEventId?: unknown;
  api?: Record<string, unknown>;
}

let boot: { liveEventId: string; api: Map<string, unknown> } | undefined;

function read() {
  if (boot) return boot;
  boot = { liveEventId: '', api: new Map() };
  const element = typeof document === 'undefined' ? null : document.getElementById(BOOT_ELEMENT_ID);
  if (!element?.textContent) return boot;
  try {
    const parsed = JSON.parse(element.textContent) as BootDocument;
    if (typeof parsed.liveEventId === 'string') boot.liveEventId = parsed.liveEventId;
    if (parsed.api && typeof parsed.api === 'object') boot.api = new Map(Object.entries(parsed.api));
  } catch {
    // A damaged block is no block: the queries fetch.
  }
  element.remove();
  return boot;
}

/** The embedded answer of GET /api`path`, once; undefined when there is none (or it was taken). */
export function takeBootAnswer<T>(path: string): T | undefined {
  const { api } = read();
  const value = api.get(path) as T | undefined;
  api.delete(path);
  return value ?? undefined;
}

/**
 * `initialData` for the query of GET /api`path`: the embedded answer, taken once when the query is
 * first built. On the server (src/entry-server.ts) the answer comes from the page being rendered, so
 * the server's first screen is made of the very data the page carries. Call it in setup.
 */
export function bootAnswer<T>(path: string): () => T | undefined {
  const page = useServerPage();
  if (page) return () => (page.api[path] as T | undefined) ?? undefined;
  return () => takeBootAnswer<T>(path);
}

/** The live channel's position when the boot data was built: resuming from it replays what came after. */
export const bootLiveEventId = (): string => read().liveEventId;

/** Forgets what was read (tests load several documents in one module instance). */
export function resetBootData(): void {
  boot = undefined;
}
