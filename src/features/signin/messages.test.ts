import { describe, expect, it } from 'vitest';
import { hasRole, needsSignIn, type Session } from '@/shared/session';
import { returnPath, signInErrorMessage } from './messages';

describe('sign-in page helpers', () => {
  it.each([
    ['/sql?tab=1', '/sql?tab=1'],
    ['//evil.example', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    [undefined, '/'],
  ])('returns to %j as %s', (input, expected) => {
    expect(returnPath(input)).toBe(expected);
  });

  it('explains every failure code, and unknown ones generically', () => {
    expect(signInErrorMessage('idp_unavailable')).toMatch(/not reachable/);
    expect(signInErrorMessage('invalid_state')).toMatch(/start again/);
    expect(signInErrorMessage('<script>')).toBe('Sign-in failed. Please try again.');
    expect(signInErrorMessage(undefined)).toBeNull();
  });
});

describe('session helpers', () => {
  const base: Session = { authMode: 'oidc', user: null, providers: [], session: null };
  it('asks for sign-in only when authentication is on and nobody is signed in', () => {
    expect(needsSignIn(base)).toBe(true);
    expect(needsSignIn({ ...base, authMode: 'none' })).toBe(false);
    expect(needsSignIn({ ...base, user: { id: 'ana', name: 'Ana', roles: [] } })).toBe(false);
    expect(needsSignIn(undefined)).toBe(false);
  });

  it('treats admins as holding every role', () => {
    expect(hasRole({ ...base, user: { id: 'a', name: 'A', roles: ['admin'] } }, 'analyst')).toBe(true);
    expect(hasRole({ ...base, user: { id: 'b', name: 'B', roles: ['analyst'] } }, 'admin')).toBe(false);
  });
});
