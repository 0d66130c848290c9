/** A config problem located in its file: renders as `labdeck.yaml:12 services[3].url: expected a URL`. */
export interface ConfigProblem {
  file: string;
  line?: number;
  path: (string | number)[];
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem({ file, line, path, message }: ConfigProblem): string {
  const where = line === undefined ? file : `${file}:${line}`;
  const key = formatPath(path);
  return key ? `${where} ${key}: ${message}` : `${where}: ${message}`;
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
