import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { DocumentedRoute, RouteSpec } from './api-routes.ts';
import { apiErrorBody } from './contract.ts';
import { CSRF_COOKIE, CSRF_HEADER } from './csrf.ts';

/** A documented route with its full path (`/api/...`) and the module it belongs to. */
export interface ApiOperation extends DocumentedRoute {
  tag: string;
}

export interface OpenApiInput {
  version: string;
  operations: readonly ApiOperation[];
  /** Full path prefixes that take POSTs without a CSRF token (modules' `csrfExemptPaths`). */
  csrfExempt: readonly string[];
}

type Json = Record<string, unknown>;
type Components = Record<string, Json>;

const MUTATING = new Set(['post', 'put', 'delete', 'all']);

/**
 * The OpenAPI 3.1 document of the API, from the routes' specs (api-routes.ts): what each route
 * validates and answers, as zod states it, converted to JSON Schema 2020-12 (OpenAPI 3.1's dialect).
 * Only the API's shape: no config value, host or secret goes in.
 */
export function openApiDocument({ version, operations, csrfExempt }: OpenApiInput): Json {
  const schemas: Components = { ApiError: toJsonSchema(apiErrorBody, 'output', 'ApiError', {}) };
  const paths: Record<string, Json> = {};
  for (const operation of operations) {
    const path = openApiPath(operation.path);
    const item = paths[path] ?? {};
    paths[path] = item;
    const exempt = csrfExempt.some((prefix) => operation.path.startsWith(prefix));
    const described = describe(operation, exempt, schemas);
    // `all` (the forward-auth gate answers any method): documented as the GET a proxy sends.
    item[operation.method === 'all' ? 'get' : operation.method] = described;
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Labdeck API',
      version,
      description:
        'The BFF API of Labdeck. Browsers call it with their session cookie; mutating calls add the ' +
        `CSRF token (header ${CSRF_HEADER}, the value of the ${CSRF_COOKIE} cookie) and a same-origin ` +
        'Origin. With auth.mode none every caller is the local administrator. Errors have one shape: ' +
        '{ "error": { "code", "message", "details"? } }.',
    },
    tags: [...new Set(operations.map((o) => o.tag))].sort().map((name) => ({ name })),
    security: [{ sessionCookie: [] }],
    paths,
    components: {
      schemas,
      responses: {
        Error: {
          description: 'The one error shape',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
        },
      },
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'labdeck_session',
          description: 'The session cookie set by sign-in (its name is auth.session.cookieName).',
        },
        csrfToken: {
          type: 'apiKey',
          in: 'header',
          name: CSRF_HEADER,
          description: `Double-submit token: the value of the ${CSRF_COOKIE} cookie Labdeck sets.`,
        },
        producerKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A producer key from lineage.ingest.keys. Without keys configured, ingestion is open only ' +
            'where lineage.ingest.allowAnonymous (or auth.mode none) allows it.',
        },
      },
    },
  };
}

/** Express's `/jobs/:source/:job` as OpenAPI's `/jobs/{source}/{job}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function describe(operation: ApiOperation, csrfExempt: boolean, schemas: Components): Json {
  const { spec, method, path, tag } = operation;
  const key = operationId(operation);
  const body = spec.body && {
    required: true,
    content: {
      [spec.bodyMedia ?? 'application/json']: { schema: toJsonSchema(spec.body, 'input', key, schemas) },
    },
  };
  const roles = spec.roles ? `Needs one of the roles: ${spec.roles.join(', ')}.` : '';
  const description = [spec.description, roles].filter(Boolean).join('\n\n');
  return {
    operationId: key,
    tags: [tag],
    summary: spec.summary,
    ...(description ? { description } : {}),
    ...parametersOf(spec, path, key, schemas),
    ...(body ? { requestBody: body } : {}),
    responses: responsesOf(spec, key, schemas),
    ...securityOf(spec.access ?? 'user', MUTATING.has(method) && !csrfExempt),
  };
}

/** `get /api/jobs/:source/:job/runs` -> `getJobsSourceJobRuns`. */
function operationId({ method, path }: ApiOperation): string {
  const words = path
    .replace(/^\/api\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return [method, ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

function parametersOf(spec: RouteSpec, path: string, key: string, schemas: Components): Json {
  const parameters: Json[] = [];
  const inPath = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = spec.params && propertiesOf(toJsonSchema(spec.params, 'input', `${key}Params`, schemas));
  for (const name of inPath) {
    const schema = params?.properties[name] ?? { type: 'string' };
    parameters.push({ name, in: 'path', required: true, schema });
  }
  if (spec.query) {
    const query = propertiesOf(toJsonSchema(spec.query, 'input', `${key}Query`, schemas));
    for (const [name, schema] of Object.entries(query.properties))
      parameters.push({ name, in: 'query', required: query.required.includes(name), schema });
  }
  return parameters.length ? { parameters } : {};
}

function propertiesOf(schema: Json): { properties: Record<string, Json>; required: string[] } {
  return {
    properties: (schema.properties as Record<string, Json> | undefined) ?? {},
    required: (schema.required as string[] | undefined) ?? [],
  };
}

function responsesOf(spec: RouteSpec, key: string, schemas: Components): Json {
  const status = spec.status ?? 200;
  const success: Json = { description: STATUS_CODES[status] ?? 'Success' };
  const schema = spec.response && toJsonSchema(spec.response, 'output', `${key}Response`, schemas);
  const hasBody = status !== 204 && (status < 300 || status >= 400);
  const media = spec.media ?? ['application/json'];
  if (hasBody && media.length) {
    success.content = Object.fromEntries(media.map((type) => [type, schema ? { schema } : {}]));
  }
  const validated = !spec.checkedByHandler && (spec.params || spec.query || spec.body);
  return {
    [String(status)]: success,
    ...(validated ? { 400: { $ref: '#/components/responses/Error' } } : {}),
    default: { $ref: '#/components/responses/Error' },
  };
}

function securityOf(access: NonNullable<RouteSpec['access']>, needsCsrf: boolean): Json {
  if (access === 'producer') return { security: [{ producerKey: [] }, {}] };
  if (access === 'public') return { security: needsCsrf ? [{ csrfToken: [] }] : [] };
  return needsCsrf ? { security: [{ sessionCookie: [], csrfToken: [] }] } : {};
}

/**
 * One zod schema as JSON Schema. Its shared parts (`$defs`) move to components/schemas under
 * `<name>.<def>`: inside an OpenAPI document `#` names the document, not the schema.
 */
function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', name: string, schemas: Components): Json {
  const { $schema: _, $defs, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const target = (def: string) => `#/components/schemas/${name}.${def}`;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) =>
        k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
          ? [k, target(v.slice('#/$defs/'.length))]
          : [k, rewrite(v)],
      ),
    );
  };
  for (const [def, value] of Object.entries(($defs as Record<string, Json> | undefined) ?? {}))
    schemas[`${name}.${def}`] = rewrite(value) as Json;
  return rewrite(json) as Json;
}
