import { type Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';

export interface InterpolationProblem {
  node: { range?: [number, number, number] | null };
  path: (string | number)[];
  message: string;
}

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in string values of a parsed YAML document,
 * in place. `$${` is a literal `${`. Keys are never interpolated.
 */
export function interpolateEnv(doc: Document, env: NodeJS.ProcessEnv): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const path = pathOf(ancestors, node);
      node.value = node.value.replace(PLACEHOLDER, (match, name?: string, fallback?: string) => {
        if (match === '$${') return '${';
        const value = env[name!];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        problems.push({ node, path, message: `environment variable ${name} is not set` });
        return match;
      });
    },
  });
  return problems;
}

function pathOf(ancestors: readonly unknown[], leaf: unknown): (string | number)[] {
  const chain = [...ancestors, leaf];
  const path: (string | number)[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isMap(parent) && isPair(child)) path.push(isScalar(child.key) ? String(child.key.value) : '?');
    else if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
  }
  return path;
}
