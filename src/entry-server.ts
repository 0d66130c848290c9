/**
 * Server entry (built by `vite build` into dist/.ssr/, see vite.config.ts): renders the first screen of
 * a page with the SPA's own components, for the BFF to put into index.html's #app
 * (server/platform/ssr.ts). The browser then mounts the SPA over it (src/main.ts).
 */
import { renderToString } from 'vue/server-renderer';
import { createMemoryHistory } from 'vue-router';
import { createLabdeck } from './app';
import { DENSITY_COOKIE } from './features/home/preferences';
import { createAppRouter } from './router';
import { needsSignIn, type Session } from './shared/session';
import type { ServerPage } from './shared/ssr';

/** Cookies whose values the render may read (preferences, never credentials). */
export const PREFERENCE_COOKIES: readonly string[] = [DENSITY_COOKIE];

export interface RenderRequest extends ServerPage {
  /** Path and query of the page, e.g. `/` or `/?q=kafka`. */
  url: string;
}

/** Only to look routes up (resolve needs no navigation and no app). */
const routes = createAppRouter(createMemoryHistory());

/**
 * Whether `url`'s page is rendered on the server at all: its route says `meta.ssr`. A URL the router
 * would have to repair (`//host`, broken percent-encoding) is left to the browser.
 */
export function renders(url: string): boolean {
  if (!url.startsWith('/') || url.startsWith('//') || !decodes(url)) return false;
  return routes.resolve(url).meta.ssr === true;
}

/** Whether every %-escape in `url` decodes (the result is used: a bundler may drop an unused call). */
function decodes(url: string): boolean {
  try {
    return decodeURIComponent(url).length >= 0;
  } catch {
    return false;
  }
}

/**
 * The markup of `url`'s first screen, or null when the page is not rendered on the server: its route
 * does not say `meta.ssr`, or the visitor is about to be sent to sign in (no session answer, or no user).
 */
export async function render(request: RenderRequest): Promise<string | null> {
  const session = request.api['/session'] as Session | undefined;
  if (!renders(request.url) || !session || needsSignIn(session)) return null;
  const { app, router } = createLabdeck(createMemoryHistory());
  await router.push(request.url);
  await router.isReady();
  if (!router.currentRoute.value.meta.ssr) return null;
  // The SSR context is what `useServerPage()` returns to the components (src/shared/ssr.ts).
  return renderToString(app, { api: request.api, preferences: request.preferences } satisfies ServerPage);
}
