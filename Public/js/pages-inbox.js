// Inbox: every conversation from every channel (WhatsApp, Bluesky, Mastodon/Pixelfed,
// Instagram, the simulator) in one list, and the thread of the one that is open, kept live over
// the /api/v1/events stream (docs/messaging-api.md). Wide screens show both panes; at phone
// width the list and the thread take turns, with a back button.
//
// Routes: #/inbox (the list) and #/inbox/{session_id} (the list with that thread open). Moving
// between them reuses the page already on screen, so the list does not flash or lose its place.
import { api, errorMessage } from './api.js';
import {
  h, pageHeader, loadingState, errorState, emptyState, badge, busy, fill, add, toast, debounce,
  navigate, openDialog, field, setFieldErrors, clearFieldErrors, uid,
} from './ui.js';
import { normalisePhone } from './format.js';
import { session as currentSession, timeZone } from './session.js';
import { subscribe, isConnected, liveSupported } from './live.js';

const PAGE_SIZE = 30;
const MESSAGE_PAGE = 40;
const POLL_MS = 15_000; // only while the live stream is down

export const PLATFORMS = {
  whatsapp: { label: 'WhatsApp', short: 'WA' },
  bluesky: { label: 'Bluesky', short: 'BS' },
  mastodon: { label: 'Mastodon / Pixelfed', short: 'MA' },
  instagram: { label: 'Instagram', short: 'IG' },
  simulator: { label: 'Simulator', short: 'SIM' },
};

export const platformLabel = (p) => (PLATFORMS[p] && PLATFORMS[p].label) || (p ? String(p) : 'Channel');

/** A small coloured tile with the platform's initials; the label is given next to it in text. */
export function platformIcon(platform, extraClass = '') {
  const known = PLATFORMS[platform];
  return h('span', {
    class: `platform-icon platform-${known ? platform : 'other'} ${extraClass}`,
    'aria-hidden': 'true',
    title: platformLabel(platform),
  }, known ? known.short : '?');
}

const OWNER_TITLE = 'Assistant (your number)';

/* ---------- time ---------- */

const formatters = new Map();
function fmt(key, options) {
  const tz = timeZone();
  const id = `${key}|${tz}`;
  if (!formatters.has(id)) {
    try {
      formatters.set(id, new Intl.DateTimeFormat('en-IN', { timeZone: tz, ...options }));
    } catch {
      formatters.set(id, new Intl.DateTimeFormat('en-IN', options));
    }
  }
  return formatters.get(id);
}

const toDate = (iso) => {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};

const dayKey = (d) => fmt('day', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", "24 Nov", "24 Nov 2025". */
export function relativeTime(iso, now = new Date()) {
  const d = toDate(iso);
  if (!d) return '';
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hr = Math.round(m / 60);
  if (hr < 24) return `${hr} h ago`;
  const days = Math.round(hr / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  const sameYear = fmt('y', { year: 'numeric' }).format(d) === fmt('y', { year: 'numeric' }).format(now);
  return sameYear
    ? fmt('dm', { day: 'numeric', month: 'short' }).format(d)
    : fmt('dmy', { day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

function fullTime(iso) {
  const d = toDate(iso);
  return d ? fmt('full', { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' }).format(d) : '';
}

/** Time of day for today's messages, else day, month and time. */
function shortTime(iso) {
  const d = toDate(iso);
  if (!d) return '';
  if (dayKey(d) === dayKey(new Date())) return fmt('t', { hour: 'numeric', minute: '2-digit' }).format(d);
  return fmt('dmt', { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(d);
}

const timeValue = (iso) => {
  const d = toDate(iso);
  return d ? d.getTime() : 0;
};

/** Sessions sort as the server sorts them: most recently updated first. */
const sortKey = (s) => timeValue(s.updated_at);

/** The server's copy of a session, keeping a newer last message already seen live. */
function mergeSession(old, s) {
  if (!old) return s;
  const keepLast = old.last_message && timeValue(old.last_message.at) > timeValue(s.last_message && s.last_message.at);
  return keepLast ? { ...s, last_message: old.last_message } : s;
}

/* ---------- small helpers ---------- */

function sessionTitle(s) {
  if (!s) return 'Conversation';
  if (s.is_owner) return OWNER_TITLE;
  const c = s.contact || {};
  return c.name || c.handle || 'Unknown contact';
}

/** Only http(s) links are drawn as links. */
function safeUrl(raw) {
  try {
    const u = new URL(String(raw), location.href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

const looksLikePhone = (s) => /^[+\d][\d\s\-().]{5,}$/.test(s);

const AUTHORS = {
  contact: 'Contact',
  bot: 'Bot',
  staff: 'Staff',
  assistant: 'Assistant',
  workflow: 'Workflow',
  system: 'System',
};

export const MESSAGE_STATUS = {
  received: { glyph: '', label: 'Received' },
  queued: { glyph: '◷', label: 'Queued' },
  sending: { glyph: '◷', label: 'Sending' },
  sent: { glyph: '✓', label: 'Sent' },
  delivered: { glyph: '✓✓', label: 'Delivered' },
  read: { glyph: '✓✓', label: 'Read' },
  failed: { glyph: '⚠', label: 'Failed' },
  undelivered: { glyph: '⚠', label: 'Not delivered' },
};

const STATUS_RANK = { received: 0, queued: 1, sending: 2, sent: 3, delivered: 4, read: 5, undelivered: 6, failed: 6 };

/** The delivery tick of an outgoing message: ◷ queued, ✓ sent, ✓✓ delivered, ✓✓ (blue) read, ⚠ failed. */
export function statusTick(status) {
  const st = MESSAGE_STATUS[status] || { glyph: '•', label: status || 'Unknown' };
  return h('span', {
    class: `msg-status msg-status-${status || 'unknown'}`, testid: 'message-status', dataset: { status: status || '' }, title: st.label,
  }, h('span', { 'aria-hidden': 'true' }, st.glyph), h('span', { class: 'visually-hidden' }, st.label));
}

/** True when `incoming` should replace `existing` (never go back from sent to queued). */
function isNewerMessage(incoming, existing) {
  const a = timeValue(incoming.updated_at);
  const b = timeValue(existing.updated_at);
  if (a !== b) return a > b;
  return (STATUS_RANK[incoming.status] ?? 0) >= (STATUS_RANK[existing.status] ?? 0);
}

/** An inline error with an optional link (e.g. to Settings). */
function errorBox(testid) {
  const el = h('div', { class: 'alert alert-error', testid, role: 'alert', hidden: true });
  return {
    el,
    show(message, link = null) {
      fill(el, h('span', {}, message), link ? [' ', link] : null);
      el.hidden = false;
    },
    clear() {
      fill(el);
      el.hidden = true;
    },
  };
}

function settingsLink(testid) {
  return h('a', { href: '#/settings', testid }, 'Open Settings to add your WhatsApp number →');
}

/* ---------- simulator dialog ---------- */

/** "New simulated conversation": type as a customer, or as the owner's own WhatsApp number. */
export function simulateDialog() {
  const asOwner = field({
    label: 'As my own WhatsApp number', name: 'as_owner', type: 'checkbox', testid: 'sim-as-owner', className: 'field-wrap',
    hint: 'Talk to the assistant the way you would from your phone (uses the WhatsApp number in Settings).',
  });
  const from = field({
    label: 'From (phone number or handle)', name: 'from', required: true, testid: 'sim-from',
    hint: 'Any phone number or handle, e.g. +919812345678 or @asha.bsky.social',
    attrs: { autocomplete: 'off', maxlength: 200, placeholder: '+919812345678' },
  });
  const name = field({
    label: 'Display name', name: 'name', testid: 'sim-name', hint: 'Optional, e.g. Asha',
    attrs: { autocomplete: 'off', maxlength: 200 },
  });
  const text = field({
    label: 'Message', name: 'text', type: 'textarea', required: true, testid: 'sim-text',
    attrs: { rows: 3, maxlength: 4000, placeholder: 'e.g. do you have cement?' },
  });
  const who = h('div', { class: 'stack' }, from, name);
  const err = errorBox('sim-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'sim-submit' }, 'Send message');
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'sim-cancel' }, 'Cancel');
  const form = h('form', { class: 'stack', testid: 'simulate-form', novalidate: true },
    h('p', { class: 'muted' }, 'The simulator behaves like WhatsApp without a provider account. Write as a customer; the bot, the assistant and your staff answer in the inbox.'),
    asOwner, who, text, err.el,
    h('div', { class: 'form-actions' }, cancel, submit));
  const { close } = openDialog({ title: 'New simulated conversation', body: form, testid: 'simulate-dialog' });
  cancel.addEventListener('click', close);
  asOwner.control.addEventListener('change', () => {
    who.hidden = asOwner.control.checked;
  });
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && ev.target === text.control) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([submit], async () => {
      err.clear();
      clearFieldErrors(form);
      const owner = asOwner.control.checked;
      const rawFrom = from.control.value.trim();
      const body = { text: text.control.value.trim() };
      const missing = {};
      if (!owner && !rawFrom) missing.from = 'Please enter a phone number or handle.';
      if (!body.text) missing.text = 'Please write a message.';
      if (Object.keys(missing).length) {
        setFieldErrors(form, missing);
        return;
      }
      if (owner) {
        body.as_owner = true;
        // The server sends from the business's own number; `from` is only a placeholder here.
        body.from = currentSession.business?.whatsapp_number || 'owner';
      } else {
        body.from = looksLikePhone(rawFrom) ? normalisePhone(rawFrom) : rawFrom;
        const n = name.control.value.trim();
        if (n) body.name = n;
      }
      try {
        const res = await api.post('/simulator/messages', body);
        close();
        if (res && res.session_id) navigate(`/inbox/${encodeURIComponent(res.session_id)}`);
      } catch (e) {
        const rest = e.status === 422 ? setFieldErrors(form, e.fields) : [];
        const ownerProblem = e.status === 422 && (owner || /whatsapp|owner|settings/i.test(`${e.code} ${e.message}`));
        err.show([errorMessage(e), ...rest].join(' '), ownerProblem ? settingsLink('sim-settings-link') : null);
      }
    });
  });
  from.control.focus();
}

/* ---------- the page ---------- */

let view = null; // the inbox on screen, reused between #/inbox and #/inbox/{id}

export function inboxPage(ctx) {
  const [id] = ctx.params;
  if (view && !view.el.isConnected && view.alive()) {
    add(ctx.root, view.el);
    view.setCtx(ctx);
    view.reattached();
    view.show(id || null, true);
    return;
  }
  if (view) view.destroy();
  view = createInbox(ctx);
  add(ctx.root, view.el);
  view.show(id || null, false);
}

function createInbox(initialCtx) {
  let ctx = initialCtx;
  let alive = true;
  let sessions = []; // SessionDTO, most recently updated first
  let nextCursor = null;
  let listState = 'loading'; // loading | ready | error
  let generation = 0;
  let openId = null;
  let thread = null;
  const rows = new Map(); // session id -> {li, a, key}
  const refreshTimers = new Map();

  /* ----- header and filters ----- */

  const simulateBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'simulate-button' }, 'New simulated conversation');
  simulateBtn.addEventListener('click', simulateDialog);
  const liveStatus = h('span', { class: 'live-status', testid: 'inbox-live', 'aria-live': 'polite' });

  const searchId = uid('inbox-search');
  const platformId = uid('inbox-platform');
  const unreadId = uid('inbox-unread');
  const search = h('input', {
    type: 'search', id: searchId, testid: 'inbox-search', placeholder: 'Name, number or text', autocomplete: 'off',
  });
  const platform = h('select', { id: platformId, testid: 'inbox-filter-platform' },
    h('option', { value: '' }, 'All channels'),
    Object.entries(PLATFORMS).map(([value, p]) => h('option', { value }, p.label)));
  const unread = h('input', { type: 'checkbox', id: unreadId, testid: 'inbox-filter-unread' });

  const filters = h('div', { class: 'inbox-filters', role: 'search', 'aria-label': 'Filter conversations' },
    h('div', { class: 'field inbox-search' }, h('label', { for: searchId, class: 'visually-hidden' }, 'Search conversations'), search),
    h('div', { class: 'inbox-filter-row' },
      h('div', { class: 'field' }, h('label', { for: platformId, class: 'visually-hidden' }, 'Channel'), platform),
      h('div', { class: 'field field-check' }, unread, h('label', { for: unreadId }, 'Unread only'))));

  const list = h('ul', { class: 'inbox-sessions', testid: 'inbox-sessions', 'aria-label': 'Conversations' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'inbox-load-more' }, 'Load more');
  const listBody = h('div', { class: 'inbox-list-body' }, loadingState('Loading conversations…'));
  // Moving between #/inbox and #/inbox/{id} detaches the page for a moment, which resets scrolling.
  let listScroll = 0;
  listBody.addEventListener('scroll', () => {
    listScroll = listBody.scrollTop;
  }, { passive: true });
  const listPane = h('section', { class: 'inbox-pane inbox-list-pane', 'aria-label': 'Conversations', testid: 'inbox-list' }, filters, listBody);
  const threadPane = h('section', { class: 'inbox-pane inbox-thread-pane', 'aria-label': 'Conversation', testid: 'inbox-thread-pane' });
  const layout = h('div', { class: 'inbox', testid: 'inbox' }, listPane, threadPane);
  const el = h('div', { class: 'inbox-page' },
    pageHeader('Inbox', simulateBtn),
    h('p', { class: 'muted lead inbox-lead' }, 'Messages from your customers on every channel. ', liveStatus),
    layout);

  const filterValues = () => ({ platform: platform.value, unread: unread.checked, q: search.value.trim() });
  const filtered = () => {
    const f = filterValues();
    return !!(f.platform || f.unread || f.q);
  };

  function matches(s) {
    const f = filterValues();
    if (f.platform && s.platform !== f.platform) return false;
    if (f.unread && !(Number(s.unread_count) > 0)) return false;
    if (f.q) {
      const q = f.q.toLowerCase();
      const hay = [s.contact?.name, s.contact?.handle, s.last_message?.text, s.is_owner ? OWNER_TITLE : ''].join(' ').toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  }

  /* ----- session list ----- */

  function sortSessions() {
    // Same order as the server: updated_at, then id, both descending.
    sessions.sort((a, b) => sortKey(b) - sortKey(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  function rowKey(s) {
    return JSON.stringify([s.contact, s.is_owner, s.last_message, s.unread_count, s.bot_active, s.assignee, s.updated_at, s.platform, s.channel_name]);
  }

  function rowContent(s) {
    const n = Number(s.unread_count) || 0;
    const last = s.last_message;
    const preview = last
      ? [last.direction === 'out' ? h('span', { class: 'session-you' }, 'You: ') : null, last.text || 'Attachment']
      : h('span', { class: 'muted' }, 'No messages yet');
    return [
      platformIcon(s.platform),
      h('span', { class: 'session-main' },
        h('span', { class: 'session-top' },
          h('span', { class: 'session-name', testid: 'session-name' }, sessionTitle(s)),
          h('time', {
            class: 'session-time', testid: 'session-time', datetime: s.updated_at || '', title: fullTime(s.updated_at),
          }, relativeTime(s.updated_at))),
        h('span', { class: 'session-preview', testid: 'session-preview' }, preview),
        h('span', { class: 'session-meta' },
          h('span', { class: 'session-channel', testid: 'session-platform' }, platformLabel(s.platform),
            s.channel_name && s.channel_name !== platformLabel(s.platform) ? ` · ${s.channel_name}` : ''),
          s.is_owner
            ? badge('Your number', 'info', 'session-owner')
            : badge(s.bot_active ? 'Bot on' : 'Bot off', s.bot_active ? 'success' : 'neutral', 'session-bot'),
          s.assignee ? h('span', { class: 'session-assignee', testid: 'session-assignee' }, `→ ${s.assignee.name || 'Assigned'}`) : null)),
      h('span', {
        class: 'unread-badge', testid: 'unread-badge', hidden: n === 0, 'aria-label': `${n} unread`, title: `${n} unread`,
      }, n > 99 ? '99+' : String(n)),
    ];
  }

  function rowFor(s) {
    let row = rows.get(s.id);
    const key = rowKey(s);
    if (!row) {
      const a = h('a', {
        href: `#/inbox/${encodeURIComponent(s.id)}`, class: 'session-row', testid: 'inbox-session-row', dataset: { id: s.id },
      });
      row = { li: h('li', {}, a), a, key: null };
      rows.set(s.id, row);
    }
    if (row.key !== key) {
      row.key = key;
      fill(row.a, rowContent(s));
      row.a.dataset.unread = String(Number(s.unread_count) || 0);
      row.a.dataset.platform = s.platform || '';
    }
    if (s.id === openId) row.a.setAttribute('aria-current', 'true');
    else row.a.removeAttribute('aria-current');
    return row;
  }

  function emptyList() {
    if (filtered()) {
      const clear = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'inbox-clear-filters' }, 'Clear filters');
      clear.addEventListener('click', () => {
        search.value = '';
        platform.value = '';
        unread.checked = false;
        reloadList();
      });
      return emptyState('No conversations match these filters.', clear);
    }
    const sim = h('button', { type: 'button', class: 'btn btn-primary btn-small', testid: 'inbox-empty-simulate' }, 'Try the simulator');
    sim.addEventListener('click', simulateDialog);
    return emptyState('No conversations yet — connect a channel on Integrations, or try the simulator.',
      h('div', { class: 'link-row inbox-empty-actions' }, h('a', { href: '#/integrations', testid: 'inbox-empty-integrations' }, 'Integrations →'), sim));
  }

  function renderList() {
    if (listState !== 'ready') return;
    if (!sessions.length) {
      rows.clear();
      fill(list);
      fill(listBody, emptyList());
      return;
    }
    if (list.parentNode !== listBody) fill(listBody, list, h('div', { class: 'load-more-row' }, more));
    more.parentNode.hidden = !nextCursor;
    const focused = document.activeElement;
    const seen = new Set();
    sessions.forEach((s, i) => {
      seen.add(s.id);
      const row = rowFor(s);
      if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] || null);
    });
    for (const [sid, row] of rows) {
      if (!seen.has(sid)) {
        row.li.remove();
        rows.delete(sid);
      }
    }
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus({ preventScroll: true });
  }

  async function reloadList() {
    const mine = ++generation;
    listState = 'loading';
    fill(listBody, loadingState('Loading conversations…'));
    const f = filterValues();
    try {
      const page = await api.get('/inbox/sessions', { platform: f.platform, unread: f.unread, q: f.q, limit: PAGE_SIZE });
      if (mine !== generation) return;
      sessions = (page && page.items) || [];
      nextCursor = (page && page.next_cursor) || null;
      listState = 'ready';
      rows.clear();
      fill(list);
      sortSessions();
      renderList();
    } catch (e) {
      if (mine !== generation) return;
      listState = 'error';
      fill(listBody, errorState(e, reloadList));
    }
  }

  /** Merges the first page again (after a dropped live connection, or while polling). */
  async function refreshList() {
    if (listState !== 'ready') {
      if (listState === 'error') reloadList();
      return;
    }
    const mine = generation;
    const f = filterValues();
    try {
      const page = await api.get('/inbox/sessions', { platform: f.platform, unread: f.unread, q: f.q, limit: PAGE_SIZE });
      if (mine !== generation) return;
      for (const s of (page && page.items) || []) upsertSession(s, { render: false });
      sortSessions();
      renderList();
    } catch (e) {
      console.warn('inbox refresh failed', e);
    }
  }

  more.addEventListener('click', () => busy([more], async () => {
    const mine = generation;
    const f = filterValues();
    try {
      const page = await api.get('/inbox/sessions', { platform: f.platform, unread: f.unread, q: f.q, limit: PAGE_SIZE, cursor: nextCursor });
      if (mine !== generation) return;
      for (const s of (page && page.items) || []) {
        if (!sessions.some((x) => x.id === s.id)) sessions.push(s);
      }
      nextCursor = (page && page.next_cursor) || null;
      sortSessions();
      renderList();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }));

  /** Puts a session's latest state into the list (and the open thread). */
  function upsertSession(s, { insert = true, render = true } = {}) {
    if (!s || !s.id) return;
    const i = sessions.findIndex((x) => x.id === s.id);
    if (i >= 0) {
      if (timeValue(s.updated_at) < timeValue(sessions[i].updated_at)) return;
      sessions[i] = mergeSession(sessions[i], s);
    } else if (insert && listState === 'ready' && matches(s)) {
      sessions.push(s);
    }
    if (render) {
      sortSessions();
      renderList();
    }
    if (thread && thread.id === s.id) {
      thread.setSession(s);
      if (Number(s.unread_count) > 0) markRead();
    }
  }

  /** Fetches one session after a live event (coalesced per session). */
  function refreshSession(sid) {
    clearTimeout(refreshTimers.get(sid));
    refreshTimers.set(sid, setTimeout(async () => {
      refreshTimers.delete(sid);
      if (!alive) return;
      try {
        upsertSession(await api.get(`/inbox/sessions/${encodeURIComponent(sid)}`));
      } catch (e) {
        if (e.status !== 404) console.warn('could not refresh the conversation', e);
      }
    }, 250));
  }

  const onFilter = () => reloadList();
  search.addEventListener('input', debounce(onFilter, 300));
  platform.addEventListener('change', onFilter);
  unread.addEventListener('change', onFilter);

  /* ----- reading ----- */

  let readBusy = false;
  let readAgain = false;
  let lastReadAt = 0;
  const threadVisible = () => !!thread && document.visibilityState === 'visible' && threadPane.offsetParent !== null;

  /** Marks the open thread read when it is on screen. */
  async function markRead(force = false) {
    if (!thread || !thread.session || !threadVisible()) return;
    if (!force && !(Number(thread.session.unread_count) > 0)) return;
    if (readBusy) {
      readAgain = true;
      return;
    }
    if (!force && Date.now() - lastReadAt < 1500) {
      // The server answered "read" a moment ago; a stale copy must not start a loop.
      setTimeout(() => markRead(false), 1600);
      return;
    }
    readBusy = true;
    const sid = thread.id;
    try {
      const s = await api.post(`/inbox/sessions/${encodeURIComponent(sid)}/read`, {});
      lastReadAt = Date.now();
      if (s && s.id) {
        // The answer is the current state even if its updated_at did not move.
        const i = sessions.findIndex((x) => x.id === s.id);
        if (i >= 0) sessions[i] = mergeSession(sessions[i], s);
        sortSessions();
        renderList();
        if (thread && thread.id === s.id) thread.setSession(s);
      }
    } catch (e) {
      if (e.status !== 404) console.warn('could not mark the conversation read', e);
    } finally {
      readBusy = false;
      if (readAgain) {
        readAgain = false;
        markRead(true);
      }
    }
  }

  /* ----- the open thread ----- */

  function placeholder() {
    return h('div', { class: 'thread-placeholder', testid: 'inbox-no-thread' },
      h('p', {}, 'Choose a conversation to read it here.'),
      h('p', { class: 'muted' }, 'New messages appear on their own.'));
  }

  function show(id, userInitiated) {
    openId = id;
    layout.classList.toggle('inbox-thread-open', !!id);
    el.classList.toggle('inbox-page-thread', !!id);
    for (const [sid, row] of rows) {
      if (sid === id) row.a.setAttribute('aria-current', 'true');
      else row.a.removeAttribute('aria-current');
    }
    if (!id) {
      const previous = thread ? thread.id : null;
      if (thread) thread.destroy();
      thread = null;
      fill(threadPane, placeholder());
      ctx.setTitle('Inbox');
      const row = previous && rows.get(previous);
      if (userInitiated && row) requestAnimationFrame(() => row.a.isConnected && row.a.focus({ preventScroll: false }));
      return;
    }
    if (thread && thread.id === id) return;
    if (thread) thread.destroy();
    const known = sessions.find((s) => s.id === id) || null;
    thread = createThread(id, known, {
      onSession: (s) => upsertSession(s),
      onLoaded: (s) => {
        ctx.setTitle(`${sessionTitle(s)} · Inbox`);
        markRead();
        // A conversation that is not in the (filtered) list yet still gets its row.
        if (!sessions.some((x) => x.id === s.id)) upsertSession(s);
      },
      onIncoming: () => markRead(true),
    });
    fill(threadPane, thread.el);
    if (userInitiated) requestAnimationFrame(() => thread && thread.focusTitle());
  }

  /* ----- live updates ----- */

  function onLive(type, p) {
    if (!alive) return;
    if (type === 'session.updated') {
      upsertSession(p.session);
      return;
    }
    const m = p.message;
    const sid = p.session_id || (m && m.session_id);
    if (!m || !sid) return;
    if (thread && thread.id === sid) thread.addMessage(m, type === 'message.created');
    if (type !== 'message.created') return;
    const i = sessions.findIndex((x) => x.id === sid);
    if (i >= 0) {
      const s = sessions[i];
      const at = m.created_at || new Date().toISOString();
      if (timeValue(at) >= timeValue(s.last_message && s.last_message.at)) {
        sessions[i] = { ...s, last_message: { text: m.text, direction: m.direction, at } };
        sortSessions();
        renderList();
      }
    }
    // The authoritative unread count and order come from the server.
    refreshSession(sid);
  }

  function setLiveText() {
    if (!liveSupported()) {
      liveStatus.textContent = 'Checking for new messages every 15 seconds.';
      liveStatus.dataset.state = 'polling';
    } else if (isConnected()) {
      liveStatus.textContent = 'Live';
      liveStatus.dataset.state = 'live';
    } else {
      liveStatus.textContent = 'Connecting for live updates…';
      liveStatus.dataset.state = 'connecting';
    }
  }

  const catchUp = () => {
    refreshList();
    if (thread) thread.catchUp();
  };

  const live = subscribe(['message.created', 'message.updated', 'session.updated'], onLive, {
    root: el,
    onReconnect: catchUp,
    onState: setLiveText,
    onEnd: () => destroy(),
  });
  setLiveText();

  const poll = setInterval(() => {
    if (!el.isConnected) return;
    // Relative times age; the list is redrawn from the same data.
    for (const t of list.querySelectorAll('time.session-time')) t.textContent = relativeTime(t.getAttribute('datetime'));
    setLiveText();
    if (!isConnected() && document.visibilityState === 'visible') catchUp();
  }, POLL_MS);

  const onVisibility = () => {
    if (document.visibilityState !== 'visible' || !el.isConnected) return;
    if (!isConnected()) catchUp();
    markRead();
  };
  document.addEventListener('visibilitychange', onVisibility);

  function destroy() {
    if (!alive) return;
    alive = false;
    clearInterval(poll);
    refreshTimers.forEach((t) => clearTimeout(t));
    document.removeEventListener('visibilitychange', onVisibility);
    if (thread) thread.destroy();
    thread = null;
    live.close();
    if (view && view.el === el) view = null;
  }

  reloadList();

  return {
    el,
    alive: () => alive,
    setCtx(c) {
      ctx = c;
    },
    reattached() {
      if (listScroll) listBody.scrollTop = listScroll;
      if (thread) thread.reattached();
    },
    show,
    destroy,
  };
}

/* ---------- one conversation ---------- */

function createThread(id, known, hooks) {
  let session = known;
  let alive = true;
  let loaded = false;
  let olderCursor = null;
  let newerCursor = null; // the highest seq held: passed as `after` to catch up
  let loadingOlder = false;
  let sending = false;
  let mode = 'staff'; // staff | contact (simulator only: write as the contact)
  const pending = []; // live messages that arrived while loading
  const byId = new Map(); // message id -> {m, el}

  const el = h('div', { class: 'thread', testid: 'inbox-thread', dataset: { sessionId: id } }, loadingState('Opening the conversation…'));

  /* ----- header ----- */

  const back = h('a', { href: '#/inbox', class: 'btn btn-secondary btn-small thread-back', testid: 'inbox-back', 'aria-label': 'Back to all conversations' }, '← Back');
  const titleEl = h('h2', { class: 'thread-title', testid: 'thread-title', tabindex: '-1' });
  const subEl = h('p', { class: 'thread-sub', testid: 'thread-sub' });
  const iconSlot = h('span', { class: 'thread-icon' });
  const botState = h('span', { class: 'switch-state', 'aria-hidden': 'true' });
  const botToggle = h('button', {
    type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'false', testid: 'bot-toggle',
  }, h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })), h('span', { class: 'switch-label' }, 'Bot replies'), botState);
  const assignee = h('span', { class: 'thread-assignee muted', testid: 'thread-assignee' });
  const controls = h('div', { class: 'thread-controls' }, botToggle, assignee);
  const head = h('header', { class: 'thread-head' }, back, iconSlot, h('div', { class: 'thread-heading' }, titleEl, subEl), controls);

  /* ----- messages ----- */

  const olderBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'load-older' }, 'Load older messages');
  const olderRow = h('div', { class: 'thread-older', hidden: true }, olderBtn);
  const msgList = h('div', { class: 'thread-list' });
  const log = h('div', {
    class: 'thread-messages', testid: 'thread-messages', role: 'log', 'aria-label': 'Messages', tabindex: '0', 'aria-live': 'polite',
  }, olderRow, msgList);
  const jump = h('button', { type: 'button', class: 'btn btn-primary btn-small thread-jump', testid: 'jump-latest', hidden: true }, '↓ New messages');

  /* ----- composer ----- */

  const inputId = uid('reply-input');
  const textbox = h('textarea', {
    id: inputId, class: 'chat-input', rows: 1, maxlength: 4096, testid: 'reply-input', placeholder: 'Write a reply', autocomplete: 'off', enterkeyhint: 'send',
  });
  const inputLabel = h('label', { for: inputId, class: 'visually-hidden' }, 'Reply');
  const send = h('button', { type: 'submit', class: 'btn btn-primary chat-send', testid: 'reply-send' }, 'Send');
  const replyError = errorBox('reply-error');
  const asStaff = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'compose-as-staff', 'aria-pressed': 'true' }, 'Reply as staff');
  const asContact = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'compose-as-contact', 'aria-pressed': 'false' }, 'Write as the contact');
  const modeBar = h('div', { class: 'compose-mode', hidden: true },
    h('span', { class: 'compose-mode-label muted' }, 'Simulator:'),
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Send as' }, asStaff, asContact));
  const hint = h('p', { class: 'chat-hint muted' }, 'Enter sends, Shift+Enter adds a line.');
  const composer = h('form', { class: 'reply-composer', testid: 'reply-form', novalidate: true },
    modeBar, replyError.el, h('div', { class: 'chat-compose-row' }, inputLabel, textbox, send), hint);

  /* ----- drawing ----- */

  function drawHeader() {
    const s = session || {};
    titleEl.textContent = sessionTitle(s);
    const c = s.contact || {};
    const bits = [];
    if (c.handle && (s.is_owner || c.name)) bits.push(c.handle);
    bits.push(platformLabel(s.platform));
    if (s.channel_name && s.channel_name !== platformLabel(s.platform)) bits.push(s.channel_name);
    fill(subEl, bits.join(' · '),
      c.customer_id ? [' · ', h('a', { href: `#/ledger/customers/${encodeURIComponent(c.customer_id)}`, testid: 'thread-customer-link' }, 'Customer record')] : null);
    fill(iconSlot, platformIcon(s.platform));
    botToggle.hidden = !!s.is_owner;
    botToggle.setAttribute('aria-checked', s.bot_active ? 'true' : 'false');
    botToggle.title = s.bot_active ? 'The bot answers this contact. Click to turn it off.' : 'The bot is off for this contact. Click to turn it on.';
    botState.textContent = s.bot_active ? 'On' : 'Off';
    assignee.textContent = s.is_owner ? 'Your own number: the assistant answers here.' : (s.assignee ? `Assigned to ${s.assignee.name || 'someone'}` : 'Unassigned');
    const simulator = s.platform === 'simulator';
    modeBar.hidden = !simulator;
    asContact.textContent = s.is_owner ? 'Write as you (owner)' : `Write as ${c.name || c.handle || 'the contact'}`;
    if (!simulator) mode = 'staff';
    setMode(mode);
  }

  function setMode(next) {
    mode = next;
    asStaff.setAttribute('aria-pressed', String(mode === 'staff'));
    asContact.setAttribute('aria-pressed', String(mode === 'contact'));
    const s = session || {};
    const who = s.is_owner ? 'you' : (s.contact?.name || s.contact?.handle || 'the contact');
    textbox.placeholder = mode === 'staff' ? 'Write a reply' : `Write as ${who} (simulated)`;
    inputLabel.textContent = mode === 'staff' ? 'Reply' : `Message as ${who}`;
  }
  asStaff.addEventListener('click', () => setMode('staff'));
  asContact.addEventListener('click', () => setMode('contact'));

  function bubble(m) {
    const out = m.direction === 'out';
    const author = m.author || (out ? 'staff' : 'contact');
    const media = Array.isArray(m.media) ? m.media : [];
    const failed = m.status === 'failed' || m.status === 'undelivered';
    const who = out || session?.is_owner ? (m.author_name || AUTHORS[author] || author) : null;
    return h('div', {
      class: `msg ${out ? 'msg-out' : 'msg-in'} msg-author-${author} ${failed ? 'msg-failed' : ''}`,
      testid: 'message-bubble',
      dataset: { id: m.id || '', seq: String(m.seq ?? ''), direction: m.direction || '', author, status: m.status || '' },
    },
    who ? h('p', { class: 'msg-author', testid: 'message-author' }, who, out && m.author_name && AUTHORS[author] && m.author_name !== AUTHORS[author] ? h('span', { class: 'msg-role' }, ` · ${AUTHORS[author]}`) : null) : null,
    m.text ? h('p', { class: 'msg-text pre', testid: 'message-text' }, m.text) : null,
    media.length ? h('ul', { class: 'msg-media' }, media.map((x, i) => {
      const href = safeUrl(x && x.url);
      const label = `Attachment ${media.length > 1 ? i + 1 : ''}${x && x.content_type ? ` (${x.content_type})` : ''}`.replace(/\s+/g, ' ').trim();
      return h('li', {}, href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label) : label);
    })) : null,
    h('p', { class: 'msg-meta' },
      h('time', { datetime: m.created_at || '', title: fullTime(m.created_at) }, shortTime(m.created_at)),
      out ? statusTick(m.status) : null),
    failed ? h('p', { class: 'msg-error', testid: 'message-error', role: 'note' },
      'Not delivered', m.error_code ? ` (${m.error_code})` : '', m.error_message ? `: ${m.error_message}` : '.') : null,
    // An incoming message whose processing kept stopping the worker (issue 14 §2): say so here,
    // where the owner reads it, with the way to Operations.
    !out && m.error_code === 'processing_failed' ? h('p', { class: 'msg-error', testid: 'message-error', role: 'note' },
      m.error_message || 'Munim could not process this message.', ' ',
      h('a', { href: '#/operations' }, 'Open Operations')) : null);
  }

  const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const scrollToBottom = () => {
    log.scrollTop = log.scrollHeight;
    jump.hidden = true;
  };

  /** Inserts or updates a message in seq order; returns true when it was new. */
  function put(m) {
    if (!m || !m.id) return false;
    const existing = byId.get(m.id);
    if (existing) {
      if (!isNewerMessage(m, existing.m)) return false;
      const node = bubble(m);
      existing.el.replaceWith(node);
      byId.set(m.id, { m, el: node });
      return false;
    }
    const node = bubble(m);
    byId.set(m.id, { m, el: node });
    const seq = Number(m.seq);
    let before = null;
    if (Number.isFinite(seq)) {
      for (let child = msgList.lastElementChild; child; child = child.previousElementSibling) {
        const s = Number(child.dataset.seq);
        if (Number.isFinite(s) && s > seq) before = child;
        else break;
      }
    }
    msgList.insertBefore(node, before);
    if (Number.isFinite(seq) && (newerCursor === null || seq > Number(newerCursor))) newerCursor = seq;
    return true;
  }

  function setOlder(cursor) {
    olderCursor = cursor ?? null;
    olderRow.hidden = olderCursor === null || olderCursor === undefined;
  }

  function emptyThreadNote() {
    const note = msgList.querySelector('.thread-empty');
    if (byId.size && note) note.remove();
    if (!byId.size && !note) msgList.appendChild(h('p', { class: 'thread-empty muted', testid: 'thread-empty' }, 'No messages yet.'));
  }

  async function load() {
    fill(el, loadingState('Opening the conversation…'));
    try {
      const [s, page] = await Promise.all([
        api.get(`/inbox/sessions/${encodeURIComponent(id)}`),
        api.get(`/inbox/sessions/${encodeURIComponent(id)}/messages`, { limit: MESSAGE_PAGE }),
      ]);
      if (!alive) return;
      session = s;
      byId.clear();
      fill(msgList);
      for (const m of (page && page.items) || []) put(m);
      setOlder(page ? page.older_cursor : null);
      loaded = true;
      drawHeader();
      fill(el, head, h('div', { class: 'thread-body' }, log, jump), composer);
      for (const m of pending.splice(0)) put(m);
      emptyThreadNote();
      requestAnimationFrame(scrollToBottom);
      hooks.onLoaded(s);
    } catch (e) {
      if (!alive) return;
      fill(el, h('div', { class: 'thread-head' }, back), e.status === 404
        ? emptyState('This conversation does not exist (or you cannot see it).', h('a', { href: '#/inbox' }, 'All conversations'))
        : errorState(e, load));
    }
  }

  async function loadOlder() {
    if (loadingOlder || olderCursor === null || olderCursor === undefined) return;
    loadingOlder = true;
    olderBtn.disabled = true;
    fill(olderBtn, h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), ' Loading…');
    const beforeHeight = log.scrollHeight;
    const beforeTop = log.scrollTop;
    try {
      const page = await api.get(`/inbox/sessions/${encodeURIComponent(id)}/messages`, { limit: MESSAGE_PAGE, before: olderCursor });
      if (!alive) return;
      for (const m of (page && page.items) || []) put(m);
      setOlder(page ? page.older_cursor : null);
      emptyThreadNote();
      // Keep the message that was at the top where it was.
      log.scrollTop = beforeTop + (log.scrollHeight - beforeHeight);
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      loadingOlder = false;
      olderBtn.disabled = false;
      fill(olderBtn, 'Load older messages');
    }
  }
  olderBtn.addEventListener('click', loadOlder);
  let logScroll = null;
  log.addEventListener('scroll', () => {
    logScroll = log.scrollTop;
    if (log.scrollTop < 40 && !olderRow.hidden) loadOlder();
    if (nearBottom()) jump.hidden = true;
  }, { passive: true });
  jump.addEventListener('click', () => {
    scrollToBottom();
    log.focus({ preventScroll: true });
  });

  /** Fetches everything after the newest message held (after a dropped live connection). */
  let catchingUp = false;
  async function catchUp() {
    if (!loaded || catchingUp) return;
    catchingUp = true;
    try {
      for (let round = 0; round < 5; round++) {
        const stick = nearBottom();
        const query = { limit: 100 };
        if (newerCursor !== null) query.after = newerCursor;
        const page = await api.get(`/inbox/sessions/${encodeURIComponent(id)}/messages`, query);
        if (!alive) return;
        const items = (page && page.items) || [];
        let added = 0;
        for (const m of items) if (put(m)) added++;
        emptyThreadNote();
        if (added) {
          if (stick) scrollToBottom();
          else jump.hidden = false;
          if (items.some((m) => m.direction === 'in')) hooks.onIncoming();
        }
        if (items.length < 100 || newerCursor === null) break;
      }
    } catch (e) {
      console.warn('could not fetch new messages', e);
    } finally {
      catchingUp = false;
    }
  }

  /** A message from the live stream (or our own send). */
  function addMessage(m, created) {
    if (!loaded) {
      pending.push(m);
      return;
    }
    const stick = nearBottom();
    const lastSeq = newerCursor;
    const isNew = put(m);
    emptyThreadNote();
    if (!isNew) return;
    if (stick || (m.direction === 'out' && m.author === 'staff')) requestAnimationFrame(scrollToBottom);
    else jump.hidden = false;
    if (created && m.direction === 'in') hooks.onIncoming();
    // A gap in the sequence means an event was missed: fetch what lies between.
    const seq = Number(m.seq);
    if (Number.isFinite(seq) && lastSeq !== null && seq > Number(lastSeq) + 1) catchUp();
  }

  /* ----- bot toggle ----- */

  botToggle.addEventListener('click', () => busy([botToggle], async () => {
    const next = !(session && session.bot_active);
    try {
      const s = await api.post(`/inbox/sessions/${encodeURIComponent(id)}/bot`, { active: next });
      if (!alive) return;
      session = s;
      drawHeader();
      hooks.onSession(s);
      toast(next ? 'The bot answers this contact again.' : 'The bot is off for this contact. Replies are up to you.', 'info');
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }));

  /* ----- sending ----- */

  function setSending(on) {
    sending = on;
    send.disabled = on;
    textbox.readOnly = on;
    composer.setAttribute('aria-busy', on ? 'true' : 'false');
    fill(send, on ? [h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), ' Sending'] : 'Send');
  }

  function autoGrow() {
    textbox.rows = Math.min(6, Math.max(1, textbox.value.split('\n').length));
  }

  async function submit() {
    const text = textbox.value.trim();
    if (sending) return;
    if (!text) {
      textbox.focus();
      return;
    }
    replyError.clear();
    setSending(true);
    try {
      if (mode === 'contact' && session && session.platform === 'simulator') {
        const c = session.contact || {};
        const body = { from: c.handle || 'contact', text };
        if (c.name) body.name = c.name;
        if (session.is_owner) body.as_owner = true;
        const res = await api.post('/simulator/messages', body);
        if (res && res.message && (res.session_id || res.message.session_id) === id) addMessage(res.message, true);
      } else {
        const m = await api.post(`/inbox/sessions/${encodeURIComponent(id)}/messages`, { text });
        if (m && alive) addMessage(m, false);
      }
      textbox.value = '';
      autoGrow();
      requestAnimationFrame(scrollToBottom);
    } catch (e) {
      const ownerProblem = e.status === 422 && mode === 'contact' && session?.is_owner;
      replyError.show(`Could not send: ${errorMessage(e)}`, ownerProblem ? settingsLink('reply-settings-link') : null);
    } finally {
      setSending(false);
      if (alive && el.isConnected) textbox.focus({ preventScroll: true });
    }
  }

  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit();
  });
  textbox.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submit();
    }
  });
  textbox.addEventListener('input', autoGrow);

  load();

  return {
    id,
    el,
    get session() {
      return session;
    },
    setSession(s) {
      if (!s || s.id !== id) return;
      session = s;
      if (loaded) drawHeader();
    },
    addMessage,
    catchUp,
    reattached() {
      if (logScroll !== null) log.scrollTop = logScroll;
    },
    focusTitle() {
      if (loaded) titleEl.focus({ preventScroll: true });
      else el.focus?.({ preventScroll: true });
    },
    destroy() {
      alive = false;
    },
  };
}
