import type { RequestHandler, Router } from 'express';
import type { ParamsDictionary } from 'express-serve-static-core';
import type { ParsedQs } from 'qs';
import type { z } from 'zod';
import { requireRole } from './access.ts';
import { type Parsed, type RequestSchemas, validate } from './validate.ts';

export type RouteMethod = 'get' | 'post' | 'put' | 'delete' | 'all';

/**
 * What an /api route declares about itself, once: its input schemas (validated before the handler),
 * its answer and who may call it. GET /api/openapi.json is built from these (platform/openapi.ts).
 */
export interface RouteSpec extends RequestSchemas {
  summary: string;
  description?: string;
  /** The success answer's JSON body. */
  response?: z.ZodType;
  /** Success status; default 200. 204 and 3xx answers have no body. */
  status?: number;
  /** Media types of a success answer that is not JSON (NDJSON, an image, a file); `[]`: no body. */
  media?: readonly string[];
  /** Who may call: signed-in users (default), anyone, or producers with an ingest key. */
  access?: 'user' | 'public' | 'producer';
  /** The caller needs one of these roles (checked before the input). */
  roles?: readonly string[];
  /** Middleware that runs first (a rate limit, a body parser). */
  use?: readonly RequestHandler[];
  /**
   * The handler reads and checks its input itself (its own body reader, its own error order): the
   * schemas only document it. `bodyMedia` is then the body's media type.
   */
  checkedByHandler?: boolean;
  bodyMedia?: string;
}

/** A route as registered: path relative to where its router is mounted. */
export interface DocumentedRoute {
  method: RouteMethod;
  path: string;
  spec: RouteSpec;
  /** What runs for it, in order: its `use`, the role check, validation, then its handlers. */
  chain: readonly RequestHandler[];
}

type Handler<S extends RequestSchemas> = RequestHandler<
  Parsed<S, 'params', ParamsDictionary>,
  unknown,
  // biome-ignore lint/suspicious/noExplicitAny: Express's own default for a body nobody validated
  Parsed<S, 'body', any>,
  Parsed<S, 'query', ParsedQs>
>;

const registered = new WeakMap<object, DocumentedRoute[]>();

/** The routes registered on `router` through `apiRoutes`, in order. */
export const documentedRoutesOf = (router: object): readonly DocumentedRoute[] =>
  registered.get(router) ?? [];

/**
 * Registers routes on `router` with their spec: the role check, input validation, then the handlers.
 * `apiRoutes(router).get('/lineage', { summary, query: graphQuery }, handler)`.
 */
export function apiRoutes(router: Router) {
  if (!registered.has(router)) registered.set(router, []);
  const routes = registered.get(router)!;
  const add =
    (method: RouteMethod) =>
    <S extends RouteSpec>(path: string, spec: S, ...handlers: Handler<S>[]): void => {
      const chain: RequestHandler[] = [...(spec.use ?? [])];
      if (spec.roles) chain.push(requireRole(...spec.roles));
      if (!spec.checkedByHandler && (spec.params || spec.query || spec.body))
        chain.push(validate(spec) as RequestHandler);
      chain.push(...(handlers as unknown as RequestHandler[]));
      routes.push({ method, path, spec, chain });
      router[method](path, ...chain);
    };
  return { get: add('get'), post: add('post'), put: add('put'), delete: add('delete'), all: add('all') };
}
