/**
 * The one way the app talks to the server: the public JSON API, same origin. Writes carry the
 * session's CSRF token, which the server returns only at sign-in, so it is kept in the origin's
 * storage, shared by every tab of the session, until sign-out.
 */
const CSRF_KEY = 'safeground.csrf';

/** An answer of the API's one error shape, `{error: {code, message}}`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function setCsrfToken(token: string | null): void {
  if (token) localStorage.setItem(CSRF_KEY, token);
  else localStorage.removeItem(CSRF_KEY);
}

/** Bytes sent as they are (a chunk of an attachment), with the headers that describe them. */
interface RawBody {
  bytes: ArrayBuffer;
  headers: Record<string, string>;
}

async function request<T>(method: string, path: string, body?: unknown, raw?: RawBody): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...raw?.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = localStorage.getItem(CSRF_KEY);
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, body: raw ? raw.bytes : body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(error?.message ?? `${method} ${path}: HTTP ${response.status}`, error?.code ?? 'http_error', response.status);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  putBytes: <T>(path: string, bytes: ArrayBuffer, headers: Record<string, string>) => request<T>('PUT', path, undefined, { bytes, headers }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Builds a query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
