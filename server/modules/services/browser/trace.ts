import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, unzipSync, type Zippable, zipSync } from 'fflate';
import type { BrowserContext } from 'playwright-core';

/** A failed check's Playwright trace, masked; or why none was kept. */
export type KeptTrace = { zip: Buffer } | { zip: null; reason: string };

/** Records every check: actions, DOM snapshots and a filmstrip. Kept only when the check fails. */
export async function startTrace(context: BrowserContext): Promise<void> {
  await context.tracing.start({ snapshots: true, screenshots: true, sources: false });
}

/** Ends recording of a check that passed: nothing is written. */
export async function dropTrace(context: BrowserContext): Promise<void> {
  await context.tracing.stop().catch(() => {});
}

/**
 * Ends recording of a failed check and returns the trace zip with every secret masked (snapshots keep
 * input values and the network log keeps request bodies, so a sign-in's password is in there several
 * times), or why there is none: over `maxBytes`, or the browser was gone.
 */
export async function keepTrace(
  context: BrowserContext,
  secrets: readonly string[],
  maxBytes: number,
): Promise<KeptTrace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'labdeck-trace-'));
  try {
    const file = path.join(dir, 'trace.zip');
    await context.tracing.stop({ path: file });
    const raw = await readFile(file);
    const zip = raw.length > maxBytes ? null : maskTrace(raw, secrets);
    if (!zip || zip.length > maxBytes)
      return { zip: null, reason: `trace of ${megabytes(raw.length)} over the ${megabytes(maxBytes)} limit` };
    return { zip };
  } catch (error) {
    return {
      zip: null,
      reason: `no trace: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The trace zip with each secret (as typed, URL-encoded, JSON-escaped) replaced by `***` in every entry. */
export function maskTrace(zip: Uint8Array, secrets: readonly string[]): Buffer {
  const needles = [...new Set(secrets.flatMap(spellings))].map((s) => Buffer.from(s, 'utf8'));
  const entries = unzipSync(zip);
  const masked: Zippable = {};
  for (const [name, data] of Object.entries(entries)) {
    // Images are stored as they are: compressing JPEG or PNG again only costs time.
    masked[name] = [replaceAll(data, needles), { level: /\.(jpe?g|png)$/.test(name) ? 0 : 6 }];
  }
  return Buffer.from(zipSync(masked));
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

function spellings(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

const MASK = strToU8('***');

function replaceAll(data: Uint8Array, needles: readonly Buffer[]): Uint8Array {
  let buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (const needle of needles) {
    if (buffer.indexOf(needle) < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, from)) {
      parts.push(buffer.subarray(from, at), Buffer.from(MASK));
      from = at + needle.length;
    }
    parts.push(buffer.subarray(from));
    buffer = Buffer.concat(parts);
  }
  return buffer;
}
