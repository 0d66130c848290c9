import type { RegisteredSchema, SchemaType } from '../schema-registry/client.ts';

/** A registered schema as the client would return it (unit tests). */
export function registered(
  type: SchemaType,
  schema: string,
  extra: Partial<Omit<RegisteredSchema, 'type' | 'schema'>> = {},
): RegisteredSchema {
  return { id: 1, type, schema, references: [], subjects: [], ...extra };
}

/** A fake Confluent-compatible registry over a map of paths to JSON bodies; counts requests. */
export function fakeRegistry(routes: Record<string, unknown>) {
  const requests: Array<{ url: string; authorization: string | null }> = [];
  const fetcher = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    requests.push({ url, authorization: headers.get('authorization') });
    const path = new URL(url).pathname.replace(/^\/registry/, '');
    if (!(path in routes)) return new Response(JSON.stringify({ error_code: 40403 }), { status: 404 });
    const body = routes[path];
    if (body instanceof Response) return body;
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
  return { fetch: fetcher, requests };
}
