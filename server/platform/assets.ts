import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { RequestHandler } from 'express';

const gzipAsync = promisify(gzip);

/** Text assets worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

interface Entry {
  gzip: Buffer;
  type: string;
}

/**
 * Hashed build assets (never change under their name) gzipped once, at the best level, and served from
 * memory: the compression middleware would gzip the same 200 KB framework chunk again for every page
 * load, on the path of the first paint. Anything else (no gzip accepted, other types, a file too big,
 * the cache full) falls through to express.static and the compression middleware as before.
 */
export function precompressedAssets(dir: string): RequestHandler {
  const cache = new Map<string, Promise<Entry | null>>();
  let cachedBytes = 0;

  async function load(file: string, type: string): Promise<Entry | null> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile() || info.size > MAX_FILE_BYTES || cachedBytes + info.size > MAX_CACHE_BYTES)
      return null;
    const body = await gzipAsync(await readFile(file), { level: constants.Z_BEST_COMPRESSION });
    cachedBytes += body.length;
    return { gzip: body, type };
  }

  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const type = COMPRESSIBLE[path.extname(req.path)];
    if (!type || req.acceptsEncodings('gzip', 'identity') !== 'gzip') return next();
    let name: string;
    try {
      name = path.posix.normalize(decodeURIComponent(req.path));
    } catch {
      return next();
    }
    if (name.includes('\0') || name.split('/').includes('..')) return next();
    const file = path.join(dir, name);
    let pending = cache.get(file);
    if (!pending) {
      pending = load(file, type).catch(() => null);
      cache.set(file, pending);
    }
    const entry = await pending;
    if (!entry) {
      cache.delete(file); // retried next time (the file may appear, or the cache have room)
      return next();
    }
    res.setHeader('Content-Type', entry.type);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', entry.gzip.length);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('Vary', 'Accept-Encoding');
    res.end(req.method === 'HEAD' ? undefined : entry.gzip);
  };
}
