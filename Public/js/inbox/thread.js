// One conversation in the inbox: its header (bot switch, assignee), the messages in seq order
// (older pages on scroll, catching up after a gap or a dropped live connection) and the reply
// composer (on the simulator it can also write as the contact).
import { api, errorMessage } from '../api.js';
import { path, href } from '../routes.js';
import { h, loadingState, errorState, emptyState, busy, fill, toast, uid } from '../ui.js';
import { fullTime, shortTime } from '../format.js';
import { timeZone } from '../session.js';
import { platformIcon, platformLabel, statusTick } from '../shared/platforms.js';
import { AUTHORS, sessionTitle, safeUrl, isNewerMessage, isAudio, replyWindowClosed, quickReplyMatches, fillQuickReply } from './model.js';
import { errorBox, settingsLink } from './alerts.js';
import { t, tn, tParts } from '../i18n.js';

const MESSAGE_PAGE = 40;

/** hooks: onSession(s) after a change made here, onLoaded(s), onIncoming() for a new incoming message. */
export function createThread(id, known, hooks) {
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

  const el = h('div', { class: 'thread', testid: 'inbox-thread', dataset: { sessionId: id } }, loadingState(t('Opening the conversation…')));

  /* ----- header ----- */

  const back = h('a', { href: '#/inbox', class: 'btn btn-secondary btn-small thread-back', testid: 'inbox-back', 'aria-label': t('Back to all conversations') }, t('← Back'));
  const titleEl = h('h2', { class: 'thread-title', testid: 'thread-title', tabindex: '-1' });
  const subEl = h('p', { class: 'thread-sub', testid: 'thread-sub' });
  const iconSlot = h('span', { class: 'thread-icon' });
  const botState = h('span', { class: 'switch-state', 'aria-hidden': 'true' });
  const botToggle = h('button', {
    type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'false', testid: 'bot-toggle',
  }, h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })), h('span', { class: 'switch-label' }, t('Bot replies')), botState);
  const assignee = h('span', { class: 'thread-assignee muted', testid: 'thread-assignee' });
  const controls = h('div', { class: 'thread-controls' }, botToggle, assignee);
  const head = h('header', { class: 'thread-head' }, back, iconSlot, h('div', { class: 'thread-heading' }, titleEl, subEl), controls);

  /* ----- messages ----- */

  const olderBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'load-older' }, t('Load older messages'));
  const olderRow = h('div', { class: 'thread-older', hidden: true }, olderBtn);
  const msgList = h('div', { class: 'thread-list' });
  const log = h('div', {
    class: 'thread-messages', testid: 'thread-messages', role: 'log', 'aria-label': t('Messages'), tabindex: '0', 'aria-live': 'polite',
  }, olderRow, msgList);
  const jump = h('button', { type: 'button', class: 'btn btn-primary btn-small thread-jump', testid: 'jump-latest', hidden: true }, t('↓ New messages'));

  /* ----- composer ----- */

  const inputId = uid('reply-input');
  const textbox = h('textarea', {
    id: inputId, class: 'chat-input', rows: 1, maxlength: 4096, testid: 'reply-input', placeholder: t('Write a reply'), autocomplete: 'off', enterkeyhint: 'send',
  });
  const inputLabel = h('label', { for: inputId, class: 'visually-hidden' }, t('Reply'));
  const send = h('button', { type: 'submit', class: 'btn btn-primary chat-send', testid: 'reply-send' }, t('Send'));
  const replyError = errorBox('reply-error');
  const asStaff = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'compose-as-staff', 'aria-pressed': 'true' }, t('Reply as staff'));
  const asContact = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'compose-as-contact', 'aria-pressed': 'false' }, t('Write as the contact'));
  const modeBar = h('div', { class: 'compose-mode', hidden: true },
    h('span', { class: 'compose-mode-label muted' }, t('Simulator:')),
    h('div', { class: 'segmented', role: 'group', 'aria-label': t('Send as') }, asStaff, asContact));
  const hint = h('p', { class: 'chat-hint muted' }, t('Enter sends, Shift+Enter adds a line.'));
  const windowNote = h('p', { class: 'alert alert-info reply-window', testid: 'reply-window-note', role: 'status', hidden: true });
  // Quick replies: "/" and a name offers the saved answers (issue 18 §5).
  const quickId = uid('quick');
  const quickList = h('ul', { class: 'quick-replies', id: quickId, role: 'listbox', testid: 'quick-reply-list', hidden: true, 'aria-label': t('Quick replies') });
  const attachment = h('p', { class: 'quick-attachment muted', testid: 'quick-reply-attachment', hidden: true });
  textbox.setAttribute('aria-controls', quickId);
  textbox.setAttribute('aria-autocomplete', 'list');
  const composer = h('form', { class: 'reply-composer', testid: 'reply-form', novalidate: true },
    modeBar, windowNote, quickList, attachment, replyError.el, h('div', { class: 'chat-compose-row' }, inputLabel, textbox, send), hint);

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
      c.customer_id ? [' · ', h('a', { href: `#/ledger/customers/${encodeURIComponent(c.customer_id)}`, testid: 'thread-customer-link' }, t('Customer record'))] : null);
    fill(iconSlot, platformIcon(s.platform));
    botToggle.hidden = !!s.is_owner;
    botToggle.setAttribute('aria-checked', s.bot_active ? 'true' : 'false');
    botToggle.title = s.bot_active ? t('The bot answers this contact. Click to turn it off.') : t('The bot is off for this contact. Click to turn it on.');
    botState.textContent = s.bot_active ? t('On') : t('Off');
    assignee.textContent = s.is_owner ? t('Your own number: the assistant answers here.') : (s.assignee ? t('Assigned to {name}', { name: s.assignee.name || t('someone') }) : t('Unassigned'));
    const closed = replyWindowClosed(s);
    const who = c.name || c.handle || t('This customer');
    const notes = [];
    if (c.opted_out) notes.push(t('{who} sent STOP: reminders, invoices and other messages you start will not be sent until they send START. Replies to what they ask still go.', { who }));
    if (closed === 'never') notes.push(t('{who} has not written to you on WhatsApp yet, so WhatsApp will not deliver a typed reply. Reminders and invoices go as your approved templates (Integrations).', { who }));
    else if (closed) notes.push(t('{who} last wrote more than 24 hours ago: WhatsApp will not deliver a typed reply until they write again. Reminders and invoices go as your approved templates (Integrations).', { who }));
    windowNote.hidden = !notes.length;
    windowNote.textContent = notes.join(' ');
    const simulator = s.platform === 'simulator';
    modeBar.hidden = !simulator;
    asContact.textContent = s.is_owner ? t('Write as you (owner)') : t('Write as {name}', { name: c.name || c.handle || t('the contact') });
    if (!simulator) mode = 'staff';
    setMode(mode);
  }

  function setMode(next) {
    mode = next;
    asStaff.setAttribute('aria-pressed', String(mode === 'staff'));
    asContact.setAttribute('aria-pressed', String(mode === 'contact'));
    const s = session || {};
    const who = s.is_owner ? t('you') : (s.contact?.customer_name || s.contact?.name || s.contact?.handle || t('the contact'));
    textbox.placeholder = mode === 'staff' ? t('Write a reply') : t('Write as {name} (simulated)', { name: who });
    inputLabel.textContent = mode === 'staff' ? t('Reply') : t('Message as {name}', { name: who });
  }
  asStaff.addEventListener('click', () => setMode('staff'));
  asContact.addEventListener('click', () => setMode('contact'));

  function bubble(m) {
    const out = m.direction === 'out';
    const author = m.author || (out ? 'staff' : 'contact');
    const media = Array.isArray(m.media) ? m.media : [];
    const failed = m.status === 'failed' || m.status === 'undelivered';
    const who = out || session?.is_owner ? (m.author_name || (AUTHORS[author] ? t(AUTHORS[author]) : author)) : null;
    return h('div', {
      class: `msg ${out ? 'msg-out' : 'msg-in'} msg-author-${author} ${failed ? 'msg-failed' : ''}`,
      testid: 'message-bubble',
      dataset: { id: m.id || '', seq: String(m.seq ?? ''), direction: m.direction || '', author, status: m.status || '' },
    },
    who ? h('p', { class: 'msg-author', testid: 'message-author' }, who, out && m.author_name && AUTHORS[author] && m.author_name !== AUTHORS[author] ? h('span', { class: 'msg-role' }, ` · ${t(AUTHORS[author])}`) : null) : null,
    m.text ? h('p', { class: 'msg-text pre', testid: 'message-text' }, m.text) : null,
    media.length ? h('ul', { class: 'msg-media' }, media.map((x, i) => {
      // A customer's or the owner's voice note plays here: the server fetches it from the
      // provider with the channel's credentials (Twilio's media URLs need them).
      if (!out && m.id && isAudio(x && x.content_type)) {
        return h('li', {}, h('audio', { controls: true, preload: 'none', src: href('inboxMedia', m.id, i), testid: 'message-audio',
          'aria-label': media.length > 1 ? t('Voice note {n}', { n: i + 1 }) : t('Voice note') }));
      }
      const link = safeUrl(x && x.url, location.href);
      const label = `${t('Attachment')} ${media.length > 1 ? i + 1 : ''}${x && x.content_type ? ` (${x.content_type})` : ''}`.replace(/\s+/g, ' ').trim();
      return h('li', {}, link ? h('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, label) : label);
    })) : null,
    m.transcript ? h('p', { class: 'msg-transcript', testid: 'message-transcript' },
      h('span', { class: 'msg-transcript-label' }, t('Heard: ')), m.transcript) : null,
    !out && m.error_code === 'transcription_failed' ? h('p', { class: 'msg-error', testid: 'message-error', role: 'note' },
      t('Could not transcribe this voice note'), m.error_message ? `: ${m.error_message}` : '.') : null,
    h('p', { class: 'msg-meta' },
      h('time', { datetime: m.created_at || '', title: fullTime(m.created_at, timeZone()) }, shortTime(m.created_at, timeZone())),
      out ? statusTick(m.status) : null),
    failed ? h('p', { class: 'msg-error', testid: 'message-error', role: 'note' },
      t('Not delivered'), m.error_code ? ` (${m.error_code})` : '', m.error_message ? `: ${m.error_message}` : '.') : null,
    // An incoming message whose processing kept stopping the worker (issue 14 §2): say so here,
    // where the owner reads it, with the way to Operations.
    !out && m.error_code === 'processing_failed' ? h('p', { class: 'msg-error', testid: 'message-error', role: 'note' },
      m.error_message || t('Munim could not process this message.'), ' ',
      h('a', { href: '#/operations' }, t('Open Operations'))) : null);
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
    if (!byId.size && !note) msgList.appendChild(h('p', { class: 'thread-empty muted', testid: 'thread-empty' }, t('No messages yet.')));
  }

  async function load() {
    fill(el, loadingState(t('Opening the conversation…')));
    try {
      const [s, page] = await Promise.all([
        api.get(path('inboxSession', id)),
        api.get(path('inboxMessages', id), { limit: MESSAGE_PAGE }),
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
        ? emptyState(t('This conversation does not exist (or you cannot see it).'), h('a', { href: '#/inbox' }, t('All conversations')))
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
      const page = await api.get(path('inboxMessages', id), { limit: MESSAGE_PAGE, before: olderCursor });
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
      fill(olderBtn, t('Load older messages'));
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
        const page = await api.get(path('inboxMessages', id), query);
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
      const s = await api.post(path('inboxBot', id), { active: next });
      if (!alive) return;
      session = s;
      drawHeader();
      hooks.onSession(s);
      toast(next ? t('The bot answers this contact again.') : t('The bot is off for this contact. Replies are up to you.'), 'info');
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
    fill(send, on ? [h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), ' ', t('Sending')] : t('Send'));
  }

  function autoGrow() {
    textbox.rows = Math.min(6, Math.max(1, textbox.value.split('\n').length));
  }

  /* ----- quick replies ----- */

  let quickReplies = null; // loaded on the first "/"
  let quickMatches = [];
  let quickActive = 0;
  let pendingMedia = null;

  function closeQuick() {
    quickList.hidden = true;
    quickMatches = [];
    textbox.setAttribute('aria-expanded', 'false');
    textbox.removeAttribute('aria-activedescendant');
  }

  function drawQuick() {
    if (!quickMatches.length) {
      fill(quickList, h('li', { class: 'quick-empty muted', role: 'option', 'aria-disabled': 'true' },
        quickReplies && quickReplies.length ? t('No quick reply by that name.') : tParts('No quick replies yet — save them in {settings}.', { settings: h('a', { href: '#/settings' }, t('Settings')) })));
    } else {
      fill(quickList, quickMatches.map((r, i) => {
        const item = h('li', {
          id: `${quickId}-${i}`, role: 'option', class: 'quick-item', testid: 'quick-reply-option', 'aria-selected': String(i === quickActive),
        }, h('strong', {}, `/${r.name}`), ' ', h('span', { class: 'muted' }, fillQuickReply(r, contactName()).slice(0, 70)));
        item.addEventListener('mousedown', (ev) => {
          ev.preventDefault();
          chooseQuick(r);
        });
        return item;
      }));
      textbox.setAttribute('aria-activedescendant', `${quickId}-${quickActive}`);
    }
    quickList.hidden = false;
    textbox.setAttribute('aria-expanded', 'true');
  }

  async function updateQuick() {
    const looking = quickReplyMatches(textbox.value, []);
    if (looking === null) {
      closeQuick();
      return;
    }
    if (quickReplies === null) {
      try {
        const res = await api.get(path('quickReplies'));
        quickReplies = (res && res.items) || [];
      } catch (e) {
        console.warn('could not load quick replies', e);
        quickReplies = [];
      }
    }
    const matches = quickReplyMatches(textbox.value, quickReplies);
    if (matches === null) {
      closeQuick();
      return;
    }
    quickMatches = matches;
    quickActive = 0;
    drawQuick();
  }

  function contactName() {
    const c = (session && session.contact) || {};
    return c.customer_name || c.name;
  }

  function chooseQuick(r) {
    textbox.value = fillQuickReply(r, contactName());
    pendingMedia = r.media_url || null;
    attachment.hidden = !pendingMedia;
    if (pendingMedia) {
      const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'quick-reply-attachment-remove' }, t('Remove'));
      remove.addEventListener('click', () => {
        pendingMedia = null;
        attachment.hidden = true;
        textbox.focus();
      });
      fill(attachment, t('Image attached from /{name}.', { name: r.name }), ' ', remove);
    }
    closeQuick();
    autoGrow();
    textbox.focus();
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
        const res = await api.post(path('simulatorMessages'), body);
        if (res && res.message && (res.session_id || res.message.session_id) === id) addMessage(res.message, true);
      } else {
        const m = await api.post(path('inboxReply', id), pendingMedia ? { text, media_url: pendingMedia } : { text });
        if (m && alive) addMessage(m, false);
      }
      pendingMedia = null;
      attachment.hidden = true;
      textbox.value = '';
      autoGrow();
      requestAnimationFrame(scrollToBottom);
    } catch (e) {
      const ownerProblem = e.status === 422 && mode === 'contact' && session?.is_owner;
      replyError.show(t('Could not send: {reason}', { reason: errorMessage(e) }), ownerProblem ? settingsLink('reply-settings-link') : null);
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
    if (!quickList.hidden && quickMatches.length) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        quickActive = (quickActive + (ev.key === 'ArrowDown' ? 1 : quickMatches.length - 1)) % quickMatches.length;
        drawQuick();
        return;
      }
      if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.isComposing) {
        ev.preventDefault();
        chooseQuick(quickMatches[quickActive]);
        return;
      }
    }
    if (ev.key === 'Escape' && !quickList.hidden) {
      ev.preventDefault();
      closeQuick();
      return;
    }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submit();
    }
  });
  textbox.addEventListener('input', () => {
    autoGrow();
    updateQuick();
  });
  textbox.addEventListener('blur', () => setTimeout(closeQuick, 150));

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
