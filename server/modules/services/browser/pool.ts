import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { chromiumArgs, headlessExecutable } from '../../../platform/chromium.ts';

export interface BrowserPoolOptions {
  /** Checks allowed at once; the rest wait their turn (within their own time box). */
  concurrency: number;
  executablePath?: string;
  onCrash?: () => void;
}

/**
 * One headless Chromium for the whole BFF, started at the first check and again after a crash. Every check
 * gets a fresh incognito context (no cookies or storage from another check) and closes it when done.
 */
export class BrowserPool {
  readonly #options: BrowserPoolOptions;
  #browser: Promise<Browser> | undefined;
  #running = 0;
  readonly #queue: (() => void)[] = [];
  #closed = false;

  constructor(options: BrowserPoolOptions) {
    this.#options = options;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Runs `visit` in a new context once a slot is free; the context is closed afterwards, whatever happened. */
  async withContext<T>(
    signal: AbortSignal,
    settings: { ignoreHTTPSErrors: boolean },
    visit: (context: BrowserContext) => Promise<T>,
  ): Promise<T> {
    await this.#acquire(signal);
    let context: BrowserContext | undefined;
    try {
      const browser = await this.#launch();
      context = await browser.newContext({
        ignoreHTTPSErrors: settings.ignoreHTTPSErrors,
        viewport: { width: 1280, height: 800 },
        serviceWorkers: 'block',
      });
      return await visit(context);
    } finally {
      await context?.close().catch(() => {});
      this.#release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const browser = this.#browser;
    this.#browser = undefined;
    await (await browser?.catch(() => undefined))?.close().catch(() => {});
  }

  #launch(): Promise<Browser> {
    if (this.#closed) return Promise.reject(new Error('the browser pool is closed'));
    if (!this.#browser) {
      const launching = chromium
        .launch({
          executablePath: this.#options.executablePath ?? headlessExecutable(),
          args: chromiumArgs,
          headless: true,
        })
        .then((browser) => {
          browser.once('disconnected', () => {
            if (this.#browser === launching) this.#browser = undefined;
            if (!this.#closed) this.#options.onCrash?.();
          });
          return browser;
        });
      launching.catch(() => {
        if (this.#browser === launching) this.#browser = undefined;
      });
      this.#browser = launching;
    }
    return this.#browser;
  }

  #acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#options.concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const turn = () => {
        signal.removeEventListener('abort', leave);
        this.#running++;
        resolve();
      };
      const leave = () => {
        const at = this.#queue.indexOf(turn);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(
          new Error(`no free browser within the time box (${this.#options.concurrency} checks running)`),
        );
      };
      signal.addEventListener('abort', leave, { once: true });
      this.#queue.push(turn);
    });
  }

  #release(): void {
    this.#running--;
    this.#queue.shift()?.();
  }
}
