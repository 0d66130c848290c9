/** True when `value` contains C0 control characters or DEL (header splitting, URL tricks). */
export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * The page to land on after sign-in: a same-origin path only. Absolute URLs, protocol-relative
 * `//host`, backslash tricks (`/\host`) and control characters all fall back to `/`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || hasControlCharacters(value))
    return '/';
  let url: URL;
  try {
    url = new URL(value, 'http://labdeck.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://labdeck.invalid') return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('/api/') || path.startsWith('//') ? '/' : path;
}
