// A labelled value with a Copy button (webhook URLs on Integrations and in the workflow builder).
import { h, toast } from '../ui.js';
import { t } from '../i18n.js';

/** Copies text; falls back to selecting it so Ctrl+C works. */
async function copyFrom(node, text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      toast(t('Copied to the clipboard.'), 'success');
      return;
    }
  } catch {
    // fall back below
  }
  const range = document.createRange();
  range.selectNodeContents(node);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  toast(ok ? t('Copied to the clipboard.') : t('The text is selected: press Ctrl+C (or ⌘C) to copy it.'), ok ? 'success' : 'info');
}

export function copyRow(label, value, testid) {
  const code = h('code', { class: 'copy-value', testid }, value);
  const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: `${testid}-copy`, 'aria-label': t('Copy {what}', { what: label }) }, t('Copy'));
  btn.addEventListener('click', () => copyFrom(code, value));
  return h('div', { class: 'copy-row' }, h('p', { class: 'copy-label' }, label), h('div', { class: 'copy-line' }, code, btn));
}
