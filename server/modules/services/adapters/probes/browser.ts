import { z } from 'zod';
import type { BrowserStepKind } from '../../contract.ts';
import { defineProbe } from './types.ts';

const selector = z.string().min(1).max(500);
const text = z.string().min(1).max(500);

/** What each step kind takes. Selectors are Playwright's: CSS, `text=...`, `role=button[name="..."]`. */
const stepArgs = {
  /** An absolute http(s) URL, or a path resolved against the check's URL. */
  goto: z.string().min(1).max(2000),
  waitFor: selector,
  click: selector,
  /** [selector, value]; the value may be a ${ENV} secret (never shown in results). */
  fill: z.tuple([selector, z.string().max(2000)]),
  expectText: text,
  expectNoText: text,
  /** Fills the login form (the OpenID provider's, or the service's own) with `signIn`'s account and submits it. */
  signIn: z.literal(true),
} satisfies Record<BrowserStepKind, z.ZodType>;

const KINDS = Object.keys(stepArgs) as BrowserStepKind[];

export type BrowserStep =
  | { kind: 'goto' | 'waitFor' | 'click' | 'expectText' | 'expectNoText'; arg: string }
  | { kind: 'fill'; arg: [string, string] }
  | { kind: 'signIn'; arg: true };

/** `{ click: '#go' }` -> `{ kind: 'click', arg: '#go' }`, with an error naming the kinds when it is none. */
const step = z.record(z.string(), z.unknown()).transform((raw, ctx): BrowserStep => {
  const keys = Object.keys(raw);
  const kind = keys[0] as BrowserStepKind;
  if (keys.length !== 1 || !KINDS.includes(kind)) {
    ctx.addIssue({
      code: 'custom',
      continue: true,
      message: `a step is exactly one of ${KINDS.join(', ')}; got ${keys.join(', ') || 'nothing'}`,
    });
    return z.NEVER;
  }
  const parsed = stepArgs[kind].safeParse(raw[kind]);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: [kind, ...issue.path], message: issue.message, continue: true });
    return z.NEVER;
  }
  return { kind, arg: parsed.data } as BrowserStep;
});

/**
 * A robot account, at the lab's OpenID provider (`oidc`) or in the service's own login form (`form`, e.g.
 * Airflow's simple auth manager); the `signIn: true` step fills the form in front of it.
 */
const signIn = z.strictObject({
  provider: z.enum(['oidc', 'form']),
  username: z.string().min(1).max(200),
  /** Write it as ${ENV_NAME}: the value stays on the server and is masked in results. */
  password: z.string().min(1).max(500),
  usernameField: selector.default(
    'input[name="username"], input[name="login"], input[type="email"], input[autocomplete="username"]',
  ),
  passwordField: selector.default('input[type="password"]'),
  submit: selector.default('button[type="submit"], input[type="submit"]'),
});

const schema = z
  .strictObject({
    type: z.literal('browser'),
    /** Where the check starts (opened first unless the first step is a goto); defaults to the service URL. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    steps: z.array(step).min(1).max(50),
    signIn: signIn.optional(),
    /** Slower than this (all steps) counts as degraded. */
    slowMs: z.number().int().min(100).max(120_000).default(10_000),
    /** `admins`: only admins see the screenshots (everyone who sees the service sees the result). */
    screenshots: z.enum(['viewers', 'admins']).default('viewers'),
    tlsVerify: z.boolean().default(true),
    intervalMs: z.number().int().min(10_000).default(300_000),
    timeoutMs: z.number().int().min(1_000).max(120_000).default(30_000),
  })
  .superRefine((config, ctx) => {
    const usesSignIn = config.steps.some((s) => s.kind === 'signIn');
    if (usesSignIn && !config.signIn)
      ctx.addIssue({ code: 'custom', path: ['signIn'], message: 'a signIn step needs a signIn account' });
    if (!usesSignIn && config.signIn)
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: 'signIn is set but no step is `signIn: true`',
      });
  });

export type BrowserProbeConfig = z.output<typeof schema>;

/**
 * A scripted visit in headless Chromium (open, sign in, wait, click, assert text); down names the failed
 * step and keeps a screenshot. Runs in the services module's shared browser (ProbeContext.browser).
 */
export const browserProbe = defineProbe({
  type: 'browser',
  schema,
  run(config, ctx) {
    if (!ctx.browser || !ctx.serviceId)
      return Promise.resolve({ status: 'down', error: 'browser checks are not available here' });
    return ctx.browser.run(ctx.serviceId, config, ctx);
  },
});
