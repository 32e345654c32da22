// Messaging platforms and delivery states, shared by the inbox and the integrations page.
import { h } from '../ui.js';
import { t, tn } from '../i18n.js';

export const PLATFORMS = {
  whatsapp: { get label() { return t('WhatsApp'); }, short: 'WA' },
  bluesky: { get label() { return t('Bluesky'); }, short: 'BS' },
  mastodon: { get label() { return t('Mastodon / Pixelfed'); }, short: 'MA' },
  instagram: { get label() { return t('Instagram'); }, short: 'IG' },
  simulator: { get label() { return t('Simulator'); }, short: 'SIM' },
};

export const platformLabel = (p) => (PLATFORMS[p] && PLATFORMS[p].label) || (p ? String(p) : t('Channel'));

/** A small coloured tile with the platform's initials; the label is given next to it in text. */
export function platformIcon(platform, extraClass = '') {
  const known = PLATFORMS[platform];
  return h('span', {
    class: `platform-icon platform-${known ? platform : 'other'} ${extraClass}`,
    'aria-hidden': 'true',
    title: platformLabel(platform),
  }, known ? known.short : '?');
}

export const MESSAGE_STATUS = {
  received: { glyph: '', get label() { return t('Received'); } },
  queued: { glyph: '◷', get label() { return t('Queued'); } },
  sending: { glyph: '◷', get label() { return t('Sending'); } },
  sent: { glyph: '✓', get label() { return t('Sent'); } },
  delivered: { glyph: '✓✓', get label() { return t('Delivered'); } },
  read: { glyph: '✓✓', get label() { return t('Read'); } },
  failed: { glyph: '⚠', get label() { return t('Failed'); } },
  undelivered: { glyph: '⚠', get label() { return t('Not delivered'); } },
};

/** The delivery tick of an outgoing message: ◷ queued, ✓ sent, ✓✓ delivered, ✓✓ (blue) read, ⚠ failed. */
export function statusTick(status) {
  const st = MESSAGE_STATUS[status] || { glyph: '•', label: status || t('Unknown') };
  return h('span', {
    class: `msg-status msg-status-${status || 'unknown'}`, testid: 'message-status', dataset: { status: status || '' }, title: st.label,
  }, h('span', { 'aria-hidden': 'true' }, st.glyph), h('span', { class: 'visually-hidden' }, st.label));
}
