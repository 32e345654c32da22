// The one place that talks to /api/v1. Keeps the CSRF token in a module variable, sends it
// with every mutation, and turns error replies into ApiError with the server's message.

import { API_PREFIX } from './routes.js';
import { t } from './i18n.js';
import { serverMessage } from './shared/server-text.js';

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details || {};
  }

  /** Field errors from a 422 reply: {"phone": "must be E.164 ..."}. */
  get fields() {
    return (this.details && typeof this.details.fields === 'object' && this.details.fields) || {};
  }
}

/** crypto.randomUUID needs a secure context; a LAN http:// install may not have one. */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      // fall through
    }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function defaultMessage(status) {
  if (status === 401) return t('Please log in again.');
  if (status === 403) return t('You are not allowed to do that.');
  if (status === 404) return t('Not found.');
  if (status === 413) return t('That is too large to send.');
  if (status === 429) return t('Too many attempts. Please wait a minute and try again.');
  if (status >= 500) return t('The server had a problem (HTTP {status}). Please try again.', { status });
  return t('The request failed (HTTP {status}).', { status });
}

function buildUrl(path, query) {
  let url = API_PREFIX + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '' || v === false) continue;
      qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  return url;
}

/**
 * request('POST', '/customers', {body, idempotent: true})
 * Options: body (JSON, a FormData sent as multipart, or a File/Blob sent as itself), query, idempotent (adds
 * Idempotency-Key), quiet (no global 401 handling), signal.
 */
export async function request(method, path, options = {}) {
  const { body, query, idempotent = false, quiet = false, signal } = options;
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', signal };
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      // multipart: the browser sets Content-Type with the boundary itself
      init.body = body;
    } else if (typeof Blob !== 'undefined' && body instanceof Blob) {
      // a file sent as itself (an expense's receipt), typed as the file says
      headers['Content-Type'] = body.type || 'application/octet-stream';
      init.body = body;
    } else {
      headers['Content-Type'] = 'application/json';
      if (method !== 'DELETE' || body !== undefined) init.body = JSON.stringify(body ?? {});
    }
  }
  // `idempotent`: true for a fresh key, or the caller's own key (kept across its retries)
  if (idempotent) headers['Idempotency-Key'] = typeof idempotent === 'string' ? idempotent : newIdempotencyKey();

  let res;
  try {
    res = await fetch(buildUrl(path, query), init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', t('Could not reach the server. Check your connection and try again.'));
  }

  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && typeof data === 'object' ? data.error : null;
    const apiError = new ApiError(
      res.status,
      (err && err.code) || `http_${res.status}`,
      (err && typeof err.message === 'string' && err.message) || defaultMessage(res.status),
      err && err.details,
    );
    if (!quiet && res.status === 401 && !path.startsWith('/auth/')) {
      window.dispatchEvent(new CustomEvent('munim:unauthenticated'));
    }
    if (res.status === 403 && apiError.code === 'password_change_required') {
      window.dispatchEvent(new CustomEvent('munim:password-required'));
    }
    throw apiError;
  }
  return data;
}

export const api = {
  get: (path, query, options = {}) => request('GET', path, { ...options, query }),
  post: (path, body, options = {}) => request('POST', path, { ...options, body }),
  /** A POST that creates something: carries an Idempotency-Key. */
  create: (path, body, options = {}) => request('POST', path, { ...options, body, idempotent: true }),
  patch: (path, body, options = {}) => request('PATCH', path, { ...options, body }),
  put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
  del: (path, options = {}) => request('DELETE', path, options),
  /** Starts a GET now for a page about to ask for it (the dashboard's figures right after a login). */
  getAhead(path) {
    const promise = request('GET', path);
    promise.catch(() => {}); // a failure is the page's to show, when it asks
    ahead.set(path, { at: Date.now(), promise });
  },
  /** The answer of getAhead(path), once, if it was started at most a few seconds ago; else a new GET. */
  getFresh(path) {
    const early = ahead.get(path);
    ahead.delete(path);
    return early && Date.now() - early.at <= AHEAD_MS ? early.promise : request('GET', path);
  },
};

const ahead = new Map();
const AHEAD_MS = 5_000;

/** A short human message for any thrown value. */
export function errorMessage(e) {
  if (e instanceof ApiError) return serverMessage(e.code, e.message);
  if (e && e.name === 'AbortError') return t('Cancelled.');
  return t('Something went wrong. Please try again.');
}
