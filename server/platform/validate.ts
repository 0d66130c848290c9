import type { RequestHandler } from 'express';
import type { ParamsDictionary } from 'express-serve-static-core';
import type { ParsedQs } from 'qs';
import type { z } from 'zod';
import { formatPath } from './config/errors.ts';
import type { InputProblem } from './contract.ts';
import { badRequest } from './errors.ts';

/** The parts of a request a route validates, each with its zod schema. */
export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

type Part = InputProblem['in'];
/** What a validated part becomes: the schema's output, or `Otherwise` without a schema. */
export type Parsed<S extends RequestSchemas, K extends Part, Otherwise> = S[K] extends z.ZodType
  ? z.output<S[K]>
  : Otherwise;

/**
 * Route middleware that parses `params`, `query` and `body` with their schemas and replaces them with the
 * parsed values (defaults filled, strings coerced), so the handler after it gets typed input. Anything
 * invalid is refused with the one 400 shape: `bad_request`, a message naming the first problem
 * (`body.sql: SQL is empty`) and `details.problems` listing all of them.
 */
export function validate<S extends RequestSchemas>(
  schemas: S,
): RequestHandler<
  Parsed<S, 'params', ParamsDictionary>,
  unknown,
  // biome-ignore lint/suspicious/noExplicitAny: Express's own default for a body nobody validated
  Parsed<S, 'body', any>,
  Parsed<S, 'query', ParsedQs>
> {
  return (req, _res, next) => {
    const problems: InputProblem[] = [];
    const parsed: Partial<Record<Part, unknown>> = {};
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const result = schema.safeParse(req[part]);
      if (result.success) parsed[part] = result.data;
      else problems.push(...result.error.issues.map((issue) => problemOf(part, issue)));
    }
    if (problems.length) throw invalidInput(problems);
    if ('params' in parsed) req.params = parsed.params as typeof req.params;
    if ('body' in parsed) req.body = parsed.body as typeof req.body;
    // Express 5 reads `query` through a getter on the prototype; this request keeps the parsed value.
    if ('query' in parsed) Object.defineProperty(req, 'query', { value: parsed.query, enumerable: true });
    next();
  };
}

/** Parses one value (a part validated inside a handler) and refuses it with the same 400 shape. */
export function parseInput<T extends z.ZodType>(part: Part, schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues.map((issue) => problemOf(part, issue)));
}

function problemOf(part: Part, issue: z.core.$ZodIssue): InputProblem {
  return { in: part, path: formatPath(issue.path), message: issue.message.replace(/^Invalid input: /, '') };
}

function invalidInput(problems: InputProblem[]) {
  const [first] = problems;
  const where = first!.path ? `${first!.in}.${first!.path}` : first!.in;
  return badRequest(`${where}: ${first!.message}`, { problems });
}
