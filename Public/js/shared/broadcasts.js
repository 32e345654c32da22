// Broadcasts (issue 18 §5), from the customers list: one announcement to all customers, to those
// owing for more than N days, or to a tag — previewed (who gets it, who not and why, the message,
// the template WhatsApp charges for), sent once, then followed: the recent broadcasts with their
// delivery counts.
import { api, newIdempotencyKey, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { h, fill, field, openDialog, formAlert, onSubmit, showFormError, clearFieldErrors, debounce, toast, loadingState, errorState, badge } from '../ui.js';
import { formatDateTime } from '../format.js';
import { timeZone } from '../session.js';
import { t, tn, mark } from '../i18n.js';

/** Why a customer is left out, as the server says it, in the reader's language. */
const SKIP_REASONS = [{ key: 'no phone number', text: mark('no phone number') }, { key: 'sent STOP', text: mark('sent STOP') }];
export const skipText = (reason) => {
  const known = SKIP_REASONS.find((r) => r.key === reason);
  return known ? t(known.text) : reason;
};

/** "Asha (no phone number), Dev (sent STOP)". */
export const skippedList = (customers) => customers.filter((c) => c.skip).map((c) => `${c.name} (${skipText(c.skip)})`).join(', ');

const MAX_TEXT = 500;

/** The request body from the form's values (pure: tested in node). */
export function broadcastBody({ audience, days, tag, text }) {
  const body = { audience, text: String(text || '').trim() };
  if (audience === 'debtors') body.days = Math.max(0, Math.floor(Number(days) || 0));
  if (audience === 'tag') body.tag = String(tag || '').trim().toLowerCase();
  return body;
}

/** One line of delivery counts: "12 delivered · 3 sent · 1 failed · 2 skipped". */
export function countsText(c = {}) {
  const onTheirWay = (c.queued || 0) + (c.pending || 0);
  return [
    c.read ? tn(c.read, '{count} read', '{count} read') : null,
    c.delivered ? tn(c.delivered, '{count} delivered', '{count} delivered') : null,
    c.sent ? tn(c.sent, '{count} sent', '{count} sent') : null,
    onTheirWay ? tn(onTheirWay, '{count} on its way', '{count} on their way') : null,
    c.failed ? tn(c.failed, '{count} failed', '{count} failed') : null,
    c.skipped ? tn(c.skipped, '{count} skipped', '{count} skipped') : null,
  ].filter(Boolean).join(' · ') || t('Nothing sent yet');
}

/** Opens the broadcast dialog; `tags` are the tags the business's customers carry. */
export function broadcastDialog({ tags = [] } = {}) {
  const audience = field({
    label: t('Who gets it'), name: 'audience', type: 'select', testid: 'broadcast-audience', value: 'all',
    options: [
      { value: 'all', label: t('All customers with a phone number') },
      { value: 'debtors', label: t('Customers who owe, for more than some days') },
      ...(tags.length ? [{ value: 'tag', label: t('Customers with a tag') }] : []),
    ],
  });
  const days = field({ label: t('Owing for more than (days)'), name: 'days', type: 'number', value: '30', testid: 'broadcast-days',
    attrs: { min: 0, max: 3650, inputmode: 'numeric' } });
  const tag = field({ label: t('Tag'), name: 'tag', type: 'select', testid: 'broadcast-tag',
    options: tags.map((x) => ({ value: x, label: x })), value: tags[0] || '' });
  const text = field({
    label: t('Your message'), name: 'text', type: 'textarea', required: true, testid: 'broadcast-text',
    hint: t('News, an offer or new stock, in up to {max} characters. Munim adds the customer’s name, your shop’s name and how to stop these messages.', { max: MAX_TEXT }),
    attrs: { rows: 3, maxlength: MAX_TEXT, placeholder: t('e.g. Diwali offer: 5% off on cement till Sunday.') },
  });
  const preview = h('div', { class: 'stack broadcast-preview', testid: 'broadcast-preview', 'aria-live': 'polite' },
    h('p', { class: 'muted' }, t('Write the message to see who gets it.')));
  const alert = formAlert('broadcast-error');
  const send = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'broadcast-send', disabled: true }, t('Send broadcast'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Close'));
  const recent = h('div', { class: 'stack', testid: 'broadcast-recent' });
  const form = h('form', { class: 'stack', novalidate: true, testid: 'broadcast-form' },
    audience, days, tag, text, preview, alert.el, h('div', { class: 'form-actions' }, cancel, send),
    h('h3', {}, t('Recent broadcasts')), recent);
  const { close } = openDialog({ title: t('Send a broadcast'), body: form, testid: 'broadcast-dialog', wide: true });
  cancel.addEventListener('click', close);

  const values = () => broadcastBody({ audience: audience.control.value, days: days.control.value, tag: tag.control.value, text: text.control.value });
  const showFields = () => {
    days.hidden = audience.control.value !== 'debtors';
    tag.hidden = audience.control.value !== 'tag';
  };
  showFields();

  let asked = 0;
  let ready = null; // the body the shown preview is for
  let key = newIdempotencyKey(); // one per broadcast: a retried send is the same broadcast
  const refresh = async () => {
    const body = values();
    ready = null;
    send.disabled = true;
    if (!body.text) {
      fill(preview, h('p', { class: 'muted' }, t('Write the message to see who gets it.')));
      return;
    }
    const mine = ++asked;
    fill(preview, loadingState(t('Finding who gets it…')));
    try {
      const p = await api.post(path('broadcastPreview'), body);
      if (mine !== asked) return;
      const skipped = (p.customers || []).filter((c) => c.skip);
      const lines = [
        h('p', { testid: 'broadcast-count' }, p.count
          ? tn(p.count, '{count} customer will get it on {channel}.', '{count} customers will get it on {channel}.', { channel: p.channel || 'WhatsApp' })
          : t('Nobody in this choice can get it.')),
        skipped.length ? h('p', { class: 'muted', testid: 'broadcast-skipped' }, t('Left out: {list}.', { list: skippedList(skipped) })) : null,
        p.count ? h('blockquote', { class: 'broadcast-sample', testid: 'broadcast-sample' }, p.sample) : null,
        p.count && p.template_needed && !p.template ? h('p', { class: 'alert alert-warn', testid: 'broadcast-no-template' },
          t('You have no approved “announcement” template, so customers who have not written in the last 24 hours will not get it. Add one on Integrations → WhatsApp templates.')) : null,
        p.count && p.template ? h('p', { class: 'muted', testid: 'broadcast-template' },
          t('Customers who last wrote more than 24 hours ago get your approved template “{template}”, a message WhatsApp charges for.', { template: p.template })) : null,
      ];
      fill(preview, lines);
      if (p.count) {
        ready = JSON.stringify(body);
        send.disabled = false;
        send.textContent = tn(p.count, 'Send to {count} customer', 'Send to {count} customers');
      }
    } catch (e) {
      if (mine !== asked) return;
      fill(preview, e.status === 422 ? h('p', { class: 'alert alert-warn' }, errorMessage(e)) : errorState(e, refresh));
    }
  };
  const later = debounce(refresh, 400);
  audience.control.addEventListener('change', () => { showFields(); refresh(); });
  tag.control.addEventListener('change', refresh);
  days.control.addEventListener('input', later);
  text.control.addEventListener('input', () => {
    key = newIdempotencyKey();
    later();
  });

  const loadRecent = async () => {
    fill(recent, loadingState(t('Loading…')));
    try {
      const r = await api.get(path('broadcasts'));
      const items = r.items || [];
      fill(recent, items.length
        ? h('ul', { class: 'plain-list' }, items.slice(0, 5).map((b) => h('li', { testid: 'broadcast-item' },
          h('strong', {}, formatDateTime(b.created_at, timeZone())), ' · ',
          b.audience === 'tag' ? badge(b.tag || '', 'neutral') : (b.audience === 'debtors' ? t('Owing for more than {days} days', { days: b.days ?? 0 }) : t('All customers')),
          h('p', { class: 'muted' }, b.text),
          h('p', { testid: 'broadcast-counts' }, countsText(b.counts)))))
        : h('p', { class: 'muted' }, t('No broadcasts yet.')));
    } catch (e) {
      fill(recent, errorState(e, loadRecent));
    }
  };
  loadRecent();

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = values();
    if (ready !== JSON.stringify(body)) return refresh();
    try {
      const b = await api.post(path('broadcastCreate'), body, { idempotent: key });
      toast(tn(b.total - (b.counts?.skipped || 0), 'The broadcast is on its way to {count} customer.', 'The broadcast is on its way to {count} customers.'), 'success');
      key = newIdempotencyKey();
      text.control.value = '';
      await loadRecent();
      // After onSubmit gives the buttons back: the empty message leaves "Send" off again.
      setTimeout(refresh, 0);
    } catch (e) {
      showFormError(form, alert, e);
    }
  });
  text.control.focus();
}
