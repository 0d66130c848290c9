import type { AuthConfig } from './config.ts';

/** Labdeck roles granted by a set of IdP groups, per `auth.roles`, plus `auth.defaultRoles`. */
export function rolesForGroups(
  groups: readonly string[],
  config: Pick<AuthConfig, 'roles' | 'defaultRoles'>,
): string[] {
  const have = new Set(groups);
  const roles = new Set(config.defaultRoles);
  for (const [role, granting] of Object.entries(config.roles)) {
    if (granting.some((group) => have.has(group))) roles.add(role);
  }
  return [...roles].sort();
}

/** A groups claim may be an array, a single string or a comma/space separated string. */
export function groupsFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof value === 'string') return value.split(/[,\s]+/).filter(Boolean);
  return [];
}
