import type { Page, Request } from '@playwright/test';

export interface FailureRules {
  /** A failed request the spec causes on purpose (a cancelled run stream, a download). */
  expectedFailedRequest?: (request: Request) => boolean;
}

/**
 * Collects console errors, page errors, failed requests and HTTP error responses of `page`; a spec
 * expects the list empty. Never failures: requests aborted by leaving a page (net::ERR_ABORTED) and the
 * live EventSource closed by navigation.
 */
export function watchForFailures(page: Page, rules: FailureRules = {}): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText;
    if (error === 'net::ERR_ABORTED' || request.url().includes('/api/events')) return;
    if (rules.expectedFailedRequest?.(request)) return;
    problems.push(`failed: ${request.url()} ${error}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}
