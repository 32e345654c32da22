// The inbox's pure rules (no DOM, no fetch): session order and titles, filters, which copy of a
// session or message is newer, and which links are safe to draw. Tested in tests/js/inbox-model.test.js.
import { t, mark } from '../i18n.js';

export const OWNER_TITLE = mark('Assistant (your number)');

export const AUTHORS = {
  contact: mark('Contact'),
  bot: mark('Bot'),
  staff: mark('Staff'),
  assistant: mark('Assistant'),
  workflow: mark('Workflow'),
  system: mark('System'),
};

const STATUS_RANK = { received: 0, queued: 1, sending: 2, sent: 3, delivered: 4, read: 5, undelivered: 6, failed: 6 };

/** Milliseconds of an ISO time; 0 for none or a bad one. */
export const timeValue = (iso) => {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? d.getTime() : 0;
};

/** Sessions sort as the server sorts them: updated_at, then id, both descending. */
export function compareSessions(a, b) {
  return timeValue(b.updated_at) - timeValue(a.updated_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The server's copy of a session, keeping a newer last message already seen live. */
export function mergeSession(old, s) {
  if (!old) return s;
  const keepLast = old.last_message && timeValue(old.last_message.at) > timeValue(s.last_message && s.last_message.at);
  return keepLast ? { ...s, last_message: old.last_message } : s;
}

export function sessionTitle(s) {
  if (!s) return t('Conversation');
  if (s.is_owner) return t(OWNER_TITLE);
  const c = s.contact || {};
  // A number that belongs to a customer reads as the customer's name, as the owner keeps it.
  return c.customer_name || c.name || c.handle || t('Unknown contact');
}

/** True when any filter is set. */
export const filtersActive = (f) => !!(f.platform || f.unread || f.q);

/** Whether a session belongs in the list under the filters {platform, unread, q}. */
export function sessionMatches(s, f) {
  if (f.platform && s.platform !== f.platform) return false;
  if (f.unread && !(Number(s.unread_count) > 0)) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    const hay = [s.contact?.customer_name, s.contact?.name, s.contact?.handle, s.last_message?.text, s.is_owner ? t(OWNER_TITLE) : ''].join(' ').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

/** What a session row shows: the row is redrawn only when this changes. */
export function rowKey(s) {
  return JSON.stringify([s.contact, s.is_owner, s.last_message, s.unread_count, s.bot_active, s.assignee, s.updated_at, s.platform, s.channel_name]);
}

/** An audio attachment (a voice note): its media type is audio/…, parameters aside. */
export function isAudio(contentType) {
  return /^audio\/[a-z0-9.+-]+\s*(;|$)/i.test(String(contentType || '').trim());
}

/** Only http(s) links are drawn as links. */
export function safeUrl(raw, base) {
  try {
    const u = new URL(String(raw), base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

export const looksLikePhone = (s) => /^[+\d][\d\s\-().]{5,}$/.test(s);

/** True when `incoming` should replace `existing` (never go back from sent to queued). */
export function isNewerMessage(incoming, existing) {
  const a = timeValue(incoming.updated_at);
  const b = timeValue(existing.updated_at);
  if (a !== b) return a > b;
  return (STATUS_RANK[incoming.status] ?? 0) >= (STATUS_RANK[existing.status] ?? 0);
}

/**
 * WhatsApp's 24-hour rule for a conversation (issue 18 §3): null when typed replies go through
 * (another platform, the owner's own number, or within 24 hours of the contact's last message),
 * else why they will not ('never' wrote, or 'expired').
 */
export function replyWindowClosed(s, now = Date.now()) {
  if (!s || s.platform !== 'whatsapp' || s.is_owner) return null;
  if (!s.reply_window_until) return 'never';
  const until = Date.parse(s.reply_window_until);
  return Number.isFinite(until) && now >= until ? 'expired' : null;
}

/**
 * Quick replies for what is typed (issue 18 §5): the text is "/" and a name prefix, nothing else.
 * Returns null when the text is not a quick-reply lookup, else the matches (at most 8).
 */
export function quickReplyMatches(text, replies) {
  const m = /^\/([\p{L}\p{M}\p{N}_-]*)$/u.exec(String(text || ''));
  if (!m) return null;
  const q = m[1].toLowerCase();
  return (replies || []).filter((r) => String(r.name).toLowerCase().startsWith(q)).slice(0, 8);
}

/** A quick reply's text for one conversation: {customer_name} becomes the contact's name. */
export function fillQuickReply(reply, contactName) {
  const name = String(contactName || '').trim() || 'ji';
  return String(reply.filled_text ?? reply.text ?? '').replaceAll('{customer_name}', name);
}
