import type { BrowserContext, Page } from 'playwright-core';
import type { BrowserProbeConfig, BrowserStep } from '../adapters/probes/browser.ts';
import { describeError, type ProbeContext, type ProbeOutcome } from '../adapters/probes/types.ts';
import type { BrowserCheckReport, BrowserStepTiming } from '../contract.ts';
import type { BrowserPool } from './pool.ts';
import type { CheckEvidence, Screenshot } from './store.ts';
import { dropTrace, keepTrace, startTrace } from './trace.ts';

/** What the `browser` probe type calls (ProbeContext.browser). */
export interface BrowserCheckRunner {
  run(serviceId: string, config: BrowserProbeConfig, ctx: ProbeContext): Promise<ProbeOutcome>;
}

/** A fresh good screenshot at most this often per service (failures always get one). */
const GOOD_SHOT_EVERY_MS = 3_600_000;

class StepFailed extends Error {}

/**
 * Runs browser checks in the shared pool: each one time-boxed (its context closed at the deadline, with a
 * little time kept for the failure screenshot and trace), its report, screenshot and trace handed to `save`.
 */
export class BrowserChecks implements BrowserCheckRunner {
  readonly #pool: BrowserPool;
  readonly #save: (evidence: CheckEvidence) => Promise<void>;
  /** Largest trace kept of a failure; 0 records none. */
  readonly #maxTraceBytes: number;
  readonly #goodShotAt = new Map<string, number>();

  constructor(
    pool: BrowserPool,
    save: (evidence: CheckEvidence) => Promise<void>,
    options: { maxTraceBytes?: number } = {},
  ) {
    this.#pool = pool;
    this.#save = save;
    this.#maxTraceBytes = options.maxTraceBytes ?? 0;
  }

  async run(serviceId: string, config: BrowserProbeConfig, ctx: ProbeContext): Promise<ProbeOutcome> {
    const deadline = Date.now() + Math.min(config.timeoutMs, ctx.timeoutMs) - 100;
    let evidence: CheckEvidence;
    try {
      evidence = await this.#pool.withContext(
        ctx.signal,
        { ignoreHTTPSErrors: !config.tlsVerify },
        (context) => this.#visit(serviceId, config, ctx, context, deadline),
      );
    } catch (error) {
      evidence = { serviceId, shot: null, trace: null, report: failedBeforeStart(describeError(error)) };
    }
    await this.#save(evidence);
    const { report } = evidence;
    return {
      status: report.status,
      latencyMs: report.totalMs,
      ...(report.failed
        ? {
            error: `step ${report.failed.n} (${report.failed.kind} ${report.failed.target}): ${report.failed.message}`,
          }
        : report.status === 'degraded'
          ? { error: `slow: ${report.totalMs} ms (over ${config.slowMs} ms)` }
          : {}),
    };
  }

  async #visit(
    serviceId: string,
    config: BrowserProbeConfig,
    ctx: ProbeContext,
    context: BrowserContext,
    deadline: number,
  ): Promise<CheckEvidence> {
    const at = new Date().toISOString();
    const started = performance.now();
    // Keep a moment for the failure screenshot and trace; at the deadline itself the context is closed.
    const stepsEnd = deadline - Math.min(5_000, (deadline - Date.now()) * 0.3);
    const kill = () => void context.close().catch(() => {});
    const timer = setTimeout(kill, Math.max(0, deadline - Date.now()));
    ctx.signal.addEventListener('abort', kill, { once: true });
    const steps = withStart(config.steps, config.url ?? ctx.serviceUrl);
    const timings: BrowserStepTiming[] = [];
    let lcpMs: number | null = null;
    const tracing = this.#maxTraceBytes > 0;
    try {
      if (tracing) await startTrace(context);
      const page = await context.newPage();
      for (const [index, step] of steps.entries()) {
        const timing = { n: index + 1, kind: step.kind, target: targetOf(step, config), ms: 0 };
        timings.push(timing);
        const stepStarted = performance.now();
        page.setDefaultTimeout(Math.max(1, stepsEnd - Date.now()));
        try {
          await runStep(page, step, config, ctx.serviceUrl);
        } catch (error) {
          timing.ms = Math.round(performance.now() - stepStarted);
          const message = mask(stepMessage(error, timing.ms), secretsOf(config));
          const shot = await screenshot(page, Math.max(500, deadline - Date.now()));
          const trace = tracing ? await keepTrace(context, secretsOf(config), this.#maxTraceBytes) : null;
          return {
            serviceId,
            shot,
            trace,
            report: {
              at,
              status: 'down',
              totalMs: Math.round(performance.now() - started),
              lcpMs,
              steps: timings,
              failed: { n: timing.n, kind: timing.kind, target: timing.target, message },
            },
          };
        }
        timing.ms = Math.round(performance.now() - stepStarted);
        if (step.kind === 'goto' && lcpMs === null && index === 0) lcpMs = await largestPaint(page);
      }
      const totalMs = Math.round(performance.now() - started);
      if (tracing) await dropTrace(context);
      const status = totalMs > config.slowMs ? 'degraded' : 'up';
      const shot = this.#wantsGoodShot(serviceId) ? await screenshot(page, 5_000) : null;
      if (shot) this.#goodShotAt.set(serviceId, Date.now());
      return {
        serviceId,
        shot,
        trace: null,
        report: { at, status, totalMs, lcpMs, steps: timings, failed: null },
      };
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', kill);
    }
  }

  #wantsGoodShot(serviceId: string): boolean {
    return Date.now() - (this.#goodShotAt.get(serviceId) ?? 0) > GOOD_SHOT_EVERY_MS;
  }
}

/** The check opens its URL first unless its first step is a goto. */
function withStart(steps: readonly BrowserStep[], url: string): BrowserStep[] {
  return steps[0]?.kind === 'goto' ? [...steps] : [{ kind: 'goto', arg: url }, ...steps];
}

async function runStep(page: Page, step: BrowserStep, config: BrowserProbeConfig, serviceUrl: string) {
  switch (step.kind) {
    case 'goto': {
      const response = await page.goto(new URL(step.arg, config.url ?? serviceUrl).href, {
        waitUntil: 'load',
      });
      if (response && response.status() >= 400) throw new StepFailed(`HTTP ${response.status()}`);
      return;
    }
    case 'waitFor':
      return page.locator(step.arg).first().waitFor({ state: 'visible' });
    case 'click':
      return page.locator(step.arg).first().click();
    case 'fill':
      return page.locator(step.arg[0]).first().fill(step.arg[1]);
    case 'expectText':
      return page
        .getByText(step.arg)
        .first()
        .waitFor({ state: 'visible' })
        .catch((error) => {
          throw new StepFailed(`text "${step.arg}" not found`, { cause: error });
        });
    case 'expectNoText':
      await page.waitForLoadState('load');
      if (await page.getByText(step.arg).first().isVisible())
        throw new StepFailed(`text "${step.arg}" is on the page`);
      return;
    case 'signIn': {
      const account = config.signIn!;
      await page.locator(account.usernameField).first().fill(account.username);
      await page.locator(account.passwordField).first().fill(account.password);
      await page.locator(account.submit).first().click();
      return;
    }
  }
}

/** What a step aimed at, for results: never a filled value or password. */
function targetOf(step: BrowserStep, config: BrowserProbeConfig): string {
  if (step.kind === 'fill') return step.arg[0];
  if (step.kind === 'signIn') return `as ${config.signIn?.username ?? '?'}`;
  return step.arg;
}

/** Playwright's first line without its `locator.click: ` prefix (the call log follows on later lines). */
function stepMessage(error: unknown, ms: number): string {
  if (error instanceof StepFailed) return error.message;
  if (error instanceof Error && error.name === 'TimeoutError') return `timed out after ${ms} ms`;
  const first = describeError(error).split('\n')[0] ?? 'failed';
  return first.replace(/^[\w.]+: /, '').slice(0, 500);
}

function secretsOf(config: BrowserProbeConfig): string[] {
  const filled = config.steps.flatMap((step) => (step.kind === 'fill' ? [step.arg[1]] : []));
  return [config.signIn?.password ?? '', ...filled].filter((value) => value.length >= 3);
}

const mask = (text: string, secrets: readonly string[]) =>
  secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);

/** The viewport as PNG or JPEG, whichever is smaller; null when the page is gone. */
async function screenshot(page: Page, timeout: number): Promise<Screenshot | null> {
  try {
    const png = await page.screenshot({ type: 'png', timeout });
    const jpeg = await page.screenshot({ type: 'jpeg', quality: 70, timeout });
    return jpeg.length < png.length ? { image: jpeg, mime: 'image/jpeg' } : { image: png, mime: 'image/png' };
  } catch {
    return null;
  }
}

const LCP_SCRIPT = `new Promise((resolve) => {
  let last = null;
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    if (entries.length) last = entries[entries.length - 1].startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  setTimeout(() => resolve(last), 50);
})`;

/** Largest Contentful Paint of the current page as Chromium reported it, if it did within a moment. */
async function largestPaint(page: Page): Promise<number | null> {
  try {
    // Page-side code as text: Node's typings know no 'largest-contentful-paint' entries.
    const lcp = await page.evaluate<number | null>(LCP_SCRIPT);
    return lcp === null ? null : Math.round(lcp);
  } catch {
    return null;
  }
}

function failedBeforeStart(message: string): BrowserCheckReport {
  return {
    at: new Date().toISOString(),
    status: 'down',
    totalMs: 0,
    lcpMs: null,
    steps: [],
    failed: { n: 0, kind: 'goto', target: 'browser', message },
  };
}
