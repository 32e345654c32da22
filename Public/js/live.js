// Live updates: one shared EventSource on GET /api/v1/events for every page that listens.
// A page subscribes with the event types it cares about and its root element; when the root
// leaves the document (the page was left) the subscription ends, and the stream closes once
// nobody listens any more.
//
// The server sends `event: <type>` with `data: {"type", "id", "at", "data": {...}}`; handlers get
// the inner `data` (the payload documented per event), and the whole envelope as a third argument.

import { href } from './routes.js';

const subscriptions = new Set();
let source = null;
let registered = new Set();
let opened = false; // a stream has been open since someone subscribed: a later open is a reconnect
let reopenTimer = null;
let hashListener = false;
const REOPEN_MS = 15_000;

function unpack(raw) {
  let parsed = null;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { payload: {}, envelope: null };
  }
  if (parsed && typeof parsed === 'object' && typeof parsed.type === 'string' && parsed.data && typeof parsed.data === 'object') {
    return { payload: parsed.data, envelope: parsed };
  }
  return { payload: parsed && typeof parsed === 'object' ? parsed : {}, envelope: parsed };
}

function alive(sub) {
  if (sub.root && !sub.root.isConnected) {
    end(sub);
    return false;
  }
  return true;
}

function dispatch(type, event) {
  const { payload, envelope } = unpack(event.data);
  for (const sub of Array.from(subscriptions)) {
    if (!alive(sub) || !sub.types.has(type)) continue;
    try {
      sub.handler(type, payload, envelope);
    } catch (e) {
      console.warn('live update handler failed', type, e);
    }
  }
}

function registerType(type) {
  if (!source || registered.has(type)) return;
  registered.add(type);
  source.addEventListener(type, (ev) => dispatch(type, ev));
}

function notifyState() {
  for (const sub of Array.from(subscriptions)) {
    if (!alive(sub) || !sub.onState) continue;
    try {
      sub.onState(isConnected());
    } catch (e) {
      console.warn('live state handler failed', e);
    }
  }
}

function open() {
  if (source || typeof EventSource !== 'function' || !subscriptions.size) return;
  clearTimeout(reopenTimer);
  reopenTimer = null;
  const es = new EventSource(href('events'));
  source = es;
  registered = new Set();
  es.addEventListener('open', () => {
    if (source !== es) return;
    const again = opened;
    opened = true;
    notifyState();
    // After a dropped connection the missed events are gone: listeners catch up by reloading.
    if (!again) return;
    for (const sub of Array.from(subscriptions)) {
      if (!alive(sub) || !sub.onReconnect) continue;
      try {
        sub.onReconnect();
      } catch (e) {
        console.warn('live reconnect handler failed', e);
      }
    }
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    notifyState();
    if (es.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    // The browser gave up (for example after an HTTP error): try again a little later.
    source = null;
    es.close();
    reopenTimer = setTimeout(() => {
      reopenTimer = null;
      prune();
      open();
    }, REOPEN_MS);
  });
  for (const sub of subscriptions) sub.types.forEach(registerType);
}

function close() {
  clearTimeout(reopenTimer);
  reopenTimer = null;
  if (source) source.close();
  source = null;
  registered = new Set();
  opened = false;
}

function end(sub) {
  if (!subscriptions.delete(sub)) return;
  if (sub.onEnd) {
    try {
      sub.onEnd();
    } catch (e) {
      console.warn('live end handler failed', e);
    }
  }
  if (!subscriptions.size) close();
}

/** Drops subscriptions whose page has been left. */
function prune() {
  for (const sub of Array.from(subscriptions)) alive(sub);
}

/** True while the stream is open. */
export function isConnected() {
  return !!source && source.readyState === EventSource.OPEN;
}

/** True when this browser can receive live updates at all. */
export const liveSupported = () => typeof EventSource === 'function';

/**
 * subscribe(['message.created'], (type, payload, envelope) => …, {root, onReconnect, onState, onEnd})
 * root: the page's element; when it leaves the document the subscription ends by itself.
 * onReconnect(): called after the stream came back (events may have been missed).
 * onState(connected): called when the connection opens or drops.
 * onEnd(): called once when the subscription ends.
 * Returns {close()}.
 */
export function subscribe(types, handler, options = {}) {
  const sub = {
    types: new Set(types),
    handler,
    root: options.root || null,
    onReconnect: options.onReconnect || null,
    onState: options.onState || null,
    onEnd: options.onEnd || null,
  };
  subscriptions.add(sub);
  if (!hashListener) {
    hashListener = true;
    // Registered after the router's own listener, so the new page is already in place.
    window.addEventListener('hashchange', prune);
  }
  if (source) sub.types.forEach(registerType);
  else open();
  return { close: () => end(sub) };
}
