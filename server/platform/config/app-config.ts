import path from 'node:path';
import type { ServerModule } from '../module.ts';
import { ConfigError } from './errors.ts';
import { type LoadOptions, loadConfig } from './load.ts';
import { type AppConfig, applyEnvOverrides, buildConfigSchema } from './schema.ts';

export interface LoadedAppConfig {
  config: AppConfig;
  /** The file the config came from, or null when Labdeck runs on built-in defaults. */
  file: string | null;
}

/**
 * Everything start-up checks before it starts anything: labdeck.yaml against every module's schema,
 * the environment overrides, then each module's rules across sections. Throws ConfigError naming
 * file:line key for every problem (start-up exits 78 on it, as `npm run check-config` does).
 */
export function loadAppConfig(modules: readonly ServerModule[], options: LoadOptions = {}): LoadedAppConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const loaded = loadConfig(buildConfigSchema(modules), { env, cwd });
  const config = applyEnvOverrides(loaded.config as AppConfig, env);
  const file = loaded.file ? path.relative(cwd, loaded.file) || loaded.file : '(defaults)';
  const problems = modules.flatMap((module) =>
    module.config?.check
      ? module.config.check(config[module.config.key], config).map((problem) => ({ file, ...problem }))
      : [],
  );
  if (problems.length) throw new ConfigError(problems);
  return { config, file: loaded.file };
}
