/**
 * Drives Keycloak's own login page as a browser would, without one: follows the authorization URL, posts
 * the login form (with the cookies Keycloak set) and returns the URL Keycloak redirects back to (the client's
 * redirect URI with `code` or `error`). Throws with Keycloak's message when the credentials are refused.
 */
export async function signInAtKeycloak(
  authorizationUrl: string,
  username: string,
  password: string,
): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  };
  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');

  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  keep(page);
  const redirected = page.headers.get('location');
  if (redirected) return new URL(redirected, authorizationUrl).href; // an error, or still signed in
  const html = await page.text();
  const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`Keycloak showed no login form (HTTP ${page.status}): ${html.slice(0, 300)}`);

  const posted = await fetch(new URL(action.replaceAll('&amp;', '&'), authorizationUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    body: new URLSearchParams({ username, password, credentialId: '' }),
  });
  const location = posted.headers.get('location');
  if (location) return new URL(location, authorizationUrl).href;
  const answer = await posted.text();
  // The login page shows why under the field: <span class="... kc-feedback-text">Invalid username or password.</span>
  const message = /class="[^"]*kc-feedback-text[^"]*">\s*([^<]+?)\s*</.exec(answer)?.[1];
  throw new Error(`Keycloak refused the sign-in of ${username}: ${message ?? `HTTP ${posted.status}`}`);
}
