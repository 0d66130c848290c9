import { useSSRContext } from 'vue';

/**
 * What the BFF hands to the server render of a page (src/entry-server.ts, called from
 * server/platform/ssr.ts): the same boot answers it embeds into the page, and the preferences the
 * browser keeps in cookies so the server's first screen matches the browser's.
 */
export interface ServerPage {
  /** Boot answers by /api path (server/platform/boot.ts), parsed. */
  api: Record<string, unknown>;
  /** Values of the preference cookies (PREFERENCE_COOKIES), when the request carried them. */
  preferences: Record<string, string | undefined>;
}

/**
 * The page being rendered on the server; undefined in the browser. Call it in setup (it injects).
 * `import.meta.env.SSR` is a build-time constant: the browser bundle keeps none of this.
 */
export function useServerPage(): ServerPage | undefined {
  return import.meta.env.SSR ? useSSRContext<ServerPage>() : undefined;
}
