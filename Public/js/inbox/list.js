// The inbox's list of conversations: filters (channel, unread, search), rows kept in the server's
// order and redrawn only when their session changed, paging, and merging live updates.
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { h, loadingState, errorState, emptyState, badge, busy, fill, toast, debounce, uid } from '../ui.js';
import { relativeTime, fullTime } from '../format.js';
import { timeZone } from '../session.js';
import { PLATFORMS, platformIcon, platformLabel } from '../shared/platforms.js';
import {
  compareSessions, mergeSession, sessionTitle, sessionMatches, filtersActive, rowKey, timeValue,
} from './model.js';
import { simulateDialog } from './simulate.js';
import { t, tn } from '../i18n.js';

const PAGE_SIZE = 30;

/**
 * hooks: onUpsert(s) after a session's latest state was taken in (the open thread follows it);
 * isAlive() false once the page is gone.
 */
export function createSessionList(hooks) {
  let sessions = []; // SessionDTO, most recently updated first
  let nextCursor = null;
  let listState = 'loading'; // loading | ready | error
  let generation = 0;
  let openId = null;
  const rows = new Map(); // session id -> {li, a, key}
  const refreshTimers = new Map();

  /* ----- filters ----- */

  const searchId = uid('inbox-search');
  const platformId = uid('inbox-platform');
  const unreadId = uid('inbox-unread');
  const search = h('input', {
    type: 'search', id: searchId, testid: 'inbox-search', placeholder: t('Name, number or text'), autocomplete: 'off',
  });
  const platform = h('select', { id: platformId, testid: 'inbox-filter-platform' },
    h('option', { value: '' }, t('All channels')),
    Object.entries(PLATFORMS).map(([value, p]) => h('option', { value }, p.label)));
  const unread = h('input', { type: 'checkbox', id: unreadId, testid: 'inbox-filter-unread' });

  const filters = h('div', { class: 'inbox-filters', role: 'search', 'aria-label': t('Filter conversations') },
    h('div', { class: 'field inbox-search' }, h('label', { for: searchId, class: 'visually-hidden' }, t('Search conversations')), search),
    h('div', { class: 'inbox-filter-row' },
      h('div', { class: 'field' }, h('label', { for: platformId, class: 'visually-hidden' }, t('Channel')), platform),
      h('div', { class: 'field field-check' }, unread, h('label', { for: unreadId }, t('Unread only')))));

  const list = h('ul', { class: 'inbox-sessions', testid: 'inbox-sessions', 'aria-label': t('Conversations') });
  const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'inbox-load-more' }, t('Load more'));
  const listBody = h('div', { class: 'inbox-list-body' }, loadingState(t('Loading conversations…')));
  // Moving between #/inbox and #/inbox/{id} detaches the page for a moment, which resets scrolling.
  let listScroll = 0;
  listBody.addEventListener('scroll', () => {
    listScroll = listBody.scrollTop;
  }, { passive: true });
  const el = h('section', { class: 'inbox-pane inbox-list-pane', 'aria-label': t('Conversations'), testid: 'inbox-list' }, filters, listBody);

  const filterValues = () => ({ platform: platform.value, unread: unread.checked, q: search.value.trim() });
  const matches = (s) => sessionMatches(s, filterValues());

  /* ----- rows ----- */

  function sortSessions() {
    sessions.sort(compareSessions);
  }

  function rowContent(s) {
    const n = Number(s.unread_count) || 0;
    const last = s.last_message;
    const preview = last
      ? [last.direction === 'out' ? h('span', { class: 'session-you' }, t('You: ')) : null, last.text || t('Attachment')]
      : h('span', { class: 'muted' }, t('No messages yet'));
    return [
      platformIcon(s.platform),
      h('span', { class: 'session-main' },
        h('span', { class: 'session-top' },
          h('span', { class: 'session-name', testid: 'session-name' }, sessionTitle(s)),
          h('time', {
            class: 'session-time', testid: 'session-time', datetime: s.updated_at || '', title: fullTime(s.updated_at, timeZone()),
          }, relativeTime(s.updated_at, timeZone()))),
        h('span', { class: 'session-preview', testid: 'session-preview' }, preview),
        h('span', { class: 'session-meta' },
          h('span', { class: 'session-channel', testid: 'session-platform' }, platformLabel(s.platform),
            s.channel_name && s.channel_name !== platformLabel(s.platform) ? ` · ${s.channel_name}` : ''),
          s.is_owner
            ? badge(t('Your number'), 'info', 'session-owner')
            : badge(s.bot_active ? t('Bot on') : t('Bot off'), s.bot_active ? 'success' : 'neutral', 'session-bot'),
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
    if (filtersActive(filterValues())) {
      const clear = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'inbox-clear-filters' }, t('Clear filters'));
      clear.addEventListener('click', () => {
        search.value = '';
        platform.value = '';
        unread.checked = false;
        reload();
      });
      return emptyState(t('No conversations match these filters.'), clear);
    }
    const sim = h('button', { type: 'button', class: 'btn btn-primary btn-small', testid: 'inbox-empty-simulate' }, t('Try the simulator'));
    sim.addEventListener('click', simulateDialog);
    return emptyState(t('No conversations yet — connect a channel on Integrations, or try the simulator.'),
      h('div', { class: 'link-row inbox-empty-actions' }, h('a', { href: '#/integrations', testid: 'inbox-empty-integrations' }, t('Integrations →')), sim));
  }

  function render() {
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

  /* ----- loading ----- */

  async function reload() {
    const mine = ++generation;
    listState = 'loading';
    fill(listBody, loadingState(t('Loading conversations…')));
    const f = filterValues();
    try {
      const page = await api.get(path('inboxSessions'), { platform: f.platform, unread: f.unread, q: f.q, limit: PAGE_SIZE });
      if (mine !== generation) return;
      sessions = (page && page.items) || [];
      nextCursor = (page && page.next_cursor) || null;
      listState = 'ready';
      rows.clear();
      fill(list);
      sortSessions();
      render();
    } catch (e) {
      if (mine !== generation) return;
      listState = 'error';
      fill(listBody, errorState(e, reload));
    }
  }

  /** Merges the first page again (after a dropped live connection, or while polling). */
  async function refresh() {
    if (listState !== 'ready') {
      if (listState === 'error') reload();
      return;
    }
    const mine = generation;
    const f = filterValues();
    try {
      const page = await api.get(path('inboxSessions'), { platform: f.platform, unread: f.unread, q: f.q, limit: PAGE_SIZE });
      if (mine !== generation) return;
      for (const s of (page && page.items) || []) upsert(s, { render: false });
      sortSessions();
      render();
    } catch (e) {
      console.warn('inbox refresh failed', e);
    }
  }

  more.addEventListener('click', () => busy([more], async () => {
    const mine = generation;
    const f = filterValues();
    try {
      const page = await api.get(path('inboxSessions'), { platform: f.platform, unread: f.unread, q: f.q, limit: PAGE_SIZE, cursor: nextCursor });
      if (mine !== generation) return;
      for (const s of (page && page.items) || []) {
        if (!sessions.some((x) => x.id === s.id)) sessions.push(s);
      }
      nextCursor = (page && page.next_cursor) || null;
      sortSessions();
      render();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }));

  /** Puts a session's latest state into the list (and, through onUpsert, the open thread). */
  function upsert(s, { insert = true, render: redraw = true } = {}) {
    if (!s || !s.id) return;
    const i = sessions.findIndex((x) => x.id === s.id);
    if (i >= 0) {
      if (timeValue(s.updated_at) < timeValue(sessions[i].updated_at)) return;
      sessions[i] = mergeSession(sessions[i], s);
    } else if (insert && listState === 'ready' && matches(s)) {
      sessions.push(s);
    }
    if (redraw) {
      sortSessions();
      render();
    }
    hooks.onUpsert(s);
  }

  /** Takes the server's answer as the current state even if its updated_at did not move. */
  function replace(s) {
    const i = sessions.findIndex((x) => x.id === s.id);
    if (i >= 0) sessions[i] = mergeSession(sessions[i], s);
    sortSessions();
    render();
  }

  /** A new message seen live: it becomes the row's preview before the server's copy arrives. */
  function noteMessage(sid, m) {
    const i = sessions.findIndex((x) => x.id === sid);
    if (i < 0) return;
    const s = sessions[i];
    const at = m.created_at || new Date().toISOString();
    if (timeValue(at) >= timeValue(s.last_message && s.last_message.at)) {
      sessions[i] = { ...s, last_message: { text: m.text, direction: m.direction, at } };
      sortSessions();
      render();
    }
  }

  /** Fetches one session after a live event (coalesced per session). */
  function refreshSession(sid) {
    clearTimeout(refreshTimers.get(sid));
    refreshTimers.set(sid, setTimeout(async () => {
      refreshTimers.delete(sid);
      if (!hooks.isAlive()) return;
      try {
        upsert(await api.get(path('inboxSession', sid)));
      } catch (e) {
        if (e.status !== 404) console.warn('could not refresh the conversation', e);
      }
    }, 250));
  }

  const onFilter = () => reload();
  search.addEventListener('input', debounce(onFilter, 300));
  platform.addEventListener('change', onFilter);
  unread.addEventListener('change', onFilter);

  return {
    el,
    reload,
    refresh,
    upsert,
    replace,
    noteMessage,
    refreshSession,
    find: (sid) => sessions.find((s) => s.id === sid) || null,
    has: (sid) => sessions.some((s) => s.id === sid),
    /** Marks the open conversation's row (aria-current). */
    setOpen(id) {
      openId = id;
      for (const [sid, row] of rows) {
        if (sid === id) row.a.setAttribute('aria-current', 'true');
        else row.a.removeAttribute('aria-current');
      }
    },
    rowLink: (sid) => (rows.get(sid) || {}).a || null,
    /** Relative times age; the rows are redrawn from the same data. */
    refreshTimes() {
      for (const t of list.querySelectorAll('time.session-time')) t.textContent = relativeTime(t.getAttribute('datetime'), timeZone());
    },
    reattached() {
      if (listScroll) listBody.scrollTop = listScroll;
    },
    destroy() {
      refreshTimers.forEach((t) => clearTimeout(t));
    },
  };
}
