// Inbox: every conversation from every channel (WhatsApp, Bluesky, Mastodon/Pixelfed,
// Instagram, the simulator) in one list, and the thread of the one that is open, kept live over
// the /api/v1/events stream (docs/messaging-api.md). Wide screens show both panes; at phone
// width the list and the thread take turns, with a back button.
//
// Routes: #/inbox (the list) and #/inbox/{session_id} (the list with that thread open). Moving
// between them reuses the page already on screen, so the list does not flash or lose its place.
//
// This file wires the page: the list is inbox/list.js, one conversation inbox/thread.js, the
// simulator dialog inbox/simulate.js and the pure rules inbox/model.js.
import { api } from './api.js';
import { path } from './routes.js';
import { h, pageHeader, fill, add } from './ui.js';
import { subscribe, isConnected, liveSupported } from './live.js';
import { createSessionList } from './inbox/list.js';
import { createThread } from './inbox/thread.js';
import { simulateDialog } from './inbox/simulate.js';
import { sessionTitle } from './inbox/model.js';
import { t, tn } from './i18n.js';

const POLL_MS = 15_000; // only while the live stream is down

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
  let thread = null;

  const list = createSessionList({
    isAlive: () => alive,
    onUpsert: (s) => {
      if (thread && thread.id === s.id) {
        thread.setSession(s);
        if (Number(s.unread_count) > 0) markRead();
      }
    },
  });

  const simulateBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'simulate-button' }, t('New simulated conversation'));
  simulateBtn.addEventListener('click', simulateDialog);
  const liveStatus = h('span', { class: 'live-status', testid: 'inbox-live', 'aria-live': 'polite' });
  const threadPane = h('section', { class: 'inbox-pane inbox-thread-pane', 'aria-label': t('Conversation'), testid: 'inbox-thread-pane' });
  const layout = h('div', { class: 'inbox', testid: 'inbox' }, list.el, threadPane);
  const el = h('div', { class: 'inbox-page' },
    pageHeader(t('Inbox'), simulateBtn),
    h('p', { class: 'muted lead inbox-lead' }, t('Messages from your customers on every channel. '), liveStatus),
    layout);

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
      const s = await api.post(path('inboxRead', sid), {});
      lastReadAt = Date.now();
      if (s && s.id) {
        list.replace(s);
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
      h('p', {}, t('Choose a conversation to read it here.')),
      h('p', { class: 'muted' }, t('New messages appear on their own.')));
  }

  function show(id, userInitiated) {
    layout.classList.toggle('inbox-thread-open', !!id);
    el.classList.toggle('inbox-page-thread', !!id);
    list.setOpen(id);
    if (!id) {
      const previous = thread ? thread.id : null;
      if (thread) thread.destroy();
      thread = null;
      fill(threadPane, placeholder());
      ctx.setTitle(t('Inbox'));
      const row = previous && list.rowLink(previous);
      if (userInitiated && row) requestAnimationFrame(() => row.isConnected && row.focus({ preventScroll: false }));
      return;
    }
    if (thread && thread.id === id) return;
    if (thread) thread.destroy();
    thread = createThread(id, list.find(id), {
      onSession: (s) => list.upsert(s),
      onLoaded: (s) => {
        ctx.setTitle(`${sessionTitle(s)} · Inbox`);
        markRead();
        // A conversation that is not in the (filtered) list yet still gets its row.
        if (!list.has(s.id)) list.upsert(s);
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
      list.upsert(p.session);
      return;
    }
    const m = p.message;
    const sid = p.session_id || (m && m.session_id);
    if (!m || !sid) return;
    if (thread && thread.id === sid) thread.addMessage(m, type === 'message.created');
    if (type !== 'message.created') return;
    list.noteMessage(sid, m);
    // The authoritative unread count and order come from the server.
    list.refreshSession(sid);
  }

  function setLiveText() {
    if (!liveSupported()) {
      liveStatus.textContent = t('Checking for new messages every 15 seconds.');
      liveStatus.dataset.state = 'polling';
    } else if (isConnected()) {
      liveStatus.textContent = t('Live');
      liveStatus.dataset.state = 'live';
    } else {
      liveStatus.textContent = t('Connecting for live updates…');
      liveStatus.dataset.state = 'connecting';
    }
  }

  const catchUp = () => {
    list.refresh();
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
    list.refreshTimes();
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
    list.destroy();
    document.removeEventListener('visibilitychange', onVisibility);
    if (thread) thread.destroy();
    thread = null;
    live.close();
    if (view && view.el === el) view = null;
  }

  list.reload();

  return {
    el,
    alive: () => alive,
    setCtx(c) {
      ctx = c;
    },
    reattached() {
      list.reattached();
      if (thread) thread.reattached();
    },
    show,
    destroy,
  };
}
