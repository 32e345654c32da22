// The inbox's pure rules (Public/js/inbox/model.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OWNER_TITLE, timeValue, compareSessions, mergeSession, sessionTitle, filtersActive, sessionMatches, rowKey, safeUrl,
  looksLikePhone, isNewerMessage, isAudio,
} from '../../Public/js/inbox/model.js';

const s = (id, updated, extra = {}) => ({ id, updated_at: updated, ...extra });

test('sessions sort newest first, then by id descending, as the server sorts them', () => {
  const list = [s('a', '2025-01-01T10:00:00Z'), s('c', '2025-01-02T10:00:00Z'), s('b', '2025-01-01T10:00:00Z'), s('z', null)];
  assert.deepEqual(list.sort(compareSessions).map((x) => x.id), ['c', 'b', 'a', 'z']);
  assert.equal(timeValue('not a date'), 0);
});

test('a server copy keeps a newer last message already seen live', () => {
  const live = s('a', 't', { last_message: { text: 'new', at: '2025-01-01T10:05:00Z' } });
  const server = s('a', 't', { unread_count: 2, last_message: { text: 'old', at: '2025-01-01T10:00:00Z' } });
  assert.deepEqual(mergeSession(live, server), { ...server, last_message: live.last_message });
  const newer = s('a', 't', { last_message: { text: 'newest', at: '2025-01-01T10:10:00Z' } });
  assert.equal(mergeSession(live, newer), newer);
  assert.equal(mergeSession(null, server), server);
});

test('titles: the owner’s own number, a name, a handle, or unknown', () => {
  assert.equal(sessionTitle({ is_owner: true, contact: { name: 'Anil' } }), OWNER_TITLE);
  assert.equal(sessionTitle({ contact: { name: 'Asha', handle: '@asha' } }), 'Asha');
  assert.equal(sessionTitle({ contact: { handle: '+919812345678' } }), '+919812345678');
  assert.equal(sessionTitle({}), 'Unknown contact');
  assert.equal(sessionTitle(null), 'Conversation');
});

test('filters: channel, unread only, and text in the name, handle, last message or owner title', () => {
  const asha = { platform: 'whatsapp', unread_count: 0, contact: { name: 'Asha', handle: '+91981' }, last_message: { text: 'Need cement' } };
  const none = { platform: '', unread: false, q: '' };
  assert.equal(filtersActive(none), false);
  assert.equal(filtersActive({ ...none, unread: true }), true);
  assert.equal(sessionMatches(asha, none), true);
  assert.equal(sessionMatches(asha, { ...none, platform: 'bluesky' }), false);
  assert.equal(sessionMatches(asha, { ...none, unread: true }), false);
  assert.equal(sessionMatches({ ...asha, unread_count: '3' }, { ...none, unread: true }), true);
  assert.equal(sessionMatches(asha, { ...none, q: 'CEMENT' }), true);
  assert.equal(sessionMatches(asha, { ...none, q: '981' }), true);
  assert.equal(sessionMatches(asha, { ...none, q: 'bricks' }), false);
  assert.equal(sessionMatches({ is_owner: true }, { ...none, q: 'assistant' }), true);
});

test('a row is redrawn when what it shows changes, not for other fields', () => {
  const base = s('a', 't', { unread_count: 1, contact: { name: 'Asha' } });
  assert.equal(rowKey(base), rowKey({ ...base, channel_id: 'other', created_at: 'x' }));
  assert.notEqual(rowKey(base), rowKey({ ...base, unread_count: 2 }));
  assert.notEqual(rowKey(base), rowKey({ ...base, assignee: { name: 'Ravi' } }));
});

test('only http(s) media links are drawn as links', () => {
  assert.equal(safeUrl('https://cdn.example/a.jpg', 'http://localhost/'), 'https://cdn.example/a.jpg');
  assert.equal(safeUrl('/media/1', 'http://localhost:8080/#/inbox'), 'http://localhost:8080/media/1');
  assert.equal(safeUrl('javascript:alert(1)', 'http://localhost/'), null);
  assert.equal(safeUrl('data:text/html,hi', 'http://localhost/'), null);
  assert.equal(safeUrl('http://[bad', undefined), null);
});

test('voice notes are told by their media type, parameters aside', () => {
  assert.equal(isAudio('audio/ogg'), true);
  assert.equal(isAudio('audio/ogg; codecs=opus'), true);
  assert.equal(isAudio('AUDIO/MPEG'), true);
  assert.equal(isAudio('audio/'), false);
  assert.equal(isAudio('image/jpeg'), false);
  assert.equal(isAudio('text/html; x=audio/ogg'), false);
  assert.equal(isAudio(null), false);
  assert.equal(isAudio(undefined), false);
});

test('phone numbers are told from handles', () => {
  assert.equal(looksLikePhone('+91 98123 45678'), true);
  assert.equal(looksLikePhone('022 2345-678'), true);
  assert.equal(looksLikePhone('(022) 2345-678'), false, 'it must start with + or a digit');
  assert.equal(looksLikePhone('@asha.bsky.social'), false);
  assert.equal(looksLikePhone('12345'), false);
});

test('a message copy never goes back from sent to queued at the same time', () => {
  const at = '2025-01-01T10:00:00Z';
  const later = '2025-01-01T10:00:01Z';
  assert.equal(isNewerMessage({ status: 'queued', updated_at: at }, { status: 'sent', updated_at: at }), false);
  assert.equal(isNewerMessage({ status: 'delivered', updated_at: at }, { status: 'sent', updated_at: at }), true);
  assert.equal(isNewerMessage({ status: 'sent', updated_at: at }, { status: 'sent', updated_at: at }), true);
  assert.equal(isNewerMessage({ status: 'queued', updated_at: later }, { status: 'read', updated_at: at }), true);
  assert.equal(isNewerMessage({ status: 'failed', updated_at: at }, { status: 'read', updated_at: later }), false);
});

test('WhatsApp reply window: closed after 24 hours or before the contact ever wrote', async () => {
  const { replyWindowClosed } = await import('../../Public/js/inbox/model.js');
  const until = '2026-11-19T11:06:40Z';
  const t = Date.parse(until);
  assert.equal(replyWindowClosed({ platform: 'whatsapp', reply_window_until: until }, t - 1), null);
  assert.equal(replyWindowClosed({ platform: 'whatsapp', reply_window_until: until }, t), 'expired');
  assert.equal(replyWindowClosed({ platform: 'whatsapp', reply_window_until: null }, t), 'never');
  assert.equal(replyWindowClosed({ platform: 'whatsapp', is_owner: true, reply_window_until: null }, t), null);
  assert.equal(replyWindowClosed({ platform: 'bluesky', reply_window_until: null }, t), null);
});

test('quick replies: "/" and a name prefix find saved answers; the name fills in', async () => {
  const { quickReplyMatches, fillQuickReply } = await import('../../Public/js/inbox/model.js');
  const replies = [{ name: 'rates', filled_text: 'Namaste {customer_name}, rates: …' }, { name: 'address', text: 'Shop 4' }, { name: 'रेट', text: 'दर' }];
  assert.equal(quickReplyMatches('hello', replies), null);
  assert.equal(quickReplyMatches('/rates now', replies), null);
  assert.deepEqual(quickReplyMatches('/', replies).map((r) => r.name), ['rates', 'address', 'रेट']);
  assert.deepEqual(quickReplyMatches('/RA', replies).map((r) => r.name), ['rates']);
  assert.deepEqual(quickReplyMatches('/रे', replies).map((r) => r.name), ['रेट']);
  assert.deepEqual(quickReplyMatches('/zz', replies), []);
  assert.equal(fillQuickReply(replies[0], 'Ramesh'), 'Namaste Ramesh, rates: …');
  assert.equal(fillQuickReply(replies[0], ''), 'Namaste ji, rates: …');
  assert.equal(fillQuickReply(replies[1], 'Ramesh'), 'Shop 4');
});
