import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { interpolateEnv } from './interpolate.ts';

export interface LoadedConfig<T> {
  config: T;
  /** The file the config came from, or null when Labdeck runs on built-in defaults. */
  file: string | null;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const DEFAULT_CONFIG_FILE = 'labdeck.yaml';

/** Finds, parses, interpolates and validates labdeck.yaml; throws ConfigError naming file:line key for every problem. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  options: LoadOptions = {},
): LoadedConfig<z.output<S>> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.LABDECK_CONFIG || undefined;
  const file = path.resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (explicit)
      throw new ConfigError([{ file: explicit, path: [], message: 'file not found (LABDECK_CONFIG)' }]);
    return { config: parseOrThrow(schema, {}, null, null, '(defaults)'), file: null };
  }
  const shown = path.relative(cwd, file) || file;
  return { config: parseConfigText(schema, readFileSync(file, 'utf8'), shown, env), file };
}

export function parseConfigText<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const syntax = doc.errors.map<ConfigProblem>((e) => ({
    file,
    line: lineAt(e.pos[0]),
    path: [],
    message: e.message.split('\n')[0] ?? 'YAML syntax error',
  }));
  if (syntax.length) throw new ConfigError(syntax);
  const unset = interpolateEnv(doc, env).map<ConfigProblem>((p) => ({
    file,
    line: lineAt(p.node.range?.[0]),
    path: p.path,
    message: p.message,
  }));
  if (unset.length) throw new ConfigError(unset);
  return parseOrThrow(schema, doc.toJS() ?? {}, doc, lines, file);
}

function parseOrThrow<S extends z.ZodType>(
  schema: S,
  data: unknown,
  doc: Document | null,
  lines: LineCounter | null,
  file: string,
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => toProblems(issue, doc, lines, file));
  throw new ConfigError(problems);
}

function toProblems(
  issue: z.core.$ZodIssue,
  doc: Document | null,
  lines: LineCounter | null,
  file: string,
): ConfigProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const lineOf = (offset: number | undefined) =>
    offset === undefined || !lines ? undefined : lines.linePos(offset).line;
  const closest = issue.code === 'invalid_union' ? closestBranch(issue.errors) : undefined;
  if (closest)
    return closest.flatMap((inner) =>
      toProblems({ ...inner, path: [...issue.path, ...inner.path] }, doc, lines, file),
    );
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      file,
      line: lineOf(keyOffset(doc, path, key)),
      path: [...path, key],
      message: 'unknown key',
    }));
  }
  return [{ file, line: lineOf(valueOffset(doc, path)), path, message: describeIssue(issue) }];
}

/**
 * The one branch of a union the value matched in shape (its problems lie inside the value, such as
 * `probe: false | { type, ... }` given a probe with a bad field), so the problem names the field.
 */
function closestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const inside = branches.filter((issues) => issues.length && issues.every((inner) => inner.path.length));
  return inside.length === 1 ? inside[0] : undefined;
}

function valueOffset(doc: Document | null, path: (string | number)[]): number | undefined {
  for (let depth = path.length; doc && depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}

function keyOffset(doc: Document | null, path: (string | number)[], key: string): number | undefined {
  const map = path.length ? doc?.getIn(path, true) : doc?.contents;
  if (!isMap(map)) return valueOffset(doc, path);
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  return (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_format' && (issue.format === 'url' || issue.format === 'uri'))
    return 'expected a URL';
  if (issue.code === 'invalid_type') return `expected ${issue.expected}${received(issue)}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function received(issue: z.core.$ZodIssue): string {
  const match = /received (\w+)/.exec(issue.message);
  return match ? `, got ${match[1]}` : '';
}
