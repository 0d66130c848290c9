/** What each sign-in failure (the BFF's `/signin?error=<code>`) means for the person in front of the screen. */
const MESSAGES: Record<string, string> = {
  idp_unavailable:
    'The identity provider is not reachable right now, so you cannot sign in. Try again in a moment; if it persists, tell your lab administrator.',
  invalid_state: 'This sign-in attempt expired or was already used. Please start again.',
  rejected:
    "The identity provider's answer could not be verified, so you were not signed in. Please try again.",
  denied: 'Sign-in was cancelled at the identity provider.',
  misconfigured: 'Sign-in is not set up correctly. Please tell your lab administrator.',
};

export function signInErrorMessage(code: unknown): string | null {
  if (typeof code !== 'string' || code === '') return null;
  return MESSAGES[code] ?? 'Sign-in failed. Please try again.';
}

/**
 * A lab UI behind Labdeck's forward-auth gate that sent the browser here: an absolute http(s) URL
 * (the BFF allows only the hosts its services declare), or null.
 */
export function returnUrl(value: unknown): URL | null {
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value)) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** A same-origin path to return to after sign-in (the BFF checks it again). */
export function returnPath(value: unknown): string {
  return typeof value === 'string' &&
    value.startsWith('/') &&
    !value.startsWith('//') &&
    !value.includes('\\')
    ? value
    : '/';
}
