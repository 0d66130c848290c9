import { describe, expect, it } from 'vitest';
import { accessLevel, hasAnyRole, visibleTo } from './access.ts';
import type { User } from './identity.ts';

const analyst: User = { id: 'ana', name: 'Ana', roles: ['analyst'] };
const admin: User = { id: 'adm', name: 'Ada', roles: ['admin'] };
const viewer: User = { id: 'vic', name: 'Vic', roles: ['viewer'] };
const nobody: User = { id: 'nob', name: 'Nob', roles: [] };

describe('the access policy', () => {
  it('lets admins do everything and checks other roles', () => {
    expect(hasAnyRole(admin, ['analyst'])).toBe(true);
    expect(hasAnyRole(analyst, ['analyst', 'ops'])).toBe(true);
    expect(hasAnyRole(viewer, ['analyst'])).toBe(false);
    expect(hasAnyRole(nobody, [])).toBe(true);
    expect(hasAnyRole(undefined, [])).toBe(false);
  });

  it('shows each user only the services for their roles', () => {
    const services = [
      { name: 'Trino', roles: ['analyst'] },
      { name: 'Airflow', roles: ['engineer'] },
      { name: 'Grafana' },
      { name: 'Keycloak admin', roles: ['admin'] },
    ];
    const names = (user: User | undefined) => visibleTo(user, services).map((s) => s.name);
    expect(names(analyst)).toEqual(['Trino', 'Grafana']);
    expect(names(admin)).toEqual(['Trino', 'Airflow', 'Grafana', 'Keycloak admin']);
    expect(names(viewer)).toEqual(['Grafana']);
    expect(names(undefined)).toEqual([]);
  });

  it.each([
    [analyst, { roles: ['analyst'] }, 'write'],
    [analyst, { roles: ['engineer'], readOnlyRoles: ['analyst'] }, 'read'],
    [viewer, { roles: ['engineer'], readOnlyRoles: ['analyst'] }, 'none'],
    [admin, { roles: ['engineer'] }, 'write'],
    [viewer, {}, 'write'],
    [viewer, { readOnlyRoles: ['viewer'] }, 'read'],
    [analyst, { readOnlyRoles: ['viewer'] }, 'none'],
    [undefined, {}, 'none'],
  ] as const)('SQL connection access for %j with %j is %s', (user, rule, level) => {
    expect(accessLevel(user, rule)).toBe(level);
  });
});
