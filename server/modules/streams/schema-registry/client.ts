import type { SchemaRegistryConfig } from '../config.ts';

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

/** A schema with its references resolved (recursively): everything a decoder needs. */
export interface RegisteredSchema {
  id: number;
  type: SchemaType;
  schema: string;
  references: ResolvedReference[];
  /** Subjects (with versions) the registry lists for this id; may be empty. */
  subjects: Array<{ subject: string; version: number }>;
}

export interface ResolvedReference {
  /** Avro: the full name of the named type; Protobuf: the import path; JSON Schema: the $ref URL. */
  name: string;
  subject: string;
  version: number;
  type: SchemaType;
  schema: string;
  references: ResolvedReference[];
}

/** Why a schema could not be had; its message is shown per message, so it never names the URL or credentials. */
export class RegistryError extends Error {}

interface RawSchema {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

export interface RegistryClientOptions {
  fetch?: typeof fetch;
  /** Schemas (and referenced subject versions) kept; both are immutable once registered. */
  maxEntries?: number;
  /** How long a failure is remembered (a down registry is not asked again for every message). */
  failureTtlMs?: number;
  now?: () => number;
  /** Largest answer read (a schema with its text); bigger ones are refused. */
  maxBodyBytes?: number;
}

const MAX_REFERENCE_DEPTH = 16;

/** GETs over the Confluent-compatible REST API: /schemas/ids/{id}, /subjects/{s}/versions/{v}. */
export class SchemaRegistryClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #max: number;
  readonly #failureTtl: number;
  readonly #now: () => number;
  readonly #maxBody: number;
  readonly #cache = new Map<string, Promise<unknown>>();
  readonly #failures = new Map<string, { at: number; error: RegistryError }>();

  constructor(config: SchemaRegistryConfig, options: RegistryClientOptions = {}) {
    const url = new URL(config.url);
    let username = config.username;
    let password = config.password;
    // fetch refuses URLs with credentials: take them out as basic auth.
    if (url.username) {
      username ??= decodeURIComponent(url.username);
      password ??= decodeURIComponent(url.password);
      url.username = '';
      url.password = '';
    }
    this.#base = url.toString().replace(/\/+$/, '');
    this.#headers = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (username !== undefined) {
      this.#headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    }
    this.#timeoutMs = config.requestTimeout;
    this.#fetch = options.fetch ?? fetch;
    this.#max = options.maxEntries ?? 1_000;
    this.#failureTtl = options.failureTtlMs ?? 5_000;
    this.#now = options.now ?? Date.now;
    this.#maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  }

  /** The schema registered under `id`, with references; cached for good once fetched. */
  schema(id: number): Promise<RegisteredSchema> {
    return this.#cached(`id:${id}`, async () => {
      const [raw, subjects] = await Promise.all([
        this.#get<RawSchema>(`/schemas/ids/${id}`, `schema ${id}`),
        this.#get<unknown>(`/schemas/ids/${id}/versions`, `the subjects of schema ${id}`).catch(() => []),
      ]);
      const type = schemaType(raw.schemaType, `schema ${id}`);
      return {
        id,
        type,
        schema: text(raw.schema, `schema ${id}`),
        references: await this.#references(raw.references, `schema ${id}`, 0),
        subjects: Array.isArray(subjects)
          ? subjects.flatMap((s) =>
              s && typeof s.subject === 'string' && typeof s.version === 'number'
                ? [{ subject: s.subject, version: s.version }]
                : [],
            )
          : [],
      };
    });
  }

  async #references(list: unknown, what: string, depth: number): Promise<ResolvedReference[]> {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) throw new RegistryError(`the registry sent bad references for ${what}`);
    if (list.length && depth >= MAX_REFERENCE_DEPTH)
      throw new RegistryError(`references of ${what} nest deeper than ${MAX_REFERENCE_DEPTH}`);
    return Promise.all(
      list.map(async (ref: { name?: unknown; subject?: unknown; version?: unknown }) => {
        if (
          typeof ref?.name !== 'string' ||
          typeof ref.subject !== 'string' ||
          typeof ref.version !== 'number'
        )
          throw new RegistryError(`the registry sent a bad reference in ${what}`);
        const { name, subject, version } = ref as { name: string; subject: string; version: number };
        const path = `/subjects/${encodeURIComponent(subject)}/versions/${version}`;
        const label = `${subject} version ${version}`;
        const raw = await this.#cached(`ref:${subject}:${version}`, () => this.#get<RawSchema>(path, label));
        return {
          name,
          subject,
          version,
          type: schemaType(raw.schemaType, label),
          schema: text(raw.schema, label),
          references: await this.#references(raw.references, label, depth + 1),
        };
      }),
    );
  }

  /** One request per key at a time; successes kept (bounded, oldest out), failures for failureTtlMs. */
  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit as Promise<T>;
    }
    const failed = this.#failures.get(key) ?? this.#failures.get('*');
    if (failed && this.#now() - failed.at < this.#failureTtl) return Promise.reject(failed.error);
    const pending = load().catch((error: unknown) => {
      this.#cache.delete(key);
      const reason = error instanceof RegistryError ? error : new RegistryError(String(error));
      // A registry that does not answer fails every id: remember that for all of them.
      this.#failures.set((reason as { down?: boolean }).down ? '*' : key, { at: this.#now(), error: reason });
      if (this.#failures.size > this.#max) this.#failures.delete(this.#failures.keys().next().value!);
      throw reason;
    });
    this.#cache.set(key, pending);
    if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value!);
    return pending;
  }

  async #get<T>(path: string, what: string): Promise<T> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${path}`, {
        headers: this.#headers,
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const name = (error as Error).name;
      const why =
        name === 'TimeoutError' || name === 'AbortError'
          ? `did not answer within ${this.#timeoutMs} ms`
          : `could not be reached (${causeOf(error)})`;
      throw Object.assign(new RegistryError(`the schema registry ${why}`), { down: true });
    }
    const body = await readCapped(res, this.#maxBody).catch((error: unknown) => {
      if (error instanceof RegistryError) throw error;
      return '';
    });
    if (res.status === 404) throw new RegistryError(`the schema registry does not know ${what}`);
    if (res.status === 401 || res.status === 403)
      throw Object.assign(
        new RegistryError(`the schema registry refused the credentials (HTTP ${res.status})`),
        {
          down: true,
        },
      );
    if (!res.ok) throw new RegistryError(`the schema registry answered HTTP ${res.status} for ${what}`);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new RegistryError(`the schema registry sent something other than JSON for ${what}`);
    }
  }
}

function schemaType(value: unknown, what: string): SchemaType {
  if (value === undefined || value === null || value === 'AVRO') return 'AVRO';
  if (value === 'JSON' || value === 'PROTOBUF') return value;
  throw new RegistryError(`${what} has an unknown schema type ${JSON.stringify(value).slice(0, 40)}`);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new RegistryError(`the registry sent no schema text for ${what}`);
  return value;
}

/** "ECONNREFUSED" and the like, never the URL. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).name ?? 'network error';
}

/** The body as text, refusing (and cancelling) one over `max` bytes: a registry is input like any other. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new RegistryError(`the schema registry sent more than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
