// Inline errors shared by the simulator dialog and the reply composer.
import { h, fill } from '../ui.js';

/** An inline error with an optional link (e.g. to Settings). */
export function errorBox(testid) {
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

export function settingsLink(testid) {
  return h('a', { href: '#/settings', testid }, 'Open Settings to add your WhatsApp number →');
}
