import { Validator } from '@seriousme/openapi-schema-validator';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test/harness.ts';
import { laneRoutesOf } from './app.ts';

/** `METHOD /path` of every route Express would answer under /api, read from the router stack (and the forward-auth lane). */
function mountedApiRoutes(app: unknown): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      for (const route of laneRoutesOf(layer.handle))
        found.push(`${route.method === 'all' ? 'GET' : route.method.toUpperCase()} ${prefix}${route.path}`);
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).map((m) => (m === '_all' ? 'get' : m));
        for (const method of methods) found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
      } else if (layer.handle.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack, '');
  return found.filter((route) => / \/api\//.test(route)).sort();
}

interface Layer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** `METHOD /path` of every operation of the document, in Express's path syntax. */
function documentedRoutes(document: OpenApi): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort();
}

type Operation = {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

/** Every `$ref` in the document. */
const refsOf = (node: unknown): string[] =>
  Array.isArray(node)
    ? node.flatMap(refsOf)
    : node && typeof node === 'object'
      ? Object.entries(node).flatMap(([key, value]) =>
          key === '$ref' && typeof value === 'string' ? [value] : refsOf(value),
        )
      : [];

describe('GET /api/openapi.json', () => {
  let app: TestApp;
  let document: OpenApi;

  beforeAll(async () => {
    app = await startTestApp();
    const response = await app.fetch('/api/openapi.json');
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApi;
  });
  afterAll(() => app?.close());

  it('lists exactly the /api routes Express has mounted', () => {
    const mounted = mountedApiRoutes(app.server.listeners('request')[0]);
    expect(mounted.length).toBeGreaterThan(50);
    expect(documentedRoutes(document)).toEqual(mounted);
  });

  it('the route comparison sees a route registered without a spec', () => {
    const extra = express();
    const router = express.Router();
    router.get('/undocumented', (_req, res) => res.end());
    extra.use('/api', router);
    expect(mountedApiRoutes(extra)).toEqual(['GET /api/undocumented']);
  });

  it('is a valid OpenAPI 3.1 document (the official schema)', async () => {
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    const broken = structuredClone(document) as unknown as Record<string, unknown>;
    delete broken.info;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('every $ref points into its components', () => {
    const refs = refsOf(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      expect(target, ref).toBeDefined();
    }
  });

  it('documents the public API with input and answer schemas', () => {
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    const withInput = operations.filter((o) => o.parameters || o.requestBody).length;
    const withAnswer = operations.filter((o) =>
      Object.values(o.responses).some((r) => Object.values(r.content ?? {}).some((c) => c.schema)),
    ).length;
    console.log(
      `openapi: ${operations.length} operations, ${withInput} with input schemas, ${withAnswer} with answer schemas`,
    );
    const ingest = document.paths['/api/v1/lineage']!.post!;
    expect(ingest.requestBody).toBeDefined();
    expect(ingest.responses['201']!.content!['application/json']!.schema).toBeDefined();
    const graph = document.paths['/api/lineage']!.get!;
    expect(graph.parameters).toContainEqual(expect.objectContaining({ name: 'nodeId', required: true }));
    const trigger = document.paths['/api/jobs/{source}/{job}/trigger']!.post! as Record<string, unknown>;
    expect(trigger.security).toEqual([{ sessionCookie: [], csrfToken: [] }]);
  });

  it('holds no config value or secret', () => {
    const text = JSON.stringify(document);
    expect(text).not.toContain(app.databaseUrl);
    expect(text).not.toContain('127.0.0.1');
  });
});
