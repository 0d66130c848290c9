import type { ApiErrorBody, ApiErrorInfo } from '@contracts/platform';
import axios, { AxiosError } from 'axios';

/** The one HTTP client of the SPA; features wrap it in vue-query composables in their api.ts. */
export const api = axios.create({
  baseURL: '/api',
  timeout: 30_000,
  headers: { Accept: 'application/json' },
  // Double-submit CSRF: the BFF sets this cookie and checks the header on every mutating request.
  xsrfCookieName: 'labdeck_csrf',
  xsrfHeaderName: 'X-CSRF-Token',
});

/** An API failure: the BFF's one error shape with the HTTP status (0 when the network failed). */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, error: ApiErrorInfo) {
    super(error.message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = error.code;
    this.details = error.details;
  }
}

api.interceptors.response.use(undefined, (error: unknown) => {
  const failure = toFailure(error);
  if (failure.status === 401) redirectToSignIn();
  return Promise.reject(failure);
});

/** `/signin?returnTo=<where the user is now>`: the session expired or was ended, come back here after. */
export function signInPath(returnTo = currentPath()): string {
  return `/signin?${new URLSearchParams({ returnTo })}`;
}

const currentPath = () => `${window.location.pathname}${window.location.search}${window.location.hash}`;

let unauthorizedHandler: (() => void) | null = null;

/**
 * Lets the shell handle "session expired" inside the SPA (router navigation, no reload); returns an
 * unregister function. Without a handler the browser is sent to the sign-in page.
 */
export function onUnauthorized(handler: () => void): () => void {
  unauthorizedHandler = handler;
  return () => {
    if (unauthorizedHandler === handler) unauthorizedHandler = null;
  };
}

function redirectToSignIn() {
  if (typeof window === 'undefined' || window.location.pathname === '/signin') return;
  if (unauthorizedHandler) unauthorizedHandler();
  else window.location.assign(signInPath());
}

export function toFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  if (error instanceof AxiosError) {
    const body = error.response?.data as Partial<ApiErrorBody> | undefined;
    const status = error.response?.status ?? 0;
    if (body?.error?.message) return new ApiFailure(status, body.error);
    if (!error.response)
      return new ApiFailure(0, {
        code: 'network',
        message: 'Labdeck is not reachable. Check your connection.',
      });
    return new ApiFailure(status, { code: 'http', message: `Request failed with status ${status}` });
  }
  return new ApiFailure(0, {
    code: 'unknown',
    message: error instanceof Error ? error.message : String(error),
  });
}
