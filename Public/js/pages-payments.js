// Payments: record form (customer, amount, mode, reference, date, optional invoice) and list.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, card, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast,
  dataTable, pagedList, emptyState, navigate, fill, add, busy,
} from './ui.js';
import { typeahead } from './typeahead.js';
import { formatMoney, parseRupees, paiseToInput, formatDate, todayIn } from './format.js';
import { timeZone } from './session.js';
import { PAYMENT_MODES, balanceCell, modeLabel, allocationText } from './shared/payments.js';
import { t, tn } from './i18n.js';

/**
 * "Send receipt": the customer gets what was received, how and when, and what is still due, on
 * WhatsApp from the shop's number (POST /payments/{id}/send). The outcome is told in a toast.
 */
function receiptButton(p) {
  const name = (p.customer && p.customer.name) || t('the customer');
  const btn = h('button', {
    type: 'button', class: 'btn btn-secondary btn-small', testid: 'payment-send-receipt',
    'aria-label': t('Send {name} a receipt for {amount} on WhatsApp', { name, amount: formatMoney(p.amount) }),
  }, 'WhatsApp');
  btn.addEventListener('click', () => busy([btn], async () => {
    try {
      const res = await api.create(path('paymentSend', p.id), {});
      const m = (res && res.message) || {};
      const href = res && res.session_id ? `#/inbox/${encodeURIComponent(res.session_id)}` : '#/inbox';
      if (m.status === 'failed') {
        toast(t('The receipt to {name} was not sent: {reason}', { name, reason: m.error_message || t('see the inbox') }), 'error');
      } else {
        toast([t('Receipt to {name} queued on WhatsApp.', { name }), ' ', h('a', { href, class: 'toast-link' }, t('Open in inbox'))], 'success');
      }
    } catch (e) {
      toast(t('Could not send the receipt: {reason}', { reason: errorMessage(e) }), 'error');
    }
  }));
  return btn;
}

export function paymentsPage(ctx) {
  const presetInvoiceId = ctx.query.invoice || null;
  const presetCustomerId = ctx.query.customer || null;

  const alert = formAlert('payment-form-error');
  const customerInfo = h('p', { class: 'field-hint', testid: 'payment-customer-info' });
  const invoiceSelect = field({
    label: t('Against invoice'), name: 'invoice_id', type: 'select', testid: 'payment-invoice',
    options: [{ value: '', label: t('Oldest open invoices first (automatic)') }],
    hint: t('Anything left over stays as credit for the customer.'),
  });
  invoiceSelect.control.disabled = true;
  let openInvoices = [];
  let invoiceGeneration = 0;

  async function loadInvoices(customer, selectId = '') {
    const mine = ++invoiceGeneration;
    const select = invoiceSelect.control;
    fill(select, h('option', { value: '' }, t('Oldest open invoices first (automatic)')));
    select.disabled = true;
    openInvoices = [];
    if (!customer) return;
    try {
      const page = await api.get(path('invoices'), { customer_id: customer.id, limit: 200 });
      if (mine !== invoiceGeneration) return;
      openInvoices = (page.items || []).filter((i) => i.status === 'issued' || i.status === 'partially_paid' || i.id === selectId);
      for (const inv of openInvoices) {
        select.appendChild(h('option', { value: inv.id },
          `${inv.number || 'Draft'} · ${formatDate(inv.issue_date)} · due ${formatMoney(inv.balance_due)}`));
      }
      select.value = selectId && openInvoices.some((i) => i.id === selectId) ? selectId : '';
    } catch (e) {
      if (mine === invoiceGeneration) toast(t('Could not load the invoices of {name}: {reason}', { name: customer.name, reason: e.message }), 'error');
    } finally {
      if (mine === invoiceGeneration) select.disabled = false;
    }
  }

  const picker = typeahead({
    label: t('Customer'),
    name: 'customer_id',
    testid: 'payment-customer',
    required: true,
    placeholder: t('Search customers by name or phone'),
    search: async (q) => (await api.get(path('customers'), { q, limit: 10 })).items || [],
    itemLabel: (c) => c.name,
    itemDetail: (c) => [c.phone, Number(c.balance) ? `balance ${formatMoney(c.balance)}` : null].filter(Boolean).join(' · '),
    onSelect: (c) => {
      fill(customerInfo, ...(c && c.balance !== undefined ? [t('Current balance:'), ' ', balanceCell(c.balance)] : []));
      loadInvoices(c);
    },
  });
  picker.el.appendChild(customerInfo);

  const amount = field({ label: t('Amount (₹)'), name: 'amount', required: true, testid: 'payment-amount', attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '1000' } });
  const mode = field({ label: t('Mode'), name: 'mode', type: 'select', options: PAYMENT_MODES, value: 'cash', testid: 'payment-mode' });
  const reference = field({ label: t('Reference'), name: 'reference', testid: 'payment-reference', hint: t('UPI ref, cheque number… (optional)'), attrs: { maxlength: 100, autocomplete: 'off' } });
  const paidOn = field({ label: t('Date'), name: 'paid_on', type: 'date', value: todayIn(timeZone()), testid: 'payment-date' });
  const notes = field({ label: t('Notes'), name: 'notes', type: 'textarea', testid: 'payment-notes', className: 'span-2', attrs: { rows: 2, maxlength: 500 } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'payment-submit' }, t('Record payment'));
  const fieldset = h('fieldset', { class: 'form-grid plain' },
    h('legend', { class: 'visually-hidden' }, t('Payment')),
    h('div', { class: 'span-2' }, picker.el), amount, mode, reference, paidOn, h('div', { class: 'span-2' }, invoiceSelect), notes);
  const form = h('form', { class: 'stack', testid: 'payment-form', novalidate: true }, fieldset, alert.el, h('div', { class: 'form-actions' }, submit));

  const modeFilter = h('select', { id: 'payment-mode-filter', testid: 'payment-mode-filter' },
    h('option', { value: '' }, t('All modes')), PAYMENT_MODES.map((m) => h('option', { value: m.value }, m.label)));
  const list = pagedList({
    fetchPage: (cursor) => api.get(path('payments'), { mode: modeFilter.value, cursor, limit: 50 }),
    render: (items) => dataTable({
      testid: 'payments-table',
      rowTestid: 'payment-row',
      caption: t('Payments'),
      items,
      columns: [
        { label: t('Date'), render: (p) => formatDate(p.paid_on) },
        {
          label: t('Customer'),
          render: (p) => (p.customer ? h('a', { href: `#/ledger/customers/${encodeURIComponent(p.customer.id)}` }, p.customer.name) : '—'),
        },
        { label: t('Mode'), render: (p) => modeLabel(p.mode) },
        { label: t('Reference'), className: 'hide-sm', render: (p) => p.reference || '—' },
        { label: t('Applied to'), render: (p) => allocationText(p) },
        { label: t('Amount'), className: 'num', render: (p) => h('span', { testid: 'payment-amount-cell' }, formatMoney(p.amount)) },
        { label: t('Receipt'), render: (p) => receiptButton(p) },
      ],
    }),
    empty: () => (modeFilter.value ? emptyState(t('No payments with this mode.')) : emptyState(t('No payments recorded yet — record your first above.'))),
  });
  modeFilter.addEventListener('change', () => list.reload());

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const problems = {};
    const customer = picker.selected;
    if (!customer) problems.customer_id = t('choose a customer from the list');
    const paise = parseRupees(amount.control.value);
    if (!paise) problems.amount = t('enter an amount above zero, e.g. 1000 or 999.50');
    if (Object.keys(problems).length) {
      showFormError(form, alert, { status: 422, fields: problems, message: t('Please correct the highlighted fields.') });
      return;
    }
    const body = { customer_id: customer.id, amount: paise, mode: mode.control.value };
    if (reference.control.value.trim()) body.reference = reference.control.value.trim();
    if (paidOn.control.value) body.paid_on = paidOn.control.value;
    if (invoiceSelect.control.value) body.invoice_id = invoiceSelect.control.value;
    if (notes.control.value.trim()) body.notes = notes.control.value.trim();
    try {
      const p = await api.create(path('paymentCreate'), body);
      const applied = (p.allocations || []).map((a) => a.invoice_number).filter(Boolean);
      const said = [t('Payment of {amount} from {name} recorded.', { amount: formatMoney(p.amount), name: customer.name })];
      if (applied.length) said.push(t('Against {invoices}.', { invoices: applied.join(', ') }));
      if (Number(p.unallocated) > 0) said.push(t('{amount} kept as credit.', { amount: formatMoney(p.unallocated) }));
      toast(said.join(' '), 'success');
      if (presetInvoiceId && body.invoice_id === presetInvoiceId) {
        navigate(`/ledger/invoices/${encodeURIComponent(presetInvoiceId)}`);
        return;
      }
      amount.control.value = '';
      reference.control.value = '';
      notes.control.value = '';
      picker.clear();
      customerInfo.replaceChildren();
      loadInvoices(null);
      list.reload();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  add(ctx.root, 
    pageHeader(t('Payments')),
    card(t('Record a payment'), form),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'card-title' }, t('Recent payments')),
        h('div', { class: 'field field-inline' }, h('label', { for: 'payment-mode-filter' }, t('Mode')), modeFilter)),
      list.el),
  );
  list.reload();

  // Preselect from ?invoice= or ?customer= (the form stays disabled until it is ready).
  if (presetInvoiceId || presetCustomerId) {
    fieldset.disabled = true;
    submit.disabled = true;
    (async () => {
      try {
        if (presetInvoiceId) {
          const inv = await api.get(path('invoice', presetInvoiceId));
          let customer = inv.customer;
          try {
            customer = await api.get(path('customer', inv.customer.id));
          } catch {
            // the invoice's embedded customer is enough
          }
          picker.select(customer);
          await loadInvoices(picker.selected, inv.id);
          if (!amount.control.value && Number(inv.balance_due) > 0) amount.control.value = paiseToInput(inv.balance_due);
        } else {
          picker.select(await api.get(path('customer', presetCustomerId)));
          await loadInvoices(picker.selected);
        }
      } catch (e) {
        alert.show(t('Could not preselect: {reason}', { reason: e.message }));
      } finally {
        fieldset.disabled = false;
        submit.disabled = false;
        invoiceSelect.control.disabled = !picker.selected;
      }
    })();
  }
}
