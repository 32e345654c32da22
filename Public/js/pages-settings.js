// Settings: business profile, your account, staff, API tokens. Staff users see them read-only.
import { api } from './api.js';
import { href, path } from './routes.js';
import {
  h, pageHeader, card, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast, dataTable,
  emptyState, loadingState, errorState, badge, confirmDialog, secretBox, linkButton, fill, add,
} from './ui.js';
import { formatDateTime } from './format.js';
import { session, isOwner, timeZone } from './session.js';
import { STATE_CODES } from './states.js';
import { quickRepliesCard } from './settings-quick-replies.js';
import { t, tn, mark, LANGUAGES } from './i18n.js';

const BUSINESS_FIELDS = [
  { name: 'business_name', label: mark('Business name'), required: true },
  { name: 'owner_name', label: mark('Owner name'), required: true },
  { name: 'gstin', label: mark('GSTIN'), hint: mark('15 characters, e.g. 27AAPFU0939F1ZV (leave empty if not registered)'), attrs: { maxlength: 15, autocapitalize: 'characters' } },
  {
    name: 'gst_registration', label: mark('GST registration'), type: 'select', required: true,
    options: [
      { value: 'regular', label: mark('Regular: tax invoices with GST') },
      { value: 'composition', label: mark('Composition scheme: bills of supply, no GST charged') },
      { value: 'unregistered', label: mark('Not registered: bills of supply, no GST charged') },
    ],
  },
  {
    name: 'hsn_digits', label: mark('HSN codes on tax invoices'), type: 'select', number: true,
    hint: mark('The law asks for 4 digits up to ₹5 crore of yearly turnover and 6 above it.'),
    options: [
      { value: '', label: mark('Not required') },
      { value: '4', label: mark('At least 4 digits (turnover up to ₹5 crore)') },
      { value: '6', label: mark('At least 6 digits (turnover above ₹5 crore)') },
      { value: '8', label: mark('All 8 digits') },
    ],
  },
  { name: 'round_off', label: mark('Round invoice totals to the rupee'), type: 'checkbox', hint: mark('The difference is printed as a round-off line.') },
  { name: 'industry', label: mark('Industry'), hint: mark('e.g. Building materials, Kirana, Pharmacy') },
  { name: 'whatsapp_number', label: mark('WhatsApp number'), type: 'tel', hint: mark('Your mobile, e.g. 98765 43210 (+91 is added; numbers of other countries start with +).') },
  { name: 'preferred_language', label: mark('Language for WhatsApp replies'), type: 'select', choices: () => LANGUAGE_CHOICES,
    hint: mark('The assistant and the customer bot answer in it. Each person picks the language of this app with the switch in the menu.') },
  { name: 'state', label: mark('State (GST code)'), type: 'select', choices: () => stateChoices() },
  { name: 'timezone', label: mark('Time zone'), type: 'select', choices: () => timezoneChoices() },
  { name: 'currency', label: mark('Currency'), type: 'select', choices: () => CURRENCIES.map(([value, label]) => ({ value, label: t(label) })) },
  { name: 'upi_id', label: mark('UPI ID'), hint: mark('e.g. patelstores@okhdfcbank — invoices then carry a UPI payment QR code') },
  { name: 'address', label: mark('Address'), type: 'textarea', className: 'span-2' },
];

// The languages WhatsApp replies can be in, by their own names.
const LANGUAGE_CHOICES = [
  ['en', 'English'], ['hi', 'हिंदी (Hindi)'], ['mr', 'मराठी (Marathi)'], ['gu', 'ગુજરાતી (Gujarati)'], ['pa', 'ਪੰਜਾਬੀ (Punjabi)'],
  ['bn', 'বাংলা (Bengali)'], ['ta', 'தமிழ் (Tamil)'], ['te', 'తెలుగు (Telugu)'], ['kn', 'ಕನ್ನಡ (Kannada)'], ['ml', 'മലയാളം (Malayalam)'],
  ['or', 'ଓଡ଼ିଆ (Odia)'], ['ur', 'اردو (Urdu)'], ['as', 'অসমীয়া (Assamese)'],
].map(([value, label]) => ({ value, label }));

const CURRENCIES = [
  ['INR', mark('₹ INR, Indian rupee')], ['NPR', mark('NPR, Nepalese rupee')], ['BDT', mark('BDT, Bangladeshi taka')],
  ['LKR', mark('LKR, Sri Lankan rupee')], ['AED', mark('AED, UAE dirham')], ['USD', mark('USD, US dollar')],
  ['GBP', mark('GBP, pound sterling')], ['EUR', mark('EUR, euro')], ['SGD', mark('SGD, Singapore dollar')],
];

/** "Maharashtra (27)", by name; empty for a business that has not said. */
function stateChoices() {
  return [{ value: '', label: t('Not set') },
    ...Object.entries(STATE_CODES).sort(([a], [b]) => a.localeCompare(b)).map(([name, code]) => ({ value: name, label: `${name} (${code})` }))];
}

/** India first, then its neighbours and the Gulf, then every zone the browser knows. */
function timezoneChoices() {
  const first = [['Asia/Kolkata', t('India (IST, UTC+5:30)')], ['Asia/Kathmandu', t('Nepal (UTC+5:45)')], ['Asia/Dhaka', t('Bangladesh (UTC+6)')],
    ['Asia/Dubai', t('UAE (UTC+4)')]];
  const seen = new Set(first.map(([v]) => v));
  return [...first.map(([value, label]) => ({ value, label })),
    ...timezones().filter((z) => !seen.has(z)).map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))];
}

function timezones() {
  try {
    if (typeof Intl.supportedValuesOf === 'function') return Intl.supportedValuesOf('timeZone');
  } catch {
    // ignore
  }
  return ['Asia/Kolkata', 'Asia/Dubai', 'Asia/Kathmandu', 'Asia/Dhaka', 'Asia/Singapore', 'Europe/London', 'UTC'];
}

export function settingsPage(ctx) {
  const owner = isOwner();
  add(ctx.root, 
    pageHeader(t('Settings')),
    owner ? null : h('div', { class: 'alert alert-info', role: 'status', testid: 'settings-staff-note' },
      t('You are signed in as staff. Only the owner can change the business profile, staff and API tokens.')),
    businessSection(owner),
    accountSection(),
    staffSection(owner),
    quickRepliesCard(),
    tokensSection(owner),
  );
}

function businessSection(owner) {
  const out = h('div', {}, loadingState());
  const section = card(t('Business profile'), out);
  section.setAttribute('data-testid', 'settings-business');

  const draw = (b) => {
    const alert = formAlert('business-form-error');
    const controls = BUSINESS_FIELDS.map((f) => {
      let options = f.options ? f.options.map((o) => ({ value: o.value, label: t(o.label) })) : f.choices ? f.choices() : null;
      // A stored value the list lacks (set through the API) stays choosable.
      if (options && b[f.name] && !options.some((o) => String(o.value) === String(b[f.name]))) options = [{ value: b[f.name], label: String(b[f.name]) }, ...options];
      return field({
        label: t(f.label), name: f.name, type: f.type || 'text', required: !!f.required, value: b[f.name] ?? (options ? options[0].value : ''), options,
        testid: `business-${f.name.replace(/_/g, '-')}`, hint: f.hint ? t(f.hint) : null, className: f.className || '',
        attrs: { ...(f.attrs || {}), ...(options || f.type === 'checkbox' ? { disabled: !owner } : { readonly: !owner }), autocomplete: 'off' },
      });
    });
    const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'business-save', hidden: !owner }, t('Save profile'));
    const form = h('form', { class: 'form-grid', testid: 'business-form', novalidate: true },
      controls,
      alert.el,
      h('div', { class: 'form-actions span-2' }, save));
    onSubmit(form, async () => {
      if (!owner) return;
      alert.clear();
      clearFieldErrors(form);
      const patch = {};
      for (const f of BUSINESS_FIELDS) {
        if (f.type === 'checkbox') {
          const on = form.elements.namedItem(f.name).checked;
          if (on !== Boolean(b[f.name])) patch[f.name] = on;
          continue;
        }
        let v = form.elements.namedItem(f.name).value.trim();
        if (f.name === 'gstin') v = v.toUpperCase();
        const before = b[f.name] ?? '';
        if (v !== String(before)) patch[f.name] = v === '' && !f.required ? null : (f.number ? Number(v) : v);
      }
      if (!Object.keys(patch).length) {
        toast(t('Nothing changed.'), 'info');
        return;
      }
      try {
        const updated = await api.patch(path('businessUpdate'), patch);
        session.business = { ...session.business, ...(updated || patch) };
        window.dispatchEvent(new CustomEvent('munim:session-changed'));
        toast(t('Business profile saved.'), 'success');
        draw(session.business);
      } catch (e) {
        showFormError(form, alert, e);
      }
    });
    fill(out, owner ? null : h('p', { class: 'muted' }, t('Only the owner can edit the business profile.')), form);
  };

  const load = async () => {
    fill(out, loadingState());
    try {
      draw(await api.get(path('business')));
    } catch (e) {
      if (session.business) draw(session.business);
      else fill(out, errorState(e, load));
    }
  };
  load();
  return section;
}

function accountSection() {
  const u = session.user || {};
  return card(t('Your account'),
    h('dl', { class: 'meta' },
      h('dt', {}, t('Name')), h('dd', {}, u.name || '—'),
      h('dt', {}, t('Email')), h('dd', { testid: 'account-email' }, u.email || '—'),
      h('dt', {}, t('Role')), h('dd', {}, u.role === 'owner' ? t('Owner') : t('Staff'))),
    h('p', {}, linkButton('#/password', t('Change password'), { kind: 'secondary', testid: 'change-password-link' })));
}

function staffSection(owner) {
  const listOut = h('div', {}, loadingState());
  const reveal = h('div', { testid: 'staff-secret' });

  const load = async () => {
    fill(listOut, loadingState());
    try {
      const page = await api.get(path('staff'));
      const items = page.items || [];
      if (!items.length) {
        fill(listOut, emptyState(t('No staff yet. Add someone who helps you run the shop.')));
        return;
      }
      fill(listOut, dataTable({
        testid: 'staff-table',
        rowTestid: 'staff-row',
        caption: t('Staff'),
        items,
        columns: [
          { label: t('Name'), render: (m) => m.name || '—' },
          { label: t('Email'), render: (m) => m.email },
          { label: t('Role'), render: (m) => (m.role === 'owner' ? badge(t('Owner'), 'info') : t('Staff')) },
          { label: t('Status'), render: (m) => (m.must_change_password ? badge(t('Awaiting first login'), 'warn') : t('Active')) },
          { label: t('Added'), className: 'hide-sm', render: (m) => formatDateTime(m.created_at, timeZone()) },
          {
            label: t('Actions'),
            className: 'actions',
            render: (m) => {
              if (!owner || m.role === 'owner' || m.id === session.user?.id) return '';
              const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'staff-remove' }, t('Remove'));
              remove.addEventListener('click', async () => {
                const done = await confirmDialog({
                  title: t('Remove {name}?', { name: m.name || m.email }),
                  message: t('They are logged out and can no longer sign in. Their past entries stay in the books.'),
                  confirmText: t('Remove'),
                  danger: true,
                  action: async () => {
                    await api.del(path('staffRemove', m.id));
                    return { removed: true };
                  },
                });
                if (done) {
                  toast(t('{name} was removed.', { name: m.name || m.email }), 'success');
                  load();
                }
              });
              return remove;
            },
          },
        ],
      }));
    } catch (e) {
      if (e.status === 403) fill(listOut, h('p', { class: 'muted' }, t('Only the owner can see the staff list.')));
      else fill(listOut, errorState(e, load));
    }
  };

  let addForm = null;
  if (owner) {
    const alert = formAlert('staff-form-error');
    const name = field({ label: t('Name'), name: 'name', required: true, testid: 'staff-name', attrs: { maxlength: 200, autocomplete: 'off' } });
    const email = field({ label: t('Email'), name: 'email', type: 'email', required: true, testid: 'staff-email', attrs: { autocomplete: 'off' } });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'staff-submit' }, t('Add staff member'));
    addForm = h('form', { class: 'form-grid', testid: 'staff-form', novalidate: true }, name, email, alert.el, h('div', { class: 'form-actions span-2' }, submit));
    onSubmit(addForm, async () => {
      alert.clear();
      clearFieldErrors(addForm);
      const body = { name: name.control.value.trim(), email: email.control.value.trim() };
      const problems = {};
      if (!body.name) problems.name = t('is required');
      if (!body.email) problems.email = t('is required');
      if (Object.keys(problems).length) {
        showFormError(addForm, alert, { status: 422, fields: problems, message: t('Please fill in the highlighted fields.') });
        return;
      }
      try {
        const res = await api.create(path('staffAdd'), body);
        addForm.reset();
        const who = res.member?.name || body.name;
        fill(reveal, secretBox(t('One-time password for {name} ({email}). They choose their own password when they first log in.', { name: who, email: res.member?.email || body.email }), res.one_time_password, 'staff-one-time-password'));
        toast(t('{name} was added.', { name: who }), 'success');
        load();
      } catch (e) {
        showFormError(addForm, alert, e);
      }
    });
  }

  load();
  const section = card(t('Staff'),
    owner ? h('p', { class: 'muted' }, t('Staff can record sales and payments. They cannot change settings, staff or API tokens.'))
      : h('p', { class: 'muted', testid: 'staff-owner-only' }, t('Only the owner can add or remove staff.')),
    listOut,
    owner ? h('h3', { class: 'subhead' }, t('Add a staff member')) : null,
    reveal,
    addForm);
  section.setAttribute('data-testid', 'settings-staff');
  return section;
}

function tokensSection(owner) {
  if (!owner) {
    return card(t('API tokens'), h('p', { class: 'muted', testid: 'tokens-owner-only' }, t('Only the owner can create and revoke API tokens.')));
  }
  const listOut = h('div', {}, loadingState());
  const reveal = h('div', { testid: 'token-secret' });

  const load = async () => {
    fill(listOut, loadingState());
    try {
      const page = await api.get(path('tokens'));
      const items = page.items || [];
      if (!items.length) {
        fill(listOut, emptyState(t('No API tokens. Create one to connect a program or script.')));
        return;
      }
      fill(listOut, dataTable({
        testid: 'tokens-table',
        rowTestid: 'token-row',
        caption: t('API tokens'),
        items,
        columns: [
          { label: t('Name'), render: (tok) => tok.name },
          { label: t('Token'), render: (tok) => h('code', {}, `${tok.prefix || ''}…`) },
          { label: t('Created'), className: 'hide-sm', render: (tok) => formatDateTime(tok.created_at, timeZone()) },
          { label: t('Last used'), render: (tok) => (tok.last_used_at ? formatDateTime(tok.last_used_at, timeZone()) : t('Never')) },
          {
            label: t('Actions'),
            className: 'actions',
            render: (tok) => {
              const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'token-revoke' }, t('Revoke'));
              revoke.addEventListener('click', async () => {
                const done = await confirmDialog({
                  title: t('Revoke “{name}”?', { name: tok.name }),
                  message: t('Programs using this token stop working immediately.'),
                  confirmText: t('Revoke'),
                  danger: true,
                  action: async () => {
                    await api.del(path('tokenRevoke', tok.id));
                    return { revoked: true };
                  },
                });
                if (done) {
                  toast(t('Token “{name}” revoked.', { name: tok.name }), 'success');
                  load();
                }
              });
              return revoke;
            },
          },
        ],
      }));
    } catch (e) {
      fill(listOut, errorState(e, load));
    }
  };

  const alert = formAlert('token-form-error');
  const name = field({ label: t('Token name'), name: 'name', required: true, testid: 'token-name', hint: t('What will use it, e.g. “Tally sync”.'), attrs: { maxlength: 100, autocomplete: 'off' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'token-submit' }, t('Create token'));
  const form = h('form', { class: 'form-grid', testid: 'token-form', novalidate: true }, name, alert.el, h('div', { class: 'form-actions span-2' }, submit));
  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { name: name.control.value.trim() };
    if (!body.name) {
      showFormError(form, alert, { status: 422, fields: { name: 'is required' }, message: t('Give the token a name.') });
      return;
    }
    try {
      const res = await api.create(path('tokenCreate'), body);
      form.reset();
      fill(reveal, secretBox(t('API token “{name}”. Send it as: Authorization: Bearer <token>', { name: res.name }), res.token, 'api-token'));
      toast(t('Token created.'), 'success');
      load();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  load();
  const section = card(t('API tokens'),
    h('p', { class: 'muted' }, t('Tokens let programs use the API. '), h('a', { href: href('docs'), testid: 'api-docs-link' }, t('Read the API docs')), '.'),
    listOut,
    h('h3', { class: 'subhead' }, t('Create a token')),
    reveal,
    form);
  section.setAttribute('data-testid', 'settings-tokens');
  return section;
}
