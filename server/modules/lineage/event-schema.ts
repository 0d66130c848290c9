// OpenLineage 2-0-x events (RunEvent, DatasetEvent, JobEvent), written from the spec
// (https://openlineage.io/spec/2-0-2/OpenLineage.json and the facet schemas under spec/facets/).
// Objects stay open (unknown keys and unknown facets are kept as received); the parts Labdeck
// derives from (ids, times, IO, and the standard facets it reads) are checked strictly.
// Two validators share these rules: a compiled JSON Schema (ajv) accepts well-formed events fast, and
// zod explains, with JSON paths, what is wrong with the others.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import type { EventProblem } from './contract.ts';

export const LIMITS = {
  namespace: 1024,
  name: 4096,
  field: 1024,
  facetKey: 256,
  /** Nesting of objects/arrays anywhere in an event (facets included). */
  depth: 64,
  datasetsPerSide: 10_000,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SCHEMA_URL =
  /^https:\/\/openlineage\.io\/spec\/2-0-\d+\/OpenLineage\.json(?:#\/\$defs\/(RunEvent|DatasetEvent|JobEvent))?$/;

const uuid = z.string().regex(UUID, 'expected a UUID');
const dateTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone' });
const uri = z.url({ error: 'expected a URI' });
const text = (max: number) =>
  z.string().min(1, 'must not be empty').max(max, `longer than ${max} characters`);

/** Every facet: _producer and _schemaURL (BaseFacet), anything else kept. */
const baseFacet = z.looseObject({ _producer: uri, _schemaURL: uri });
const deletedFacet = z.looseObject({ _deleted: z.literal(true) });

interface SchemaField {
  name: string;
  type?: string;
  description?: string;
  fields?: SchemaField[];
}
const schemaField: z.ZodType<SchemaField> = z.lazy(() =>
  z.looseObject({
    name: text(LIMITS.field),
    type: z.string().max(LIMITS.field).optional(),
    description: z.string().optional(),
    fields: z.array(schemaField).optional(),
  }),
);

const inputField = z.looseObject({
  namespace: text(LIMITS.namespace),
  name: text(LIMITS.name),
  field: text(LIMITS.field),
  transformations: z.array(z.looseObject({ type: z.string() })).optional(),
});

/** Standard facets whose content Labdeck reads; others only need the BaseFacet keys. */
const knownDatasetFacets: Record<string, z.ZodType> = {
  schema: baseFacet.extend({ fields: z.array(schemaField) }),
  columnLineage: baseFacet.extend({
    fields: z.record(z.string().max(LIMITS.field), z.looseObject({ inputFields: z.array(inputField) })),
    dataset: z.array(inputField).optional(),
  }),
  symlinks: baseFacet.extend({
    identifiers: z.array(
      z.looseObject({ namespace: text(LIMITS.namespace), name: text(LIMITS.name), type: z.string() }),
    ),
  }),
  dataSource: baseFacet.extend({ name: z.string().optional(), uri: z.string().optional() }),
};
const knownRunFacets: Record<string, z.ZodType> = {
  parent: baseFacet.extend({
    run: z.looseObject({ runId: uuid }),
    job: z.looseObject({ namespace: text(LIMITS.namespace), name: text(LIMITS.name) }),
  }),
  errorMessage: baseFacet.extend({
    message: z.string(),
    programmingLanguage: z.string(),
    stackTrace: z.string().optional(),
  }),
  nominalTime: baseFacet.extend({ nominalStartTime: dateTime, nominalEndTime: dateTime.optional() }),
};
const knownJobFacets: Record<string, z.ZodType> = {
  sql: baseFacet.extend({ query: z.string() }),
  sourceCodeLocation: baseFacet.extend({ type: z.string(), url: z.string() }),
  jobType: baseFacet.extend({
    processingType: z.string(),
    integration: z.string(),
    jobType: z.string().optional(),
  }),
};

/** A facets map that names the facet of each problem (the explaining validator). */
function facets(known: Record<string, z.ZodType>, allowDeleted: boolean) {
  return z.record(z.string().min(1).max(LIMITS.facetKey), z.unknown()).superRefine((map, ctx) => {
    for (const [key, value] of Object.entries(map)) {
      const deleted = allowDeleted && (value as { _deleted?: unknown } | null)?._deleted === true;
      const schema = deleted ? deletedFacet : (known[key] ?? baseFacet);
      const result = schema.safeParse(value);
      if (result.success) continue;
      for (const issue of result.error.issues)
        ctx.addIssue({ ...issue, path: [key, ...issue.path] } as never);
    }
  });
}

/** Facet maps of the fast validator, given their key rule in JSON Schema when converted. */
const fastFacetMaps = new WeakSet<z.ZodType>();

/** The same rule as `facets`, in a form JSON Schema can state (unions instead of a refinement). */
function representableFacets(known: Record<string, z.ZodType>, allowDeleted: boolean) {
  const facet = (schema: z.ZodType) => (allowDeleted ? z.union([schema, deletedFacet]) : schema);
  const shape = Object.fromEntries(
    Object.entries(known).map(([key, schema]) => [key, facet(schema).optional()]),
  );
  const map = z.object(shape).catchall(facet(baseFacet));
  fastFacetMaps.add(map);
  return map;
}

type FacetsRule = typeof facets;

function eventSchemas(facetsOf: FacetsRule) {
  const dataset = z.looseObject({
    namespace: text(LIMITS.namespace),
    name: text(LIMITS.name),
    facets: facetsOf(knownDatasetFacets, true).optional(),
  });
  const inputDataset = dataset.extend({ inputFacets: facetsOf({}, false).optional() });
  const outputDataset = dataset.extend({ outputFacets: facetsOf({}, false).optional() });
  const job = z.looseObject({
    namespace: text(LIMITS.namespace),
    name: text(LIMITS.name),
    facets: facetsOf(knownJobFacets, true).optional(),
  });
  const base = {
    eventTime: dateTime,
    producer: uri,
    schemaURL: z.string().regex(SCHEMA_URL, 'expected an OpenLineage 2-0-x schemaURL'),
  };
  const inputs = z.array(inputDataset).max(LIMITS.datasetsPerSide).optional();
  const outputs = z.array(outputDataset).max(LIMITS.datasetsPerSide).optional();
  return {
    dataset,
    run: z.looseObject({
      ...base,
      eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).optional(),
      run: z.looseObject({ runId: uuid, facets: facetsOf(knownRunFacets, false).optional() }),
      job,
      inputs,
      outputs,
    }),
    datasetEvent: z.looseObject({ ...base, dataset }),
    jobEvent: z.looseObject({ ...base, job, inputs, outputs }),
  };
}

const explaining = eventSchemas(facets);
export const runEventSchema = explaining.run;
export const datasetEventSchema = explaining.datasetEvent;
export const jobEventSchema = explaining.jobEvent;
/** Any OpenLineage event, as the ingest API documents its body. */
export const openLineageEvent = z.union([runEventSchema, datasetEventSchema, jobEventSchema]);
const dataset = explaining.dataset;

export type RunEvent = z.output<typeof runEventSchema>;
export type DatasetEvent = z.output<typeof datasetEventSchema>;
export type JobEvent = z.output<typeof jobEventSchema>;
export type DatasetRef = z.output<typeof dataset> & {
  inputFacets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
};

export type ParsedEvent =
  | { kind: 'run'; event: RunEvent }
  | { kind: 'dataset'; event: DatasetEvent }
  | { kind: 'job'; event: JobEvent };

export type { EventProblem };

export type Validation = { ok: true; parsed: ParsedEvent } | { ok: false; problems: EventProblem[] };

/** Validates one event (already JSON-parsed); never throws. */
export function validateEvent(value: unknown): Validation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [{ path: '$', message: 'expected a JSON object (an OpenLineage event)' }] };
  }
  const bad = storable(value, LIMITS.depth) ? null : unstorable(value, LIMITS.depth);
  if (bad) return { ok: false, problems: [bad] };
  const kind = kindOf(value as Record<string, unknown>);
  const event = value as { eventTime?: unknown };
  if (fastValidators()[kind](value) && !Number.isNaN(Date.parse(event.eventTime as string))) {
    return { ok: true, parsed: { kind, event } as ParsedEvent };
  }
  // zod explains the failure, and decides where the fast validator is stricter (an upper-case UUID).
  const schema = kind === 'run' ? runEventSchema : kind === 'dataset' ? datasetEventSchema : jobEventSchema;
  const result = schema.safeParse(value);
  if (!result.success) return { ok: false, problems: result.error.issues.slice(0, 50).map(toProblem) };
  const parsed = result.data as { eventTime: string };
  if (Number.isNaN(Date.parse(parsed.eventTime))) {
    return { ok: false, problems: [{ path: '$.eventTime', message: 'not a valid date-time' }] };
  }
  return { ok: true, parsed: { kind, event: parsed } as ParsedEvent };
}

/** The event kind from the schemaURL's `#/$defs/<Kind>`, else from its shape. */
function kindOf(value: Record<string, unknown>): ParsedEvent['kind'] {
  const match = typeof value.schemaURL === 'string' ? SCHEMA_URL.exec(value.schemaURL) : null;
  const def = match?.[1];
  if (def === 'DatasetEvent') return 'dataset';
  if (def === 'JobEvent') return 'job';
  if (def === 'RunEvent') return 'run';
  if ('run' in value) return 'run';
  if ('dataset' in value) return 'dataset';
  return 'job';
}

function toProblem(issue: z.core.$ZodIssue): EventProblem {
  let path = '$';
  for (const part of issue.path) {
    if (typeof part === 'number') path += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) path += `.${part}`;
    else path += `[${JSON.stringify(String(part))}]`;
  }
  let message = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'required';
  else if (issue.code === 'invalid_type') message = `expected ${issue.expected}`;
  return { path, message };
}

/**
 * Whether PostgreSQL can store it (no NUL, no lone surrogate) within `max` levels of nesting: the
 * fast pass every event takes, iterative so a hostile document cannot overflow the stack.
 */
function storable(root: unknown, max: number): boolean {
  const values: unknown[] = [root];
  const depths: number[] = [1];
  while (values.length) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000') || !value.isWellFormed()) return false;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return false;
    if (Array.isArray(value)) {
      for (const item of value) {
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in value) {
      if (key.includes('\u0000') || !key.isWellFormed()) return false;
      values.push((value as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return true;
}

/** The same check, naming the path of the first problem (only run when `storable` said no). */
function unstorable(root: unknown, max: number): EventProblem | null {
  const stack: [unknown, number, string][] = [[root, 1, '$']];
  while (stack.length) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000') || !value.isWellFormed())
        return { path, message: 'contains a NUL character or a lone surrogate' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return { path, message: `nested deeper than ${max} levels` };
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push([value[i], depth + 1, `${path}[${i}]`]);
    } else
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000') || !key.isWellFormed())
          return { path, message: 'a key contains a NUL character or a lone surrogate' };
        stack.push([item, depth + 1, `${path}.${key}`]);
      }
  }
  return null;
}

type FastValidators = Record<ParsedEvent['kind'], ValidateFunction>;
let compiled: FastValidators | undefined;

/**
 * JSON Schema validators compiled from the zod rules (with representable facet maps), about 20x
 * faster than zod. They must never accept what zod rejects: where the two could differ they are
 * stricter (URLs zod would trim are refused, UUID patterns lose zod's case-insensitive flag), and
 * event-schema.test.ts checks both on the same corpus. Both count string lengths in code points.
 */
export function fastValidators(): FastValidators {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: false });
  ajv.addFormat('uri', { type: 'string', validate: isTrimmedUri });
  // zod's date-time rule is the `pattern` converted beside this format.
  ajv.addFormat('date-time', { type: 'string', validate: () => true });
  const fast = eventSchemas(representableFacets as unknown as FacetsRule);
  const compile = (schema: z.ZodType) =>
    ajv.compile(
      z.toJSONSchema(schema, {
        io: 'input',
        unrepresentable: 'throw',
        override: ({ zodSchema, jsonSchema }) => {
          if (fastFacetMaps.has(zodSchema as unknown as z.ZodType))
            jsonSchema.propertyNames = { type: 'string', minLength: 1, maxLength: LIMITS.facetKey };
        },
      }),
    );
  compiled = { run: compile(fast.run), dataset: compile(fast.datasetEvent), job: compile(fast.jobEvent) };
  return compiled;
}

/** Producers repeat the same few URLs (_producer, _schemaURL) in every event: remember good ones. */
const goodUris = new Set<string>();

/** What zod's z.url() accepts unchanged (it trims and drops tabs and newlines from what it returns). */
function isTrimmedUri(value: string): boolean {
  if (goodUris.has(value)) return true;
  if (value !== value.trim() || /[\t\n\r]/.test(value) || !uri.safeParse(value).success) return false;
  if (goodUris.size >= 10_000) goodUris.clear();
  goodUris.add(value);
  return true;
}
