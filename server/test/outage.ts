// What the outage tests (a lab server killed and restarted under a running Labdeck) share: timed waits,
// the figures they measure, and a stand-in service whose Home tile must stay up meanwhile.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Waited<T> {
  value: T;
  /** Milliseconds from the call until `ok` held. */
  ms: number;
}

/**
 * Reads every `intervalMs` until `ok` holds and says how long that took; the timeout error names `what`
 * and the last value (or error) read. A read that throws counts as not yet.
 */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Waited<T>> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (ok(value)) return { value, ms: Date.now() - started };
      last = value;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() - started > timeoutMs) break;
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 1500)}`,
  );
}

/** Prints one measured figure, so that a run's log carries it (README and bench figures come from there). */
export function reportFigure(name: string, ms: number): void {
  process.stdout.write(`outage figure: ${name}: ${(ms / 1000).toFixed(1)} s\n`);
}

/** GET `path` from a test app as JSON, failing on a non-2xx status (with the body in the message). */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on loosely typed JSON
export async function getJson<T = any>(
  app: { fetch(path: string): Promise<Response> },
  path: string,
): Promise<T> {
  const res = await app.fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The status of one Home service tile (`/api/services`). */
export async function tileStatus(
  app: { fetch(path: string): Promise<Response> },
  id: string,
): Promise<string> {
  const { groups } = await getJson<{ groups: { services: { id: string; status: string }[] }[] }>(
    app,
    '/api/services',
  );
  const service = groups.flatMap((group) => group.services).find((s) => s.id === id);
  if (!service) throw new Error(`no service "${id}" on Home`);
  return service.status;
}

/** A service that always answers 200: its tile shows whether Home keeps probing the others during an outage. */
export async function startSteadyService(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** labdeck.yaml `services:` text for Home tiles probed every 500 ms (`{ id, url, probe? }`; no probe: HTTP GET). */
export function fastProbedServices(
  services: { id: string; url: string; probe?: Record<string, unknown> }[],
): string {
  const lines = [
    'services:',
    '  probes: { intervalMs: 500, retryIntervalMs: 500, timeoutMs: 2000, jitter: 0 }',
  ];
  lines.push('  groups:', '    - name: Lab', '      services:');
  for (const { id, url, probe } of services) {
    lines.push(`        - id: ${id}`, `          name: ${id}`, `          url: ${JSON.stringify(url)}`);
    if (probe) lines.push(`          probe: ${JSON.stringify(probe)}`);
  }
  return `${lines.join('\n')}\n`;
}
