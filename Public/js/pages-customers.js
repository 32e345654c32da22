// Customers: list with search, add form, detail with profile, invoices, payments, statement.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, card, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast,
  dataTable, pagedList, emptyState, loadingState, errorState, linkButton, badge, statusBadge,
  confirmDialog, tabs, navigate, fill, add, busy,
} from './ui.js';
import { formatMoney, formatDate, normalisePhone, todayIn } from './format.js';
import { session, timeZone } from './session.js';
import { INDIAN_STATES } from './states.js';
import { balanceCell, modeLabel, allocationText } from './shared/payments.js';
import { createFromForm, listCard } from './shared/listpage.js';
import { remindAllDebtors } from './shared/reminders.js';
import { broadcastDialog } from './shared/broadcasts.js';
import { t, tn, mark } from './i18n.js';

function statesList(id) {
  return h('datalist', { id }, INDIAN_STATES.map((s) => h('option', { value: s })));
}

/** The customer fields, shared by the add form and the profile editor. */
function customerFields(prefix, c = {}) {
  const listId = `${prefix}-states`;
  return [
    field({ label: t('Name'), name: 'name', required: true, value: c.name || '', testid: `${prefix}-name`, attrs: { maxlength: 200, autocomplete: 'off' } }),
    field({ label: t('Phone'), name: 'phone', type: 'tel', value: c.phone || '', testid: `${prefix}-phone`, hint: t('With country code, e.g. +919812345678 (10-digit numbers get +91).'), attrs: { autocomplete: 'off' } }),
    field({ label: t('Email'), name: 'email', type: 'email', value: c.email || '', testid: `${prefix}-email`, attrs: { autocomplete: 'off' } }),
    field({ label: t('State'), name: 'state', value: c.state || '', testid: `${prefix}-state`, attrs: { list: listId, autocomplete: 'off' } }),
    statesList(listId),
    field({ label: t('GSTIN'), name: 'gstin', value: c.gstin || '', testid: `${prefix}-gstin`, hint: t('For a registered business buyer: 15 characters, e.g. 27AAPFU0939F1ZV. It sets the state.'),
      attrs: { autocomplete: 'off', maxlength: 15, autocapitalize: 'characters', spellcheck: 'false' } }),
    field({ label: t('Address'), name: 'address', type: 'textarea', value: c.address || '', testid: `${prefix}-address`, className: 'span-2', attrs: { rows: 2 } }),
    field({ label: t('Tags'), name: 'tags', value: (c.tags || []).join(', '), testid: `${prefix}-tags`, className: 'span-2',
      hint: t('Words to group customers by, separated by commas, e.g. wholesale, regular. A broadcast can go to one tag.'),
      attrs: { autocomplete: 'off', maxlength: 330 } }),
    field({ label: t('Notes'), name: 'notes', type: 'textarea', value: c.notes || '', testid: `${prefix}-notes`, className: 'span-2', attrs: { rows: 2 } }),
  ];
}

function readCustomer(form) {
  const v = (name) => form.elements.namedItem(name).value.trim();
  return {
    name: v('name'),
    phone: normalisePhone(v('phone')),
    email: v('email'),
    state: v('state'),
    gstin: v('gstin').toUpperCase().replace(/\s+/g, ''),
    address: v('address'),
    notes: v('notes'),
    tags: splitTags(v('tags')),
  };
}

/** "Wholesale, regular ," → ["wholesale", "regular"]. */
export const splitTags = (text) => [...new Set(String(text || '').split(',').map((x) => x.trim().toLowerCase().replace(/\s+/g, ' ')).filter(Boolean))];

export function customersPage(ctx) {
  const addBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'customer-add-button', 'aria-expanded': 'false' }, t('Add customer'));
  const alert = formAlert('customer-form-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'customer-form-submit' }, t('Save customer'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
  const form = h('form', { class: 'form-grid', testid: 'customer-form', novalidate: true },
    customerFields('customer-form'), alert.el, h('div', { class: 'form-actions span-2' }, cancel, submit));
  const formCard = card(t('New customer'), form);
  formCard.hidden = true;

  const showForm = (show) => {
    formCard.hidden = !show;
    addBtn.setAttribute('aria-expanded', show ? 'true' : 'false');
    if (show) form.elements.namedItem('name').focus();
  };
  addBtn.addEventListener('click', () => showForm(formCard.hidden));
  cancel.addEventListener('click', () => {
    form.reset();
    clearFieldErrors(form);
    alert.clear();
    showForm(false);
  });

  const search = h('input', { type: 'search', id: 'customer-search', testid: 'customer-search', placeholder: t('Name or phone'), autocomplete: 'off' });
  const debtors = h('input', { type: 'checkbox', id: 'customer-debtors', testid: 'customer-debtors' });
  const archived = h('input', { type: 'checkbox', id: 'customer-archived', testid: 'customer-archived' });

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('customers'), {
      q: search.value.trim(), debtors: debtors.checked, archived: archived.checked, cursor, limit: 50,
    }),
    render: (items) => dataTable({
      testid: 'customers-table',
      rowTestid: 'customer-row',
      caption: t('Customers'),
      items,
      columns: [
        {
          label: t('Name'),
          render: (c) => [h('a', { href: `#/ledger/customers/${encodeURIComponent(c.id)}`, testid: 'customer-link' }, c.name),
            c.archived ? [' ', badge(t('Archived'), 'neutral')] : null,
            (c.tags || []).map((x) => [' ', badge(x, 'info', 'customer-tag')])],
        },
        { label: t('Phone'), render: (c) => c.phone || '—' },
        { label: t('State'), render: (c) => c.state || '—', className: 'hide-sm' },
        { label: t('Balance'), className: 'num', render: (c) => balanceCell(c.balance) },
      ],
    }),
    empty: () => {
      const filtered = search.value.trim() || debtors.checked;
      if (filtered) return emptyState(search.value.trim() ? t('No customers match “{text}”.', { text: search.value.trim() }) : t('Nobody owes you money right now.'));
      const first = h('button', { type: 'button', class: 'btn btn-primary' }, t('Add your first customer'));
      first.addEventListener('click', () => showForm(true));
      return emptyState(t('No customers yet — add your first.'), first);
    },
  });

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = readCustomer(form);
    if (!body.name) {
      showFormError(form, alert, { status: 422, fields: { name: 'is required' }, message: t('Please fill in the highlighted fields.') });
      return;
    }
    for (const k of ['phone', 'email', 'state', 'gstin', 'address', 'notes']) if (!body[k]) delete body[k];
    if (!body.tags.length) delete body.tags;
    await createFromForm({ route: 'customerCreate', body, noun: t('Customer'), form, alert, close: () => showForm(false), list });
  });

  const remindAll = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'remind-all-debtors' }, t('Remind all debtors'));
  remindAll.addEventListener('click', () => busy([remindAll], () => remindAllDebtors(() => list.reload())));

  // Broadcasts cost money per message on WhatsApp: the owner sends them (the server says so too).
  const broadcast = session.user?.role === 'owner'
    ? h('button', { type: 'button', class: 'btn btn-secondary', testid: 'broadcast-open' }, t('Send a broadcast')) : null;
  broadcast?.addEventListener('click', () => busy([broadcast], async () => {
    // The tags in use, for the "customers with a tag" choice.
    let tags = [];
    try {
      const r = await api.get(path('customers'), { limit: 200 });
      tags = [...new Set((r.items || []).flatMap((c) => c.tags || []))].sort();
    } catch (e) {
      console.warn('tags could not be read', e);
    }
    broadcastDialog({ tags });
  }));

  add(ctx.root,
    pageHeader(t('Customers'), h('div', { class: 'btn-row' }, remindAll, broadcast, addBtn)),
    formCard,
    listCard({ search, searchId: 'customer-search', list, checks: [
      { input: debtors, id: 'customer-debtors', label: t('Owes money') },
      { input: archived, id: 'customer-archived', label: t('Include archived') },
    ] }),
  );
  list.reload();
}

export function customerDetailPage(ctx) {
  const [id] = ctx.params;
  const body = h('div', {}, loadingState());
  add(ctx.root, body);

  const load = async () => {
    fill(body, loadingState());
    try {
      const c = await api.get(path('customer', id));
      draw(c);
    } catch (e) {
      fill(body, pageHeader(t('Customer')), e.status === 404
        ? emptyState(t('This customer does not exist (or was deleted).'), linkButton('#/ledger/customers', t('Back to customers'), { kind: 'secondary' }))
        : errorState(e, load));
    }
  };

  function draw(c) {
    ctx.setTitle(c.name);
    const del = h('button', { type: 'button', class: 'btn btn-danger-outline', testid: 'customer-delete' }, c.archived ? t('Delete') : t('Delete or archive'));
    del.addEventListener('click', async () => {
      const result = await confirmDialog({
        title: t('Remove {name}?', { name: c.name }),
        message: t('A customer with no invoices or payments is deleted. One with history is archived instead: hidden from lists, but the books keep every entry.'),
        confirmText: t('Remove'),
        danger: true,
        action: () => api.del(path('customerDelete', c.id)),
      });
      if (!result) return;
      toast(result.deleted ? t('{name} was deleted.', { name: c.name }) : t('{name} was archived (they have invoices or payments).', { name: c.name }), 'success');
      navigate('/ledger/customers');
    });

    const balance = Number(c.balance) || 0;
    const reminder = reminderAction(c, balance);
    const summary = h('section', { class: 'card summary' },
      h('div', { class: 'summary-item' },
        h('p', { class: 'stat-label' }, t('Balance')),
        h('p', { class: `stat-value ${balance > 0 ? 'money-due' : balance < 0 ? 'money-credit' : ''}`, testid: 'customer-balance' }, formatMoney(balance)),
        h('p', { class: 'stat-hint', testid: 'customer-balance-note' }, balance > 0 ? t('{name} owes you this.', { name: c.name }) : balance < 0 ? t('Advance paid: credit for future invoices.') : t('Nothing due.'))),
      h('div', { class: 'summary-item' },
        h('p', { class: 'stat-label' }, t('Phone')), h('p', {}, c.phone || '—'),
        h('p', { class: 'stat-label' }, t('Email')), h('p', {}, c.email || '—')),
      c.archived ? h('div', { class: 'summary-item' }, badge(t('Archived'), 'neutral')) : null);

    fill(body, 
      pageHeader(c.name,
        linkButton(`#/ledger/invoices/new?customer=${encodeURIComponent(c.id)}`, t('New invoice'), { testid: 'customer-new-invoice' }),
        linkButton(`#/ledger/payments?customer=${encodeURIComponent(c.id)}`, t('Record payment'), { kind: 'secondary', testid: 'customer-record-payment' }),
        reminder.button,
        del),
      h('p', { class: 'breadcrumb' }, h('a', { href: '#/ledger/customers' }, t('← Customers'))),
      reminder.note,
      summary,
      tabs([
        { id: 'invoices', label: t('Invoices'), render: () => customerInvoices(c) },
        { id: 'payments', label: t('Payments'), render: () => customerPayments(c) },
        { id: 'statement', label: t('Statement'), render: () => customerStatement(c) },
        { id: 'profile', label: t('Profile'), render: () => customerProfile(c, load) },
      ]),
    );
  }

  load();
}

const MESSAGE_STATUS_WORDS = {
  queued: mark('Reminder to {name} queued.'), sending: mark('Reminder to {name} being sent.'), sent: mark('Reminder to {name} sent.'),
  delivered: mark('Reminder to {name} delivered.'), read: mark('Reminder to {name} read.'),
};

/**
 * "Send reminder": POST /customers/{id}/reminders sends the balance over WhatsApp (or the
 * simulator). Disabled, with the reason shown, when there is no phone or nothing is due.
 */
function reminderAction(c, balance) {
  const reason = !c.phone
    ? t('Add a phone number (Profile tab) to send payment reminders.')
    : balance <= 0 ? t('Nothing is due from {name}, so there is nothing to remind them about.', { name: c.name }) : null;
  const noteId = `reminder-note-${c.id}`;
  const button = h('button', {
    type: 'button', class: 'btn btn-secondary', testid: 'customer-send-reminder', disabled: !!reason,
    'aria-describedby': noteId, title: reason || t('Send {name} a reminder of {amount} on WhatsApp', { name: c.name, amount: formatMoney(balance) }),
  }, t('Send reminder'));
  const note = h('p', { class: 'reminder-note muted', id: noteId, testid: 'customer-reminder-note', 'aria-live': 'polite' },
    reason || '');
  button.addEventListener('click', () => busy([button], async () => {
    try {
      const res = await api.post(path('customerReminders', c.id), {});
      const m = (res && res.message) || {};
      const said = MESSAGE_STATUS_WORDS[m.status] || MESSAGE_STATUS_WORDS.queued;
      const href = res && res.session_id ? `#/inbox/${encodeURIComponent(res.session_id)}` : '#/inbox';
      const failed = m.status === 'failed' || m.status === 'undelivered';
      const text = failed
        ? (m.error_message ? t('The reminder to {name} was not sent: {reason}', { name: c.name, reason: m.error_message }) : t('The reminder to {name} was not sent.', { name: c.name }))
        : t(said, { name: c.name });
      fill(note, h('span', { testid: 'customer-reminder-result' }, text), ' ',
        h('a', { href, testid: 'customer-reminder-link' }, t('Open the conversation →')));
      toast([text, ' ', h('a', { href, class: 'toast-link' }, t('Open in inbox'))], failed ? 'error' : 'success');
    } catch (e) {
      fill(note, h('span', { class: 'field-error', testid: 'customer-reminder-error' }, t('Could not send the reminder: {reason}', { reason: errorMessage(e) })));
    }
  }));
  return { button, note };
}

function customerInvoices(c) {
  const list = pagedList({
    fetchPage: (cursor) => api.get(path('invoices'), { customer_id: c.id, cursor, limit: 50 }),
    render: (items) => dataTable({
      testid: 'customer-invoices-table',
      rowTestid: 'customer-invoice-row',
      caption: t('Invoices for {name}', { name: c.name }),
      items,
      columns: [
        { label: t('Number'), render: (i) => h('a', { href: `#/ledger/invoices/${encodeURIComponent(i.id)}` }, i.number || t('Draft')) },
        { label: t('Date'), render: (i) => formatDate(i.issue_date) },
        { label: t('Status'), render: (i) => statusBadge(i.status) },
        { label: t('Total'), className: 'num', render: (i) => formatMoney(i.total) },
        { label: t('Due'), className: 'num', render: (i) => (i.status === 'void' || i.status === 'draft' ? '—' : formatMoney(i.balance_due)) },
      ],
    }),
    empty: () => emptyState(t('No invoices for {name} yet.', { name: c.name }), linkButton(`#/ledger/invoices/new?customer=${encodeURIComponent(c.id)}`, t('Create an invoice'))),
  });
  list.reload();
  return list.el;
}

function customerPayments(c) {
  const list = pagedList({
    fetchPage: (cursor) => api.get(path('payments'), { customer_id: c.id, cursor, limit: 50 }),
    render: (items) => dataTable({
      testid: 'customer-payments-table',
      rowTestid: 'customer-payment-row',
      caption: t('Payments from {name}', { name: c.name }),
      items,
      columns: [
        { label: t('Date'), render: (p) => formatDate(p.paid_on) },
        { label: t('Mode'), render: (p) => modeLabel(p.mode) },
        { label: t('Reference'), render: (p) => p.reference || '—' },
        { label: t('Applied to'), render: (p) => allocationText(p) },
        { label: t('Amount'), className: 'num', render: (p) => formatMoney(p.amount) },
      ],
    }),
    empty: () => emptyState(t('No payments from {name} yet.', { name: c.name }), linkButton(`#/ledger/payments?customer=${encodeURIComponent(c.id)}`, t('Record a payment'))),
  });
  list.reload();
  return list.el;
}

function customerStatement(c) {
  const from = field({ label: t('From'), name: 'from', type: 'date', testid: 'statement-from' });
  const to = field({ label: t('To'), name: 'to', type: 'date', testid: 'statement-to', attrs: { max: todayIn(timeZone()) } });
  const show = h('button', { type: 'submit', class: 'btn btn-secondary' }, t('Show'));
  const send = h('button', {
    type: 'button', class: 'btn btn-secondary', testid: 'statement-send', disabled: !c.phone,
    title: c.phone ? t('Send {name} this statement with its PDF on WhatsApp', { name: c.name }) : t('Add a phone number (Profile tab) to send statements.'),
  }, t('Send on WhatsApp'));
  const sendNote = h('p', { class: 'muted', testid: 'statement-send-note', 'aria-live': 'polite' },
    c.phone ? '' : t('Add a phone number (Profile tab) to send statements on WhatsApp.'));
  send.addEventListener('click', () => busy([send], async () => {
    const body = {};
    if (from.control.value) body.from = from.control.value;
    if (to.control.value) body.to = to.control.value;
    try {
      const res = await api.create(path('customerStatementSend', c.id), body);
      const href = res && res.session_id ? `#/inbox/${encodeURIComponent(res.session_id)}` : '#/inbox';
      const text = t('Statement to {name} queued on WhatsApp, with the PDF.', { name: c.name });
      fill(sendNote, h('span', { testid: 'statement-send-result' }, text), ' ', h('a', { href }, t('Open the conversation →')));
      toast(text, 'success');
    } catch (e) {
      fill(sendNote, h('span', { class: 'field-error', testid: 'statement-send-error' }, t('Could not send the statement: {reason}', { reason: errorMessage(e) })));
    }
  }));
  const out = h('div', {});
  const form = h('form', { class: 'toolbar', novalidate: true }, from, to,
    h('div', { class: 'field field-button' }, show), h('div', { class: 'field field-button' }, send));

  const load = async () => {
    fill(out, loadingState());
    try {
      const s = await api.get(path('customerStatement', c.id), { from: from.control.value, to: to.control.value });
      const entries = s.entries || [];
      const period = { from: s.from ? formatDate(s.from) : t('the first entry'), to: s.to ? formatDate(s.to) : t('today') };
      const summary = h('p', { class: 'statement-summary' },
        t('Statement from {from} to {to}.', period), ' ', t('Opening balance'), ' ', h('strong', {}, formatMoney(s.opening_balance)),
        ', ', t('closing balance'), ' ', h('strong', { testid: 'statement-closing' }, formatMoney(s.closing_balance)), '.');
      if (!entries.length) {
        fill(out, summary, emptyState(t('No entries in this period.')));
        return;
      }
      const kind = { invoice: t('Invoice'), payment: t('Payment'), credit_note: t('Credit note'), void: t('Void') };
      fill(out, summary, dataTable({
        testid: 'statement-table',
        rowTestid: 'statement-row',
        caption: t('Statement'),
        items: entries,
        columns: [
          { label: t('Date'), render: (e) => formatDate(e.date) },
          { label: t('Entry'), render: (e) => kind[e.kind] || e.kind },
          {
            label: t('Reference'),
            render: (e) => (e.invoice_id
              ? h('a', { href: `#/ledger/invoices/${encodeURIComponent(e.invoice_id)}` }, e.reference || t('Invoice'))
              : e.reference || '—'),
          },
          { label: t('Description'), render: (e) => e.description || '—', className: 'hide-sm' },
          { label: t('Debit'), className: 'num', render: (e) => (Number(e.debit) ? formatMoney(e.debit) : '') },
          { label: t('Credit'), className: 'num', render: (e) => (Number(e.credit) ? formatMoney(e.credit) : '') },
          { label: t('Balance'), className: 'num', render: (e) => formatMoney(e.balance) },
        ],
      }));
    } catch (e) {
      fill(out, errorState(e, load));
    }
  };
  onSubmit(form, load);
  load();
  return h('div', {}, form, sendNote, out);
}

function customerProfile(c, reload) {
  const alert = formAlert('customer-profile-error');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'customer-profile-save' }, t('Save changes'));
  const form = h('form', { class: 'form-grid', testid: 'customer-profile', novalidate: true },
    customerFields('customer-profile', c), alert.el, h('div', { class: 'form-actions span-2' }, save));
  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const values = readCustomer(form);
    if (!values.name) {
      showFormError(form, alert, { status: 422, fields: { name: 'is required' }, message: t('Please fill in the highlighted fields.') });
      return;
    }
    const patch = {};
    for (const [k, v] of Object.entries(values)) {
      if (k === 'tags') {
        if (v.join(',') !== (c.tags || []).join(',')) patch.tags = v;
        continue;
      }
      const before = c[k] ?? '';
      if (v !== before) patch[k] = v === '' && k !== 'name' ? null : v;
    }
    if (!Object.keys(patch).length) {
      toast(t('Nothing changed.'), 'info');
      return;
    }
    try {
      await api.patch(path('customerUpdate', c.id), patch);
      toast(t('Customer saved.'), 'success');
      reload();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });
  return form;
}

