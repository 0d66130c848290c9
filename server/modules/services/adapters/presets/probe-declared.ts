import { serviceSchema } from '../../config.ts';
import { probeAdapter } from '../probes/registry.ts';

/**
 * Declares `{ name, kind, url, ...extra }` as labdeck.yaml would and runs once the probe the preset gave
 * it (the presets' tests, against recordings and against real lab servers).
 */
export async function probeDeclared(
  kind: string,
  url: string,
  extra: Record<string, unknown> = {},
  timeoutMs = 10_000,
) {
  const service = serviceSchema.parse({ name: kind, kind, url, ...extra });
  if (!service.probe) throw new Error(`kind ${kind} gave no probe`);
  return probeAdapter(service.probe.type).run(service.probe, {
    signal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
    serviceUrl: service.url,
  });
}
