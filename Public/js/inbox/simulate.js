// "New simulated conversation": the simulator speaks like WhatsApp without a provider account.
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { h, busy, navigate, openDialog, field, setFieldErrors, clearFieldErrors } from '../ui.js';
import { normalisePhone } from '../format.js';
import { session as currentSession } from '../session.js';
import { looksLikePhone } from './model.js';
import { errorBox, settingsLink } from './alerts.js';
import { t, tn } from '../i18n.js';

/** "New simulated conversation": type as a customer, or as the owner's own WhatsApp number. */
export function simulateDialog() {
  const asOwner = field({
    label: t('As my own WhatsApp number'), name: 'as_owner', type: 'checkbox', testid: 'sim-as-owner', className: 'field-wrap',
    hint: t('Talk to the assistant the way you would from your phone (uses the WhatsApp number in Settings).'),
  });
  const from = field({
    label: t('From (phone number or handle)'), name: 'from', required: true, testid: 'sim-from',
    hint: t('Any phone number or handle, e.g. +919812345678 or @asha.bsky.social'),
    attrs: { autocomplete: 'off', maxlength: 200, placeholder: '+919812345678' },
  });
  const name = field({
    label: t('Display name'), name: 'name', testid: 'sim-name', hint: t('Optional, e.g. Asha'),
    attrs: { autocomplete: 'off', maxlength: 200 },
  });
  const text = field({
    label: t('Message'), name: 'text', type: 'textarea', required: true, testid: 'sim-text',
    attrs: { rows: 3, maxlength: 4000, placeholder: t('e.g. do you have cement?') },
  });
  const who = h('div', { class: 'stack' }, from, name);
  const err = errorBox('sim-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'sim-submit' }, t('Send message'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'sim-cancel' }, t('Cancel'));
  const form = h('form', { class: 'stack', testid: 'simulate-form', novalidate: true },
    h('p', { class: 'muted' }, t('The simulator behaves like WhatsApp without a provider account. Write as a customer; the bot, the assistant and your staff answer in the inbox.')),
    asOwner, who, text, err.el,
    h('div', { class: 'form-actions' }, cancel, submit));
  const { close } = openDialog({ title: t('New simulated conversation'), body: form, testid: 'simulate-dialog' });
  cancel.addEventListener('click', close);
  asOwner.control.addEventListener('change', () => {
    who.hidden = asOwner.control.checked;
  });
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && ev.target === text.control) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([submit], async () => {
      err.clear();
      clearFieldErrors(form);
      const owner = asOwner.control.checked;
      const rawFrom = from.control.value.trim();
      const body = { text: text.control.value.trim() };
      const missing = {};
      if (!owner && !rawFrom) missing.from = t('Please enter a phone number or handle.');
      if (!body.text) missing.text = t('Please write a message.');
      if (Object.keys(missing).length) {
        setFieldErrors(form, missing);
        return;
      }
      if (owner) {
        body.as_owner = true;
        // The server sends from the business's own number; `from` is only a placeholder here.
        body.from = currentSession.business?.whatsapp_number || 'owner';
      } else {
        body.from = looksLikePhone(rawFrom) ? normalisePhone(rawFrom) : rawFrom;
        const n = name.control.value.trim();
        if (n) body.name = n;
      }
      try {
        const res = await api.post(path('simulatorMessages'), body);
        close();
        if (res && res.session_id) navigate(`/inbox/${encodeURIComponent(res.session_id)}`);
      } catch (e) {
        const rest = e.status === 422 ? setFieldErrors(form, e.fields) : [];
        const ownerProblem = e.status === 422 && (owner || /whatsapp|owner|settings/i.test(`${e.code} ${e.message}`));
        err.show([errorMessage(e), ...rest].join(' '), ownerProblem ? settingsLink('sim-settings-link') : null);
      }
    });
  });
  from.control.focus();
}
