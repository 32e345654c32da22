// Settings → Quick replies (issue 18 §5): saved answers the inbox inserts when you type / and a
// name. {customer_name}, {business_name} and {price_list} are filled in when one is used.
import { api } from './api.js';
import { path } from './routes.js';
import {
  h, field, formAlert, showFormError, clearFieldErrors, toast, loadingState, errorState, emptyState, confirmDialog, fill, onSubmit,
} from './ui.js';
import { t, tn } from './i18n.js';

export function quickRepliesCard() {
  let replies = [];
  const listEl = h('div', { testid: 'quick-replies-list' }, loadingState(t('Loading quick replies…')));
  const name = field({
    label: t('Name'), name: 'name', required: true, testid: 'quick-reply-name',
    hint: t('Typed after / in the inbox, e.g. rates or address.'), attrs: { maxlength: 30, autocomplete: 'off', spellcheck: 'false' },
  });
  const text = field({
    label: t('Text'), name: 'text', type: 'textarea', required: true, testid: 'quick-reply-text',
    hint: t('You can use {customer_name}, {business_name} and {price_list} (your products with prices).'), attrs: { rows: 3, maxlength: 1600 },
  });
  const media = field({
    label: t('Image link (optional)'), name: 'media_url', type: 'url', testid: 'quick-reply-media',
    hint: t('An https link to a photo or price-list image, sent with the text.'), attrs: { maxlength: 1000, placeholder: t('https://…') },
  });
  const alert = formAlert('quick-reply-error');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'quick-reply-save' }, t('Save quick reply'));
  const form = h('form', { class: 'stack', testid: 'quick-reply-form', novalidate: true }, name, text, media, alert.el,
    h('div', { class: 'form-actions' }, save));

  function draw() {
    if (!replies.length) {
      fill(listEl, emptyState(t('No quick replies yet. Save the answers you type most — rates, address, UPI ID — and insert them in the inbox with /.')));
      return;
    }
    fill(listEl, h('ul', { class: 'plain-list stack' }, replies.map((r) => {
      const remove = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'quick-reply-remove', 'aria-label': t('Remove /{name}', { name: r.name }) }, t('Remove'));
      remove.addEventListener('click', async () => {
        const ok = await confirmDialog({ title: t('Remove /{name}?', { name: r.name }), message: t('It will no longer be offered in the inbox.'), confirmText: t('Remove'), danger: true,
          action: () => api.del(path('quickReplyDelete', r.id)) });
        if (!ok) return;
        replies = replies.filter((x) => x.id !== r.id);
        draw();
        toast(`/${r.name} removed.`, 'success');
      });
      return h('li', { class: 'template-row', testid: 'quick-reply-row' },
        h('div', { class: 'template-head' }, h('strong', {}, `/${r.name}`), r.media_url ? h('span', { class: 'muted' }, t(' · with an image')) : null),
        h('p', { class: 'template-body' }, r.text),
        remove);
    })));
  }

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { name: name.control.value.trim().replace(/^\//, ''), text: text.control.value.trim() };
    if (media.control.value.trim()) body.media_url = media.control.value.trim();
    const missing = {};
    if (!body.name) missing.name = t('is required');
    if (!body.text) missing.text = t('is required');
    if (Object.keys(missing).length) {
      showFormError(form, alert, { status: 422, fields: missing, message: t('Please fill in the highlighted fields.') });
      return;
    }
    try {
      const created = await api.create(path('quickReplyCreate'), body);
      replies = [...replies, created].sort((a, b) => a.name.localeCompare(b.name));
      form.reset();
      draw();
      toast(t('/{name} saved. Type /{name} in the inbox to use it.', { name: created.name }), 'success');
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  async function load() {
    try {
      const res = await api.get(path('quickReplies'));
      replies = (res && res.items) || [];
      draw();
    } catch (e) {
      fill(listEl, errorState(e, load));
    }
  }
  load();

  return h('section', { class: 'card', testid: 'quick-replies-card', 'aria-labelledby': 'quick-replies-title' },
    h('h2', { class: 'card-title', id: 'quick-replies-title' }, t('Quick replies')),
    h('p', { class: 'muted' }, t('Saved answers for the inbox: type / and the name in a reply to insert one.')),
    listEl, form);
}
