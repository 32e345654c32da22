// Messaging platforms and delivery states, shared by the inbox and the integrations page.
import { h } from '../ui.js';

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

/** The delivery tick of an outgoing message: ◷ queued, ✓ sent, ✓✓ delivered, ✓✓ (blue) read, ⚠ failed. */
export function statusTick(status) {
  const st = MESSAGE_STATUS[status] || { glyph: '•', label: status || 'Unknown' };
  return h('span', {
    class: `msg-status msg-status-${status || 'unknown'}`, testid: 'message-status', dataset: { status: status || '' }, title: st.label,
  }, h('span', { 'aria-hidden': 'true' }, st.glyph), h('span', { class: 'visually-hidden' }, st.label));
}
