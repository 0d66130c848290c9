// The OpenLineage HTTP receiver: POST /api/v1/lineage (one event) and /api/v1/lineage/batch (array),
// as the OpenLineage HTTP transport and Marquez define them. It reads its own body (own limit, gzip)
// and is mounted as module middleware, ahead of the platform's JSON parser and CSRF check: producers
// authenticate with a bearer key, and requiring `Content-Type: application/json` keeps browsers
// from forging requests across sites (such a request needs a CORS preflight that is never granted).
import { createHash, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { apiRoutes } from '../../platform/api-routes.ts';
import { ApiError, badRequest } from '../../platform/errors.ts';
import { type LineageConfig, parseSize } from './config.ts';
import { ingestOneResult, ingestResult } from './contract.ts';
import { openLineageEvent } from './event-schema.ts';
import type { LineageService } from './service.ts';

const gunzipAsync = promisify(gunzip);

/** `open`: events without a key are accepted (no keys configured and anonymous ingest allowed). */
export function ingestRouter(config: LineageConfig, service: LineageService, open: boolean): Router {
  const limit = parseSize(config.ingest.bodyLimit);
  const keys = config.ingest.keys.map((k) => ({ producer: k.producer, digest: digest(k.key) }));
  const router = express.Router();
  const routes = apiRoutes(router);
  const source = (req: Request) => authenticate(req, keys, open);

  routes.post('/api/v1/lineage', ingestOne, async (req, res) => {
    const from = source(req);
    const body = await readJson(req, limit);
    if (Array.isArray(body)) throw badRequest('Expected one event; send arrays to /api/v1/lineage/batch');
    const result = await service.ingest([body], `http:${from}`);
    const [one] = result.results;
    if (one?.status === 'rejected') throw badRequest('Invalid OpenLineage event', { problems: one.problems });
    res.status(201).json({ status: one?.status });
  });

  routes.post('/api/v1/lineage/batch', ingestBatch, async (req, res) => {
    const from = source(req);
    const body = await readJson(req, limit);
    if (!Array.isArray(body)) throw badRequest('Expected a JSON array of OpenLineage events');
    if (body.length > config.ingest.maxBatch)
      throw new ApiError(413, 'payload_too_large', `At most ${config.ingest.maxBatch} events per batch`);
    const result = await service.ingest(body, `http:${from}`);
    if (result.rejected > 0) {
      throw badRequest(
        `${result.rejected} of ${body.length} events rejected; the others were stored`,
        result,
      );
    }
    res.status(200).json(result);
  });
  return router;
}

const ingestSpec = { access: 'producer', checkedByHandler: true, bodyMedia: 'application/json' } as const;
const gzipNote =
  'The body may be gzip-compressed (`Content-Encoding: gzip`); lineage.ingest.bodyLimit applies.';
const ingestOne = {
  ...ingestSpec,
  summary: 'Ingest one OpenLineage event (the OpenLineage HTTP transport, Marquez-compatible)',
  description: `${gzipNote} Invalid events are refused with 400 and their problems.`,
  body: openLineageEvent,
  status: 201,
  response: ingestOneResult,
};
const ingestBatch = {
  ...ingestSpec,
  summary: 'Ingest an array of OpenLineage events',
  description: `${gzipNote} At most lineage.ingest.maxBatch events; valid events are stored even when others are rejected (then 400 with the result).`,
  body: z.array(openLineageEvent),
  response: ingestResult,
};

const digest = (key: string) => createHash('sha256').update(key).digest();

/** Returns the producer name (or 'anonymous'); throws 401 when a key is needed and missing or wrong. */
function authenticate(
  req: Request,
  keys: { producer: string; digest: Buffer }[],
  allowAnonymous: boolean,
): string {
  const header = req.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (keys.length === 0) {
    if (allowAnonymous) return 'anonymous';
    throw new ApiError(
      403,
      'ingest_closed',
      'Lineage ingestion is closed: configure lineage.ingest.keys (or set lineage.ingest.allowAnonymous: true)',
    );
  }
  if (!token)
    throw new ApiError(401, 'unauthorized', 'A producer API key is required (Authorization: Bearer <key>)');
  const given = digest(token);
  let match: string | null = null;
  for (const key of keys) if (timingSafeEqual(given, key.digest)) match = key.producer;
  if (!match) throw new ApiError(401, 'unauthorized', 'Unknown producer API key');
  return match;
}

/** Reads the body within `limit` (wire bytes and decompressed bytes), gunzips, parses JSON. */
async function readJson(req: Request, limit: number): Promise<unknown> {
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'Send OpenLineage events as Content-Type: application/json',
    );
  }
  const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or none`,
    );
  }
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const raw = await readLimited(req, limit);
  let data = raw;
  if (encoding === 'gzip') {
    try {
      data = await gunzipAsync(raw, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
      throw badRequest(`Body is not valid gzip: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw badRequest(`Body is not valid JSON: ${(error as Error).message}`);
  }
}

const tooLarge = (limit: number) =>
  new ApiError(
    413,
    'payload_too_large',
    `Request body larger than ${Math.round(limit / 1024 / 1024)} MB (lineage.ingest.bodyLimit)`,
  );

/** Collects the body; past `limit` it stops keeping data (the rest is drained) and rejects with 413. */
function readLimited(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ApiError(400, 'bad_request', `Request body could not be read: ${error.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
