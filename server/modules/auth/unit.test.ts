import { describe, expect, it } from 'vitest';
import { createSealer } from './crypto.ts';
import { safeReturnTo } from './returnto.ts';
import { groupsFromClaim, rolesForGroups } from './roles.ts';

describe('returnTo after sign-in', () => {
  it.each([
    ['/sql?tab=1#x', '/sql?tab=1#x'],
    ['/', '/'],
    ['https://evil.example/x', '/'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['javascript:alert(1)', '/'],
    ['/ok\r\nSet-Cookie: x=1', '/'],
    ['/api/auth/login', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/'],
  ])('%j -> %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});

describe('roles from IdP groups', () => {
  const config = {
    roles: { admin: ['lab-admins'], analyst: ['lab-analysts', '/analysts'] },
    defaultRoles: ['viewer'],
  };
  it.each([
    [['lab-analysts'], ['analyst', 'viewer']],
    [
      ['/analysts', 'lab-admins'],
      ['admin', 'analyst', 'viewer'],
    ],
    [[], ['viewer']],
    [['lab-admins-not'], ['viewer']],
  ])('%j -> %j', (groups, roles) => {
    expect(rolesForGroups(groups, config)).toEqual(roles);
  });

  it('reads array, string and missing claims', () => {
    expect(groupsFromClaim(['a', 'b', 3])).toEqual(['a', 'b']);
    expect(groupsFromClaim('a, b c')).toEqual(['a', 'b', 'c']);
    expect(groupsFromClaim(undefined)).toEqual([]);
  });
});

describe('token sealing', () => {
  it('round-trips and refuses tampering or another key', () => {
    const sealer = createSealer('k'.repeat(40));
    const sealed = sealer.seal('refresh-token');
    expect(sealed).not.toContain('refresh-token');
    expect(sealer.open(sealed)).toBe('refresh-token');
    expect(sealer.open(`${sealed.slice(0, -2)}AA`)).toBeNull();
    expect(createSealer('j'.repeat(40)).open(sealed)).toBeNull();
    expect(sealer.open('garbage')).toBeNull();
  });
});
