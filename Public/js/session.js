// Who is logged in. The session cookie is HttpOnly, so the browser keeps a small hint in
// localStorage that a session may exist: without it the app shows the login page straight away
// instead of asking /me for a certain 401.
import { setCsrfToken } from './api.js';

const HINT_KEY = 'munim.session';

export const session = { user: null, business: null };

export function setSession(data) {
  session.user = data.user || null;
  session.business = data.business || null;
  if (data.csrf_token) setCsrfToken(data.csrf_token);
  try {
    localStorage.setItem(HINT_KEY, '1');
  } catch {
    // storage may be unavailable; the hint is only an optimisation
  }
}

export function clearSession() {
  session.user = null;
  session.business = null;
  setCsrfToken(null);
  try {
    localStorage.removeItem(HINT_KEY);
  } catch {
    // ignore
  }
}

export function mayHaveSession() {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return true;
  }
}

export const isOwner = () => session.user?.role === 'owner';
export const timeZone = () => session.business?.timezone || 'Asia/Kolkata';
