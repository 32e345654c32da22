// Integrations → WhatsApp templates (issue 18 §3; docs/messaging-api.md "WhatsApp templates").
// WhatsApp delivers typed text only within 24 hours of the customer's last message; reminders and
// invoices sent later go as a template WhatsApp approved. The owner submits Munim's recommended
// texts in Twilio, then registers each approved template here (or picks it from the Twilio
// account's list, which also refreshes approval status). Staff see the list read-only.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, field, formAlert, showFormError, clearFieldErrors, toast, loadingState, errorState, emptyState, badge,
  confirmDialog, fill, busy,
} from './ui.js';
import { isOwner } from './session.js';
import { copyRow } from './shared/copy.js';
import {
  VALUE_LABELS, PURPOSE_LABELS, LANGUAGE_LABELS, statusBadge, proposedMapping, describeMapping, isContentSid, placeholdersIn,
} from './shared/wa-templates.js';
import { t, tn } from './i18n.js';

const purposeLabel = (p) => (PURPOSE_LABELS[p] ? t(PURPOSE_LABELS[p]) : String(p).replace(/_/g, ' '));
const languageLabel = (l) => LANGUAGE_LABELS[l] || l;

export function templatesSection() {
  const owner = isOwner();
  let purposes = [];
  let templates = [];

  const listEl = h('div', { class: 'template-list', testid: 'templates-list' }, loadingState(t('Loading templates…')));
  const twilioEl = h('div', { class: 'template-twilio', testid: 'templates-twilio', hidden: true });
  const recommendedEl = h('div', { class: 'template-recommended', testid: 'templates-recommended' });

  /* ----- the add form ----- */

  const purposeField = field({ label: t('Used for'), name: 'purpose', type: 'select', testid: 'template-purpose', options: [] });
  const sidField = field({
    label: t('Content SID'), name: 'content_sid', required: true, testid: 'template-sid',
    hint: t('HX followed by 32 characters: Twilio Console → Messaging → Content Template Builder.'),
    attrs: { autocomplete: 'off', spellcheck: 'false', maxlength: 34, placeholder: t('HX…') },
  });
  const languageField = field({
    label: t('Language'), name: 'language', type: 'select', testid: 'template-language',
    options: [{ value: 'en', label: t('English') }, { value: 'hi', label: t('हिन्दी (Hindi)') }],
  });
  const bodyField = field({
    label: t('Template text'), name: 'body', type: 'textarea', testid: 'template-body',
    hint: t('As approved, with its {{1}}, {{2}} … placeholders. The inbox shows it filled in.'), attrs: { rows: 3, maxlength: 1600 },
  });
  const mappingBox = h('fieldset', { class: 'plain stack template-mapping', testid: 'template-mapping' });
  const alert = formAlert('template-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'template-submit' }, t('Add template'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'template-cancel' }, t('Cancel'));
  const form = h('form', { class: 'stack', testid: 'template-form', novalidate: true, autocomplete: 'off', hidden: true },
    purposeField, sidField, languageField, bodyField, mappingBox, alert.el, h('div', { class: 'form-actions' }, cancel, submit));
  const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'template-add', hidden: !owner }, t('Add a template'));
  const checkBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'templates-check', hidden: !owner },
    t('Check approval in Twilio'));

  let mapping = {};
  function drawMapping() {
    const p = purposes.find((x) => x.purpose === purposeField.control.value);
    const numbers = Object.keys(mapping).map(Number).sort((a, b) => a - b);
    const rows = numbers.map((n) => {
      const select = h('select', { name: `variables.${n}`, testid: `template-var-${n}`, 'aria-label': t('Value for {placeholder}', { placeholder: `{{${n}}}` }) },
        (p ? p.variables : []).map((v) => h('option', { value: v, selected: mapping[String(n)] === v }, VALUE_LABELS[v] ? t(VALUE_LABELS[v]) : v)));
      select.addEventListener('change', () => { mapping[String(n)] = select.value; });
      return h('div', { class: 'template-var' }, h('code', {}, `{{${n}}}`), select,
        h('p', { class: 'field-error', dataset: { errorFor: `variables.${n}` } }));
    });
    fill(mappingBox,
      h('legend', { class: 'label-like' }, t('What fills each placeholder')),
      rows.length ? rows : h('p', { class: 'muted' }, t('Type the template text above to map its placeholders.')),
      h('p', { class: 'field-error', dataset: { errorFor: 'variables' } }));
  }
  function propose() {
    mapping = proposedMapping(purposeField.control.value, languageField.control.value, bodyField.control.value, purposes);
    drawMapping();
  }
  purposeField.control.addEventListener('change', propose);
  languageField.control.addEventListener('change', propose);
  bodyField.control.addEventListener('input', () => {
    const used = placeholdersIn(bodyField.control.value);
    if (used.join(',') !== Object.keys(mapping).map(Number).sort((a, b) => a - b).join(',')) propose();
  });

  function openForm(prefill = {}) {
    form.hidden = false;
    addBtn.setAttribute('aria-expanded', 'true');
    if (prefill.purpose) purposeField.control.value = prefill.purpose;
    sidField.control.value = prefill.content_sid || '';
    languageField.control.value = prefill.language === 'hi' ? 'hi' : 'en';
    bodyField.control.value = prefill.body || '';
    alert.clear();
    clearFieldErrors(form);
    propose();
    form.scrollIntoView({ block: 'nearest' });
    (prefill.content_sid ? purposeField.control : sidField.control).focus();
  }
  function closeForm() {
    form.reset();
    form.hidden = true;
    addBtn.setAttribute('aria-expanded', 'false');
    addBtn.focus();
  }
  addBtn.addEventListener('click', () => openForm());
  cancel.addEventListener('click', closeForm);

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([submit], async () => {
      alert.clear();
      clearFieldErrors(form);
      const sid = sidField.control.value.trim();
      if (!isContentSid(sid)) {
        showFormError(form, alert, { status: 422, message: t('Please correct the highlighted field.'), fields: { content_sid: t('must be HX followed by 32 characters') } });
        return;
      }
      try {
        const created = await api.create(path('whatsappTemplateCreate'), {
          purpose: purposeField.control.value, content_sid: sid, language: languageField.control.value,
          body: bodyField.control.value.trim(), variables: mapping,
        });
        toast(t('{purpose} template added.', { purpose: purposeLabel(created.purpose) }), 'success');
        templates = templates.filter((x) => x.id !== created.id).concat([created]);
        drawList();
        closeForm();
      } catch (e) {
        showFormError(form, alert, e);
      }
    });
  });

  /* ----- the registered templates ----- */

  function templateRow(tpl) {
    const [label, kind] = statusBadge(tpl.status);
    const remove = owner ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'template-remove' }, t('Remove')) : null;
    if (remove) {
      remove.addEventListener('click', async () => {
        const ok = await confirmDialog({
          title: t('Remove this template?'),
          message: t('{purpose} messages in {language} will no longer reach customers who last wrote more than 24 hours ago.', { purpose: purposeLabel(tpl.purpose), language: languageLabel(tpl.language) }),
          confirmText: t('Remove'), danger: true,
          action: () => api.del(path('whatsappTemplateDelete', tpl.id)),
        });
        if (!ok) return;
        templates = templates.filter((x) => x.id !== tpl.id);
        drawList();
        toast(t('Template removed.'), 'success');
      });
    }
    return h('li', { class: 'template-row', testid: 'template-row' },
      h('div', { class: 'template-head' },
        h('strong', {}, purposeLabel(tpl.purpose)), ' ', h('span', { class: 'muted' }, languageLabel(tpl.language)), ' ',
        badge(t(label), kind, 'template-status')),
      tpl.body ? h('p', { class: 'template-body' }, tpl.body) : null,
      h('p', { class: 'muted template-meta' }, h('code', {}, tpl.content_sid), Object.keys(tpl.variables || {}).length ? ` · ${describeMapping(tpl.variables)}` : ''),
      tpl.status === 'approved' ? null
        : h('p', { class: 'field-hint' }, t('Munim uses only approved templates. After WhatsApp approves it, press “Check approval in Twilio”.')),
      remove);
  }

  function drawList() {
    drawTwilio();
    if (!templates.length) {
      fill(listEl, emptyState(owner
        ? t('No templates yet. Until you add approved ones, reminders and invoices reach only customers who wrote in the last 24 hours.')
        : t('No templates yet. The owner adds them here.')));
      return;
    }
    const order = purposes.map((p) => p.purpose);
    const sorted = [...templates].sort((a, b) => (order.indexOf(a.purpose) - order.indexOf(b.purpose)) || a.language.localeCompare(b.language));
    fill(listEl, h('ul', { class: 'plain-list stack' }, sorted.map(templateRow)));
  }

  /* ----- Twilio's list ----- */

  let twilioItems = null; // the last list Twilio gave, drawn again when templates change

  function drawTwilio() {
    if (!twilioItems) return;
    const registered = new Set(templates.map((x) => x.content_sid));
    fill(twilioEl,
      h('h3', { class: 'subhead' }, t('In your Twilio account')),
      twilioItems.length
        ? h('ul', { class: 'plain-list stack' }, twilioItems.map((it) => {
          const [label, kind] = statusBadge(it.status);
          const use = owner && !registered.has(it.content_sid)
            ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'twilio-template-use' }, t('Use this template')) : null;
          if (use) use.addEventListener('click', () => openForm({ content_sid: it.content_sid, language: it.language, body: it.body }));
          return h('li', { class: 'template-row', testid: 'twilio-template' },
            h('div', { class: 'template-head' }, h('strong', {}, it.name), ' ', it.language ? h('span', { class: 'muted' }, languageLabel(it.language)) : null, ' ',
              badge(t(label), kind)),
            it.body ? h('p', { class: 'template-body' }, it.body) : null,
            it.rejection_reason ? h('p', { class: 'field-error' }, t('WhatsApp said: {reason}', { reason: it.rejection_reason })) : null,
            h('p', { class: 'muted template-meta' }, h('code', {}, it.content_sid), registered.has(it.content_sid) ? ` · ${t('added here')}` : ''),
            use);
        }))
        : emptyState(t('Your Twilio account has no content templates yet. Create one from a recommended text below.')));
  }

  checkBtn.addEventListener('click', () => busy([checkBtn], async () => {
    twilioEl.hidden = false;
    fill(twilioEl, loadingState(t('Asking Twilio…')));
    try {
      const res = await api.get(path('whatsappTemplatesTwilio'));
      twilioItems = (res && res.items) || [];
      await loadTemplates(); // statuses Twilio reported are now stored
    } catch (e) {
      twilioItems = null;
      fill(twilioEl, errorState(errorMessage(e)));
    }
  }));

  /* ----- recommended texts ----- */

  function drawRecommended() {
    fill(recommendedEl,
      h('h3', { class: 'subhead' }, t('Texts to submit for approval')),
      h('p', { class: 'muted' }, t('In Twilio: Messaging → Content Template Builder → Create new, type “Text”, category “Utility”. Paste a text, submit it for WhatsApp approval, then add it here with its SID.')),
      purposes.map((p) => h('details', { class: 'template-rec', testid: `recommended-${p.purpose}` },
        h('summary', {}, purposeLabel(p.purpose)),
        (p.recommended || []).map((r) => h('div', {},
          copyRow(`${languageLabel(r.language)} · ${describeMapping(r.variables)}`, r.body, `recommended-${p.purpose}-${r.language}`))))));
  }

  async function loadTemplates() {
    const res = await api.get(path('whatsappTemplates'));
    templates = (res && res.items) || [];
    drawList();
  }

  async function load() {
    fill(listEl, loadingState(t('Loading templates…')));
    try {
      const [p, t] = await Promise.all([api.get(path('whatsappTemplatePurposes')), api.get(path('whatsappTemplates'))]);
      purposes = (p && p.items) || [];
      templates = (t && t.items) || [];
      fill(purposeField.control, purposes.map((x) => h('option', { value: x.purpose }, purposeLabel(x.purpose))));
      drawRecommended();
      drawList();
    } catch (e) {
      fill(listEl, errorState(e, load));
    }
  }
  load();

  return h('section', { class: 'card templates', 'aria-labelledby': 'templates-title', testid: 'templates-card' },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'templates-title' }, t('WhatsApp templates')),
      h('div', { class: 'btn-row' }, checkBtn, addBtn)),
    h('p', { class: 'muted' },
      t('WhatsApp delivers a typed message only within 24 hours of the customer’s last message. Reminders and invoices sent later go as a template WhatsApp has approved; without one they are not sent, and the inbox says why.')),
    form, listEl, twilioEl, recommendedEl);
}
