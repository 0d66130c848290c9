import path from 'node:path';

/** What scripts/image-start-check.ts needs of a Dockerfile and a .dockerignore (not a full parser). */

export interface Instruction {
  op: string;
  args: string;
  /** Preceded by a `# image only` comment: meaningful inside a container only (users, ownership). */
  imageOnly: boolean;
}

export interface Stage {
  name: string;
  base: string;
  steps: Instruction[];
}

/** Stages with their instructions; `\` continuations joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let imageOnly = false;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && line.startsWith('#')) {
      if (/^#\s*image only\b/i.test(line)) imageOnly = true;
      continue;
    }
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/s.exec(full) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [base = '', , name] = args.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), base, steps: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${op} before FROM`);
      stage.steps.push({ op: op.toUpperCase(), args, imageOnly });
    }
    imageOnly = false;
  }
  return stages;
}

/** `ENV A=1 B=2` (the only form Labdeck's Dockerfile uses). */
export function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(
    [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)].map(([, key, value]) => [
      key!,
      value!.replace(/^"|"$/g, ''),
    ]),
  );
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** The exec form `["node", "server/main.ts"]` of CMD or HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

/**
 * A .dockerignore as a predicate on context-relative paths: patterns apply in order, the last that
 * matches the path or one of its parent folders wins, `!` re-includes.
 */
export function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => ({
      include: line.startsWith('!'),
      pattern: path.posix.normalize(line.replace(/^!/, '').replace(/^\/+/, '')),
    }));
  return (file) => {
    const parts = file.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const { include, pattern } of rules) {
      if (candidates.some((candidate) => matches(candidate, pattern))) excluded = !include;
    }
    return excluded;
  };
}

/** Docker's `**` takes dot files too; Node's glob does not. */
const matches = (file: string, pattern: string) => pattern === '**' || path.matchesGlob(file, pattern);
