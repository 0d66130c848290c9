import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';

const gzipAsync = promisify(gzip);

/** A JSON answer serialised once and served to many requests: as is, gzipped, and its ETag. */
export interface JsonBody {
  json: Buffer;
  gzip: Buffer;
  etag: string;
}

/** Builds a JsonBody; gzip runs on libuv's thread pool, off the event loop (bodies of several MB). */
export async function jsonBody(text: string): Promise<JsonBody> {
  const json = Buffer.from(text);
  const gzipped = await gzipAsync(json, { level: 1 });
  // The hash of the gzip bytes (a tenth of the JSON, the same for the same JSON) keeps the event loop free.
  return {
    json,
    gzip: gzipped,
    etag: `"${createHash('sha1').update(gzipped).digest('base64url').slice(0, 22)}"`,
  };
}

/** Sends a JsonBody: 304 to a matching If-None-Match, gzip where accepted; private to the caller. */
export function sendJsonBody(
  req: Pick<Request, 'get' | 'acceptsEncodings'>,
  res: Response,
  body: JsonBody,
): void {
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('ETag', body.etag);
  res.setHeader('Vary', 'Accept-Encoding, Cookie');
  if (req.get('if-none-match') === body.etag) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const gzipped = req.acceptsEncodings('gzip', 'identity') === 'gzip';
  const bytes = gzipped ? body.gzip : body.json;
  if (gzipped) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}
