import type { ReturnTargets } from '../../platform/hosts.ts';

function absoluteTarget(value: string, targets: ReturnTargets | undefined): string | null {
  if (!targets || !/^https?:\/\//i.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password || !targets.allows(url)) return null;
  return url.href;
}

/** True when `value` contains C0 control characters or DEL (header splitting, URL tricks). */
export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * The page to land on after sign-in: a same-origin path, or an absolute http(s) URL that `targets`
 * allows (a UI behind the forward-auth gate). Other absolute URLs, protocol-relative `//host`,
 * backslash tricks (`/\host`), credentials in URLs and control characters all fall back to `/`.
 */
export function safeReturnTo(value: unknown, targets?: ReturnTargets): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return '/';
  if (value.includes('\\') || hasControlCharacters(value)) return '/';
  if (!value.startsWith('/')) return absoluteTarget(value, targets) ?? '/';
  if (value.startsWith('//')) return '/';
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
