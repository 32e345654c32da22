// Settings: business profile, your account, staff, API tokens. Staff users see them read-only.
import { api } from './api.js';
import { href, path } from './routes.js';
import {
  h, pageHeader, card, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast, dataTable,
  emptyState, loadingState, errorState, badge, confirmDialog, secretBox, linkButton, fill, add,
} from './ui.js';
import { formatDateTime } from './format.js';
import { session, isOwner, timeZone } from './session.js';
import { INDIAN_STATES } from './states.js';
import { quickRepliesCard } from './settings-quick-replies.js';

const BUSINESS_FIELDS = [
  { name: 'business_name', label: 'Business name', required: true },
  { name: 'owner_name', label: 'Owner name', required: true },
  { name: 'gstin', label: 'GSTIN', hint: '15 characters, e.g. 27AAPFU0939F1ZV (leave empty if not registered)', attrs: { maxlength: 15, autocapitalize: 'characters' } },
  {
    name: 'gst_registration', label: 'GST registration', type: 'select', required: true,
    options: [
      { value: 'regular', label: 'Regular: tax invoices with GST' },
      { value: 'composition', label: 'Composition scheme: bills of supply, no GST charged' },
      { value: 'unregistered', label: 'Not registered: bills of supply, no GST charged' },
    ],
  },
  {
    name: 'hsn_digits', label: 'HSN codes on tax invoices', type: 'select', number: true,
    hint: 'The law asks for 4 digits up to ₹5 crore of yearly turnover and 6 above it.',
    options: [
      { value: '', label: 'Not required' },
      { value: '4', label: 'At least 4 digits (turnover up to ₹5 crore)' },
      { value: '6', label: 'At least 6 digits (turnover above ₹5 crore)' },
      { value: '8', label: 'All 8 digits' },
    ],
  },
  { name: 'round_off', label: 'Round invoice totals to the rupee', type: 'checkbox', hint: 'The difference is printed as a round-off line.' },
  { name: 'industry', label: 'Industry', hint: 'e.g. Building materials, Kirana, Pharmacy' },
  { name: 'whatsapp_number', label: 'WhatsApp number', type: 'tel', hint: 'Your mobile, e.g. 98765 43210 (+91 is added; numbers of other countries start with +).' },
  { name: 'preferred_language', label: 'Preferred language', list: 'languages', hint: 'Language code: en, hi, mr, ta, te, bn, gu, kn, ml, pa, or, ur or as' },
  { name: 'state', label: 'State', list: 'business-states' },
  { name: 'timezone', label: 'Timezone', list: 'timezones', hint: 'e.g. Asia/Kolkata' },
  { name: 'currency', label: 'Currency', attrs: { maxlength: 3, autocapitalize: 'characters' } },
  { name: 'upi_id', label: 'UPI ID', hint: 'e.g. patelstores@okhdfcbank — invoices then carry a UPI payment QR code' },
  { name: 'address', label: 'Address', type: 'textarea', className: 'span-2' },
];

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
    pageHeader('Settings'),
    owner ? null : h('div', { class: 'alert alert-info', role: 'status', testid: 'settings-staff-note' },
      'You are signed in as staff. Only the owner can change the business profile, staff and API tokens.'),
    businessSection(owner),
    accountSection(),
    staffSection(owner),
    quickRepliesCard(),
    tokensSection(owner),
  );
}

function businessSection(owner) {
  const out = h('div', {}, loadingState());
  const section = card('Business profile', out);
  section.setAttribute('data-testid', 'settings-business');

  const draw = (b) => {
    const alert = formAlert('business-form-error');
    const controls = BUSINESS_FIELDS.map((f) => field({
      label: f.label, name: f.name, type: f.type || 'text', required: !!f.required, value: b[f.name] ?? (f.options ? f.options[0].value : ''), options: f.options,
      testid: `business-${f.name.replace(/_/g, '-')}`, hint: f.hint, className: f.className || '',
      attrs: { ...(f.attrs || {}), ...(f.list ? { list: f.list } : {}), ...(f.options || f.type === 'checkbox' ? { disabled: !owner } : { readonly: !owner }), autocomplete: 'off' },
    }));
    const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'business-save', hidden: !owner }, 'Save profile');
    const form = h('form', { class: 'form-grid', testid: 'business-form', novalidate: true },
      controls,
      h('datalist', { id: 'languages' }, ['en', 'hi', 'mr', 'ta', 'te', 'bn', 'gu', 'kn', 'ml', 'pa', 'or', 'ur', 'as'].map((v) => h('option', { value: v }))),
      h('datalist', { id: 'business-states' }, INDIAN_STATES.map((v) => h('option', { value: v }))),
      h('datalist', { id: 'timezones' }, timezones().map((v) => h('option', { value: v }))),
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
        if (f.name === 'gstin' || f.name === 'currency') v = v.toUpperCase();
        const before = b[f.name] ?? '';
        if (v !== String(before)) patch[f.name] = v === '' && !f.required ? null : (f.number ? Number(v) : v);
      }
      if (!Object.keys(patch).length) {
        toast('Nothing changed.', 'info');
        return;
      }
      try {
        const updated = await api.patch(path('businessUpdate'), patch);
        session.business = { ...session.business, ...(updated || patch) };
        window.dispatchEvent(new CustomEvent('munim:session-changed'));
        toast('Business profile saved.', 'success');
        draw(session.business);
      } catch (e) {
        showFormError(form, alert, e);
      }
    });
    fill(out, owner ? null : h('p', { class: 'muted' }, 'Only the owner can edit the business profile.'), form);
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
  return card('Your account',
    h('dl', { class: 'meta' },
      h('dt', {}, 'Name'), h('dd', {}, u.name || '—'),
      h('dt', {}, 'Email'), h('dd', { testid: 'account-email' }, u.email || '—'),
      h('dt', {}, 'Role'), h('dd', {}, u.role === 'owner' ? 'Owner' : 'Staff')),
    h('p', {}, linkButton('#/password', 'Change password', { kind: 'secondary', testid: 'change-password-link' })));
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
        fill(listOut, emptyState('No staff yet. Add someone who helps you run the shop.'));
        return;
      }
      fill(listOut, dataTable({
        testid: 'staff-table',
        rowTestid: 'staff-row',
        caption: 'Staff',
        items,
        columns: [
          { label: 'Name', render: (m) => m.name || '—' },
          { label: 'Email', render: (m) => m.email },
          { label: 'Role', render: (m) => (m.role === 'owner' ? badge('Owner', 'info') : 'Staff') },
          { label: 'Status', render: (m) => (m.must_change_password ? badge('Awaiting first login', 'warn') : 'Active') },
          { label: 'Added', className: 'hide-sm', render: (m) => formatDateTime(m.created_at, timeZone()) },
          {
            label: 'Actions',
            className: 'actions',
            render: (m) => {
              if (!owner || m.role === 'owner' || m.id === session.user?.id) return '';
              const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'staff-remove' }, 'Remove');
              remove.addEventListener('click', async () => {
                const done = await confirmDialog({
                  title: `Remove ${m.name || m.email}?`,
                  message: 'They are logged out and can no longer sign in. Their past entries stay in the books.',
                  confirmText: 'Remove',
                  danger: true,
                  action: async () => {
                    await api.del(path('staffRemove', m.id));
                    return { removed: true };
                  },
                });
                if (done) {
                  toast(`${m.name || m.email} was removed.`, 'success');
                  load();
                }
              });
              return remove;
            },
          },
        ],
      }));
    } catch (e) {
      if (e.status === 403) fill(listOut, h('p', { class: 'muted' }, 'Only the owner can see the staff list.'));
      else fill(listOut, errorState(e, load));
    }
  };

  let addForm = null;
  if (owner) {
    const alert = formAlert('staff-form-error');
    const name = field({ label: 'Name', name: 'name', required: true, testid: 'staff-name', attrs: { maxlength: 200, autocomplete: 'off' } });
    const email = field({ label: 'Email', name: 'email', type: 'email', required: true, testid: 'staff-email', attrs: { autocomplete: 'off' } });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'staff-submit' }, 'Add staff member');
    addForm = h('form', { class: 'form-grid', testid: 'staff-form', novalidate: true }, name, email, alert.el, h('div', { class: 'form-actions span-2' }, submit));
    onSubmit(addForm, async () => {
      alert.clear();
      clearFieldErrors(addForm);
      const body = { name: name.control.value.trim(), email: email.control.value.trim() };
      const problems = {};
      if (!body.name) problems.name = 'is required';
      if (!body.email) problems.email = 'is required';
      if (Object.keys(problems).length) {
        showFormError(addForm, alert, { status: 422, fields: problems, message: 'Please fill in the highlighted fields.' });
        return;
      }
      try {
        const res = await api.create(path('staffAdd'), body);
        addForm.reset();
        const who = res.member?.name || body.name;
        fill(reveal, secretBox(`One-time password for ${who} (${res.member?.email || body.email}). They choose their own password when they first log in.`, res.one_time_password, 'staff-one-time-password'));
        toast(`${who} was added.`, 'success');
        load();
      } catch (e) {
        showFormError(addForm, alert, e);
      }
    });
  }

  load();
  const section = card('Staff',
    owner ? h('p', { class: 'muted' }, 'Staff can record sales and payments. They cannot change settings, staff or API tokens.')
      : h('p', { class: 'muted', testid: 'staff-owner-only' }, 'Only the owner can add or remove staff.'),
    listOut,
    owner ? h('h3', { class: 'subhead' }, 'Add a staff member') : null,
    reveal,
    addForm);
  section.setAttribute('data-testid', 'settings-staff');
  return section;
}

function tokensSection(owner) {
  if (!owner) {
    return card('API tokens', h('p', { class: 'muted', testid: 'tokens-owner-only' }, 'Only the owner can create and revoke API tokens.'));
  }
  const listOut = h('div', {}, loadingState());
  const reveal = h('div', { testid: 'token-secret' });

  const load = async () => {
    fill(listOut, loadingState());
    try {
      const page = await api.get(path('tokens'));
      const items = page.items || [];
      if (!items.length) {
        fill(listOut, emptyState('No API tokens. Create one to connect a program or script.'));
        return;
      }
      fill(listOut, dataTable({
        testid: 'tokens-table',
        rowTestid: 'token-row',
        caption: 'API tokens',
        items,
        columns: [
          { label: 'Name', render: (t) => t.name },
          { label: 'Token', render: (t) => h('code', {}, `${t.prefix || ''}…`) },
          { label: 'Created', className: 'hide-sm', render: (t) => formatDateTime(t.created_at, timeZone()) },
          { label: 'Last used', render: (t) => (t.last_used_at ? formatDateTime(t.last_used_at, timeZone()) : 'Never') },
          {
            label: 'Actions',
            className: 'actions',
            render: (t) => {
              const revoke = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'token-revoke' }, 'Revoke');
              revoke.addEventListener('click', async () => {
                const done = await confirmDialog({
                  title: `Revoke “${t.name}”?`,
                  message: 'Programs using this token stop working immediately.',
                  confirmText: 'Revoke',
                  danger: true,
                  action: async () => {
                    await api.del(path('tokenRevoke', t.id));
                    return { revoked: true };
                  },
                });
                if (done) {
                  toast(`Token “${t.name}” revoked.`, 'success');
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
  const name = field({ label: 'Token name', name: 'name', required: true, testid: 'token-name', hint: 'What will use it, e.g. “Tally sync”.', attrs: { maxlength: 100, autocomplete: 'off' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'token-submit' }, 'Create token');
  const form = h('form', { class: 'form-grid', testid: 'token-form', novalidate: true }, name, alert.el, h('div', { class: 'form-actions span-2' }, submit));
  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { name: name.control.value.trim() };
    if (!body.name) {
      showFormError(form, alert, { status: 422, fields: { name: 'is required' }, message: 'Give the token a name.' });
      return;
    }
    try {
      const res = await api.create(path('tokenCreate'), body);
      form.reset();
      fill(reveal, secretBox(`API token “${res.name}”. Send it as: Authorization: Bearer <token>`, res.token, 'api-token'));
      toast('Token created.', 'success');
      load();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  load();
  const section = card('API tokens',
    h('p', { class: 'muted' }, 'Tokens let programs use the API. ', h('a', { href: href('docs'), testid: 'api-docs-link' }, 'Read the API docs'), '.'),
    listOut,
    h('h3', { class: 'subhead' }, 'Create a token'),
    reveal,
    form);
  section.setAttribute('data-testid', 'settings-tokens');
  return section;
}
