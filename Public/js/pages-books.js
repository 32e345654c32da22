// The other half of the books (issue 16): suppliers, purchases, expenses, cash and bank
// accounts, and profit and loss. Loaded on demand (app.js), so the first load stays small.
import { api } from './api.js';
import { path } from './routes.js';
import {
  h, add, fill, pageHeader, card, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast,
  dataTable, pagedList, emptyState, errorState, loadingState, navigate, linkButton, badge, confirmDialog, openDialog,
} from './ui.js';
import { errorMessage } from './api.js';
import { typeahead } from './typeahead.js';
import {
  formatMoney, parseRupees, formatDate, todayIn, parseQuantityMilli, milliToNumber, formatQuantity, parseGstRate, normalisePhone,
  RECEIPT_TYPES, receiptProblem, formatBytes, unitLabel,
} from './format.js';
import { timeZone } from './session.js';
import { PAYMENT_MODES, modeLabel } from './shared/payments.js';
import { t, tn, mark } from './i18n.js';

const PURCHASE_STATUS = {
  unpaid: [mark('Unpaid'), 'warning'], partially_paid: [mark('Part paid'), 'info'], paid: [mark('Paid'), 'success'], void: [mark('Void'), 'neutral'],
};
const ACCOUNT_KINDS = [['bank', mark('Bank account')], ['upi', mark('UPI / wallet')], ['cash', mark('Cash (another drawer)')]];

function purchaseBadge(status) {
  const [label, kind] = PURCHASE_STATUS[status] || [status, 'neutral'];
  return badge(t(label), kind, 'purchase-status');
}

/** "₹1,200.00" for what the business owes; "₹300.00 advance" when it paid ahead. */
function payableCell(balance) {
  const b = Number(balance) || 0;
  return h('span', { class: `money ${b > 0 ? 'money-due' : b < 0 ? 'money-credit' : ''}` },
    formatMoney(b < 0 ? -b : b), b < 0 ? h('span', { class: 'money-note' }, t(' advance')) : null);
}

/** A select of the business's accounts; the first option lets the payment mode decide. */
async function accountSelect({ label = t('Paid from'), testid, withDefault = true, hint = null }) {
  const f = field({ label, name: 'account_id', type: 'select', testid, hint, options: withDefault ? [{ value: '', label: t('Same as the payment mode') }] : [] });
  try {
    const list = await api.get(path('moneyAccounts'));
    for (const a of list.items || []) {
      f.control.appendChild(h('option', { value: a.id }, `${a.name}${a.last4 ? ` ·${a.last4}` : ''} (${formatMoney(a.balance)})`));
    }
  } catch (e) {
    toast(t('Could not load your accounts: {reason}', { reason: e.message }), 'error');
  }
  return f;
}

function supplierPicker(onSelect = () => {}) {
  return typeahead({
    label: t('Supplier'), name: 'supplier_id', testid: 'purchase-supplier', required: true,
    placeholder: t('Search suppliers by name or phone'),
    search: async (q) => (await api.get(path('suppliers'), { q, limit: 10 })).items || [],
    itemLabel: (s) => s.name,
    itemDetail: (s) => [s.phone, s.state, Number(s.balance) ? t('you owe {amount}', { amount: formatMoney(s.balance) }) : null].filter(Boolean).join(' · '),
    onSelect,
  });
}

/* ---------- suppliers ---------- */

export function suppliersPage(ctx) {
  const alert = formAlert('supplier-form-error');
  const name = field({ label: t('Name'), name: 'name', required: true, testid: 'supplier-name', attrs: { maxlength: 120, autocomplete: 'off' } });
  const phone = field({ label: t('Mobile number'), name: 'phone', type: 'tel', testid: 'supplier-phone', hint: t('Optional, e.g. 98123 45678'), attrs: { autocomplete: 'off' } });
  const gstin = field({ label: t('GSTIN'), name: 'gstin', testid: 'supplier-gstin', hint: t('Optional; the state is taken from it'), attrs: { maxlength: 15, autocomplete: 'off' } });
  const opening = field({ label: t('You already owe them (₹)'), name: 'opening_balance', testid: 'supplier-opening', hint: t('Optional: what is unpaid from before Munim'), attrs: { inputmode: 'decimal' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'supplier-submit' }, t('Add supplier'));
  const form = h('form', { class: 'stack', testid: 'supplier-form', novalidate: true },
    h('div', { class: 'form-grid plain' }, name, phone, gstin, opening), alert.el, h('div', { class: 'form-actions' }, submit));

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('suppliers'), { cursor, limit: 50 }),
    render: (items) => dataTable({
      testid: 'suppliers-table', rowTestid: 'supplier-row', caption: t('Suppliers'), items,
      columns: [
        { label: t('Name'), render: (s) => h('a', { href: `#/books/suppliers/${encodeURIComponent(s.id)}` }, s.name) },
        { label: t('Phone'), className: 'hide-sm', render: (s) => s.phone || '—' },
        { label: t('State'), className: 'hide-sm', render: (s) => s.state || '—' },
        { label: t('You owe'), className: 'num', render: (s) => payableCell(s.balance) },
      ],
    }),
    empty: () => emptyState(t('No suppliers yet. Add the people you buy stock from above.')),
  });

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { name: name.control.value.trim() };
    const problems = {};
    if (!body.name) problems.name = t('enter the supplier’s name');
    if (phone.control.value.trim()) body.phone = normalisePhone(phone.control.value) || phone.control.value.trim();
    if (gstin.control.value.trim()) body.gstin = gstin.control.value.trim().toUpperCase();
    if (opening.control.value.trim()) {
      const p = parseRupees(opening.control.value);
      if (p === null) problems.opening_balance = t('enter an amount, e.g. 5000'); else body.opening_balance = p;
    }
    if (Object.keys(problems).length) {
      showFormError(form, alert, { status: 422, fields: problems, message: t('Please correct the highlighted fields.') });
      return;
    }
    try {
      const s = await api.create(path('supplierCreate'), body);
      toast(`${s.name} added.`, 'success');
      form.reset();
      list.reload();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  add(ctx.root, pageHeader(t('Suppliers'), linkButton('#/books/purchases/new', t('Record a purchase'), { testid: 'new-purchase-link' })),
    card(t('Add a supplier'), form), card(t('Your suppliers'), list.el));
  list.reload();
}

export function supplierDetailPage(ctx) {
  const [id] = ctx.params;
  const body = h('div', {}, loadingState());
  add(ctx.root, body);
  const load = async () => {
    fill(body, loadingState());
    try {
      const st = await api.get(path('supplierStatement', id));
      await draw(st);
    } catch (e) {
      fill(body, pageHeader(t('Supplier')), e.status === 404
        ? emptyState(t('This supplier does not exist.'), linkButton('#/books/suppliers', t('Back to suppliers'), { kind: 'secondary' }))
        : errorState(e, load));
    }
  };

  async function draw(st) {
    const s = st.supplier;
    ctx.setTitle(s.name);
    const alert = formAlert('supplier-pay-error');
    const amount = field({ label: t('Amount (₹)'), name: 'amount', required: true, testid: 'supplier-pay-amount', value: Number(s.balance) > 0 ? String(s.balance / 100) : '', attrs: { inputmode: 'decimal' } });
    const mode = field({ label: t('Mode'), name: 'mode', type: 'select', options: PAYMENT_MODES, value: 'cash', testid: 'supplier-pay-mode' });
    const account = await accountSelect({ testid: 'supplier-pay-account' });
    const reference = field({ label: t('Reference'), name: 'reference', testid: 'supplier-pay-reference', hint: t('UTR, cheque number… (optional)'), attrs: { maxlength: 100 } });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'supplier-pay-submit' }, t('Record payment'));
    const form = h('form', { class: 'stack', testid: 'supplier-pay-form', novalidate: true },
      h('div', { class: 'form-grid plain' }, amount, mode, account, reference), alert.el, h('div', { class: 'form-actions' }, submit));
    onSubmit(form, async () => {
      alert.clear();
      clearFieldErrors(form);
      const paise = parseRupees(amount.control.value);
      if (!paise) {
        showFormError(form, alert, { status: 422, fields: { amount: t('enter an amount above zero') }, message: t('Please correct the highlighted fields.') });
        return;
      }
      const b = { supplier_id: s.id, amount: paise, mode: mode.control.value };
      if (account.control.value) b.account_id = account.control.value;
      if (reference.control.value.trim()) b.reference = reference.control.value.trim();
      try {
        await api.create(path('supplierPaymentCreate'), b);
        toast(t('Paid {amount} to {name}.', { amount: formatMoney(paise), name: s.name }), 'success');
        load();
      } catch (e) {
        showFormError(form, alert, e);
      }
    });

    const rows = st.entries || [];
    fill(body,
      pageHeader(s.name, linkButton(`#/books/purchases/new?supplier=${encodeURIComponent(s.id)}`, t('Record a purchase'), { testid: 'supplier-new-purchase' })),
      h('section', { class: 'card summary' },
        h('div', { class: 'summary-item' },
          h('p', { class: 'stat-label' }, t('You owe')),
          h('p', { class: 'stat-value', testid: 'supplier-balance' }, payableCell(s.balance)),
          h('p', { class: 'stat-hint' }, Number(s.balance) > 0 ? t('Unpaid to {name}.', { name: s.name }) : Number(s.balance) < 0 ? t('Paid in advance.') : t('Nothing due.'))),
        h('div', { class: 'summary-item' },
          h('p', { class: 'stat-label' }, t('Contact')),
          h('p', {}, [s.phone, s.gstin ? `GSTIN ${s.gstin}` : null, s.state].filter(Boolean).join(' · ') || '—'),
          s.linked_customer_id ? h('p', { class: 'stat-hint' }, h('a', { href: `#/ledger/customers/${encodeURIComponent(s.linked_customer_id)}`, testid: 'supplier-linked-customer' }, t('Also a customer (same number)'))) : null)),
      card(t('Pay this supplier'), form),
      card(t('Statement'), rows.length
        ? dataTable({
          testid: 'supplier-statement', rowTestid: 'statement-row', caption: t('Statement'), items: rows,
          columns: [
            { label: t('Date'), render: (e) => formatDate(e.date) },
            { label: t('Entry'), render: (e) => (e.purchase_id ? h('a', { href: `#/books/purchases/${encodeURIComponent(e.purchase_id)}` }, e.description) : e.description) },
            { label: t('Bill'), className: 'num', render: (e) => (e.credit ? formatMoney(e.credit) : '') },
            { label: t('Paid'), className: 'num', render: (e) => (e.debit ? formatMoney(e.debit) : '') },
            { label: t('You owe'), className: 'num', render: (e) => payableCell(e.balance) },
          ],
        })
        : emptyState(t('No bills or payments yet.'))));
  }
  load();
}

/* ---------- purchases ---------- */

export function purchasesPage(ctx) {
  const list = pagedList({
    fetchPage: (cursor) => api.get(path('purchases'), { cursor, limit: 50 }),
    render: (items) => dataTable({
      testid: 'purchases-table', rowTestid: 'purchase-row', caption: t('Purchases'), items,
      columns: [
        { label: t('Date'), render: (p) => h('a', { href: `#/books/purchases/${encodeURIComponent(p.id)}` }, formatDate(p.bill_date)) },
        { label: t('Supplier'), render: (p) => p.supplier.name },
        { label: t('Bill no.'), className: 'hide-sm', render: (p) => p.bill_number || '—' },
        { label: t('Status'), render: (p) => purchaseBadge(p.status) },
        { label: t('Total'), className: 'num', render: (p) => formatMoney(p.total) },
        { label: t('Due'), className: 'num hide-sm', render: (p) => formatMoney(p.balance_due) },
      ],
    }),
    empty: () => emptyState(t('No purchases yet. Record the bills of what you buy, and stock and costs follow.'),
      linkButton('#/books/purchases/new', t('Record a purchase'))),
  });
  add(ctx.root, pageHeader(t('Purchases'), linkButton('#/books/purchases/new', t('Record a purchase'), { testid: 'new-purchase' })), card(t('Purchase bills'), list.el));
  list.reload();
}

export async function purchaseNewPage(ctx) {
  ctx.setTitle(t('New purchase'));
  const alert = formAlert('purchase-form-error');
  const picker = supplierPicker();
  const billNumber = field({ label: t('Supplier’s bill no.'), name: 'bill_number', testid: 'purchase-bill-number', attrs: { maxlength: 40, autocomplete: 'off' } });
  const billDate = field({ label: t('Bill date'), name: 'bill_date', type: 'date', value: todayIn(timeZone()), testid: 'purchase-date' });
  const lines = h('div', { class: 'stack', testid: 'purchase-lines' });
  const addLine = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'purchase-add-line' }, t('Add another item'));
  const total = h('p', { class: 'stat-value', testid: 'purchase-estimate', 'aria-live': 'polite' }, formatMoney(0));
  const lineState = [];

  function estimate() {
    let sum = 0;
    for (const l of lineState) {
      const q = parseQuantityMilli(l.qty.control.value) || 0;
      const c = parseRupees(l.cost.control.value) || 0;
      const typed = parseGstRate(l.gst.control.value);
      const rate = typed === null ? Number(l.product.selected?.gst_rate ?? 0) : (Number.isNaN(typed) ? 0 : typed / 10000);
      const taxable = Math.round((q * c) / 1000);
      sum += taxable + Math.round((taxable * Number(rate)) / 100);
    }
    total.textContent = formatMoney(sum);
  }

  function newLine() {
    const n = lineState.length;
    const product = typeahead({
      label: t('Item'), name: `items[${n}].product_name`, testid: 'purchase-line-product', required: true,
      placeholder: t('Search your products, or type a new name'),
      search: async (q) => (await api.get(path('products'), { q, limit: 10 })).items || [],
      itemLabel: (p) => p.name,
      itemDetail: (p) => [t('{quantity} {unit} in stock', { quantity: formatQuantity(p.stock), unit: unitLabel(p.unit, p.stock) }), Number(p.average_cost) ? t('cost {amount}', { amount: formatMoney(p.average_cost) }) : null].filter(Boolean).join(' · '),
      onSelect: (p) => {
        if (p && Number(p.average_cost) && !cost.control.value) cost.control.value = String(p.average_cost / 100);
        estimate();
      },
    });
    const qty = field({ label: t('Quantity'), name: `items[${n}].quantity`, required: true, testid: 'purchase-line-qty', attrs: { inputmode: 'decimal', autocomplete: 'off' } });
    const cost = field({ label: t('Cost per unit (₹, before GST)'), name: `items[${n}].unit_cost`, required: true, testid: 'purchase-line-cost', attrs: { inputmode: 'decimal', autocomplete: 'off' } });
    const gst = field({ label: t('GST %'), name: `items[${n}].gst_rate`, testid: 'purchase-line-gst', hint: t('Blank: the product’s rate'), attrs: { inputmode: 'decimal', autocomplete: 'off' } });
    const line = { product, qty, cost, gst };
    lineState.push(line);
    for (const f of [qty, cost, gst]) f.control.addEventListener('input', estimate);
    lines.appendChild(h('fieldset', { class: 'form-grid purchase-line', testid: 'purchase-line' },
      h('legend', {}, t('Item {n}', { n: n + 1 })), h('div', { class: 'span-2' }, product.el), qty, cost, gst));
  }
  addLine.addEventListener('click', () => newLine());
  newLine();

  const paid = field({ label: t('Paid now (₹)'), name: 'amount_paid', testid: 'purchase-paid', hint: t('Optional; the rest is what you owe'), attrs: { inputmode: 'decimal' } });
  const mode = field({ label: t('Paid by'), name: 'mode', type: 'select', options: PAYMENT_MODES, value: 'cash', testid: 'purchase-mode' });
  const account = await accountSelect({ testid: 'purchase-account' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'purchase-submit' }, t('Save purchase'));
  const form = h('form', { class: 'stack', testid: 'purchase-form', novalidate: true },
    h('div', { class: 'form-grid plain' }, h('div', { class: 'span-2' }, picker.el), billNumber, billDate),
    lines, h('div', {}, addLine),
    h('div', { class: 'form-grid plain' }, paid, mode, account),
    h('div', { class: 'summary-item' }, h('p', { class: 'stat-label' }, t('Bill total (estimate, GST included)')), total),
    alert.el, h('div', { class: 'form-actions sticky-actions' }, submit));

  if (ctx.query.supplier) {
    api.get(path('supplier', ctx.query.supplier)).then((s) => picker.select(s)).catch(() => {});
  }

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const problems = {};
    if (!picker.selected) problems.supplier_id = t('choose a supplier (add new ones on the Suppliers page)');
    const items = lineState.map((l, i) => {
      const item = {};
      if (l.product.selected && l.product.selected.name === l.product.input.value) item.product_id = l.product.selected.id;
      else if (l.product.input.value.trim()) item.product_name = l.product.input.value.trim();
      else problems[`items[${i}].product_name`] = t('choose or type an item');
      const q = parseQuantityMilli(l.qty.control.value);
      if (!q) problems[`items[${i}].quantity`] = t('enter a quantity above zero'); else item.quantity = milliToNumber(q);
      const c = parseRupees(l.cost.control.value);
      if (c === null) problems[`items[${i}].unit_cost`] = t('enter the cost, e.g. 320'); else item.unit_cost = c;
      if (l.gst.control.value.trim()) {
        const r = parseGstRate(l.gst.control.value);
        if (r === null || Number.isNaN(r) || r > 40 * 10000) problems[`items[${i}].gst_rate`] = t('enter a GST rate such as 5, 12, 18 or 28');
        else item.gst_rate = r / 10000;
      }
      return item;
    });
    const body = { items };
    if (picker.selected) body.supplier_id = picker.selected.id;
    if (billNumber.control.value.trim()) body.bill_number = billNumber.control.value.trim();
    if (billDate.control.value) body.bill_date = billDate.control.value;
    if (paid.control.value.trim()) {
      const p = parseRupees(paid.control.value);
      if (p === null) problems.amount_paid = t('enter an amount, e.g. 5000'); else if (p > 0) { body.amount_paid = p; body.mode = mode.control.value; }
    }
    if (account.control.value) body.account_id = account.control.value;
    if (Object.keys(problems).length) {
      showFormError(form, alert, { status: 422, fields: problems, message: t('Please correct the highlighted fields.') });
      return;
    }
    try {
      const bill = await api.create(path('purchaseCreate'), body);
      toast(t('Purchase from {name} saved: {amount}; stock updated.', { name: bill.supplier.name, amount: formatMoney(bill.total) }), 'success');
      navigate(`/books/purchases/${encodeURIComponent(bill.id)}`);
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  add(ctx.root, pageHeader(t('New purchase')), card(t('Supplier’s bill'), form));
}

export function purchaseDetailPage(ctx) {
  const [id] = ctx.params;
  const body = h('div', {}, loadingState());
  add(ctx.root, body);
  const load = async () => {
    try {
      draw(await api.get(path('purchase', id)));
    } catch (e) {
      fill(body, pageHeader(t('Purchase')), e.status === 404
        ? emptyState(t('This purchase does not exist.'), linkButton('#/books/purchases', t('Back to purchases'), { kind: 'secondary' }))
        : errorState(e, load));
    }
  };
  function draw(b) {
    ctx.setTitle(t('Purchase from {name}', { name: b.supplier.name }));
    const voidBtn = b.status === 'void' ? null : h('button', { type: 'button', class: 'btn btn-danger-outline', testid: 'purchase-void' }, t('Void this bill'));
    voidBtn?.addEventListener('click', async () => {
      const done = await confirmDialog({
        title: t('Void this purchase?'),
        message: t('The stock it brought goes back out and you no longer owe it. Money already paid stays with the supplier as an advance. This cannot be undone.'),
        confirmText: t('Void'), danger: true, reason: { label: t('Reason (optional)') },
        action: (v) => api.post(path('purchaseVoid', b.id), v.reason ? { reason: v.reason } : {}),
      });
      if (done) { toast(t('Purchase voided; stock and payable reversed.'), 'success'); load(); }
    });
    const taxRows = b.inter_state
      ? [['IGST', b.igst]]
      : [['CGST', b.cgst], ['SGST', b.sgst]];
    fill(body,
      pageHeader(`${b.supplier.name}${b.bill_number ? ` · ${b.bill_number}` : ''}`, voidBtn),
      h('section', { class: 'card summary' },
        h('div', { class: 'summary-item' }, h('p', { class: 'stat-label' }, t('Status')), purchaseBadge(b.status)),
        h('div', { class: 'summary-item' }, h('p', { class: 'stat-label' }, t('Bill date')), h('p', {}, formatDate(b.bill_date))),
        h('div', { class: 'summary-item' }, h('p', { class: 'stat-label' }, t('Total')), h('p', { class: 'stat-value', testid: 'purchase-total' }, formatMoney(b.total))),
        h('div', { class: 'summary-item' }, h('p', { class: 'stat-label' }, t('Still to pay')), h('p', { class: 'stat-value', testid: 'purchase-due' }, formatMoney(b.balance_due)))),
      card(t('Items'), dataTable({
        testid: 'purchase-items', caption: t('Items'), items: b.items,
        columns: [
          { label: t('Item'), render: (i) => i.description },
          { label: t('Qty'), className: 'num', render: (i) => `${formatQuantity(i.quantity)} ${i.unit}` },
          { label: t('Cost'), className: 'num', render: (i) => formatMoney(i.unit_cost) },
          { label: t('GST'), className: 'num hide-sm', render: (i) => (i.gst_rate === null || i.gst_rate === undefined ? '—' : `${i.gst_rate}%`) },
          { label: t('Amount'), className: 'num', render: (i) => formatMoney(i.total) },
        ],
        footer: [
          h('tr', {}, h('th', { scope: 'row', colspan: '4' }, t('Taxable value')), h('td', { class: 'num' }, formatMoney(b.subtotal))),
          ...taxRows.map(([label, v]) => h('tr', {}, h('th', { scope: 'row', colspan: '4' }, label), h('td', { class: 'num' }, formatMoney(v)))),
          h('tr', {}, h('th', { scope: 'row', colspan: '4' }, t('Total')), h('td', { class: 'num' }, formatMoney(b.total))),
        ],
      })),
      card(t('Payments'), (b.payments || []).length
        ? dataTable({ caption: t('Payments'), items: b.payments, columns: [
          { label: t('Date'), render: (p) => formatDate(p.paid_on) },
          { label: t('Mode'), render: (p) => modeLabel(p.mode) },
          { label: t('Amount'), className: 'num', render: (p) => formatMoney(p.amount) },
        ] })
        : emptyState(b.status === 'void' ? t('Void.') : t('Nothing paid yet.'),
          b.status === 'void' ? null : linkButton(`#/books/suppliers/${encodeURIComponent(b.supplier.id)}`, t('Pay the supplier'), { kind: 'secondary' }))),
      b.void_reason ? h('p', { class: 'field-hint' }, t('Voided: {reason}', { reason: b.void_reason })) : null);
  }
  load();
}

/* ---------- expenses ---------- */

/** An expense's receipt: "View" (opens it) and "Remove", or "Attach" when there is none. */
function receiptCell(e, reload) {
  const input = h('input', { type: 'file', accept: RECEIPT_TYPES.join(','), class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', testid: 'receipt-file' });
  const pick = h('button', { type: 'button', class: 'btn btn-small', testid: 'receipt-attach' }, t('Attach'));
  pick.setAttribute('aria-label', t('Attach a receipt to {category}, {date}', { category: e.category, date: formatDate(e.date) }));
  pick.addEventListener('click', () => input.click());
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const problem = receiptProblem(file);
    if (problem) { toast(t('Receipt not attached: {reason}.', { reason: problem }), 'error'); input.value = ''; return; }
    pick.disabled = true;
    pick.textContent = t('Uploading…');
    try {
      await api.put(path('expenseReceiptPut', e.id), file);
      toast(t('Receipt attached.'), 'success');
      reload();
    } catch (err) {
      toast(t('Receipt not attached: {reason}.', { reason: errorMessage(err) }), 'error');
      pick.disabled = false;
      pick.textContent = t('Attach');
    }
    input.value = '';
  });
  if (!e.receipt) return h('span', { class: 'receipt-cell' }, pick, input);
  const kind = e.receipt.content_type === 'application/pdf' ? t('PDF') : t('Photo');
  const view = h('a', { href: e.receipt.url, target: '_blank', rel: 'noopener', class: 'btn btn-small', testid: 'receipt-view',
    title: `${kind}, ${formatBytes(e.receipt.size)}`, 'aria-label': t('View the receipt of {category}, {date}', { category: e.category, date: formatDate(e.date) }) }, t('View'));
  const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'receipt-remove' }, t('Remove'));
  remove.setAttribute('aria-label', t('Remove the receipt of {category}, {date}', { category: e.category, date: formatDate(e.date) }));
  remove.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: t('Remove this receipt?'), message: t('The receipt of {category}, {amount} on {date}. The expense stays.', { category: e.category, amount: formatMoney(e.amount), date: formatDate(e.date) }),
      confirmText: t('Remove'), danger: true, action: () => api.del(path('expenseReceiptDelete', e.id)),
    });
    if (ok) { toast(t('Receipt removed.'), 'success'); reload(); }
  });
  // Replacing is Remove, then Attach: two buttons fit a phone's row.
  return h('span', { class: 'receipt-cell' }, view, remove);
}

export async function expensesPage(ctx) {
  const alert = formAlert('expense-form-error');
  const amount = field({ label: t('Amount (₹)'), name: 'amount', required: true, testid: 'expense-amount', attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '1500' } });
  const listId = 'expense-categories';
  const datalist = h('datalist', { id: listId });
  const category = field({ label: t('Category'), name: 'category', required: true, testid: 'expense-category', hint: t('Pick one, or type a new one (it is kept)'), attrs: { list: listId, autocomplete: 'off' } });
  const date = field({ label: t('Date'), name: 'date', type: 'date', value: todayIn(timeZone()), testid: 'expense-date' });
  const mode = field({ label: t('Paid by'), name: 'mode', type: 'select', options: PAYMENT_MODES, value: 'cash', testid: 'expense-mode' });
  const account = await accountSelect({ testid: 'expense-account' });
  const gst = field({ label: t('GST in this amount (₹)'), name: 'gst_paid', testid: 'expense-gst', hint: t('Optional, from the bill'), attrs: { inputmode: 'decimal' } });
  const note = field({ label: t('Note'), name: 'note', testid: 'expense-note', attrs: { maxlength: 500 } });
  // On a phone the picker offers the camera: photograph the bill as it is paid.
  const photo = field({ label: t('Receipt photo'), name: 'receipt', type: 'file', testid: 'expense-receipt', hint: t('Optional: a photo or PDF of the bill, up to 5 MB'), attrs: { accept: RECEIPT_TYPES.join(',') } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'expense-submit' }, t('Add expense'));
  const form = h('form', { class: 'stack', testid: 'expense-form', novalidate: true },
    h('div', { class: 'form-grid plain' }, amount, category, date, mode, account, gst, note, photo), datalist, alert.el, h('div', { class: 'form-actions' }, submit));

  const totals = h('div', { testid: 'expense-totals' }, loadingState());
  async function loadCategories() {
    try {
      const list = await api.get(path('expenseCategories'));
      fill(datalist, ...(list.items || []).map((c) => h('option', { value: c.name })));
    } catch { /* the field still takes typed text */ }
  }
  async function loadTotals() {
    const tz = timeZone();
    const today = todayIn(tz);
    const from = `${today.slice(0, 8)}01`;
    try {
      const pl = await api.get(path('profitAndLoss'), { from, to: today });
      const rows = pl.expenses_by_category || [];
      fill(totals, rows.length
        ? dataTable({
          testid: 'expense-totals-table', caption: t('This month by category'), items: rows,
          columns: [{ label: t('Category'), render: (r) => r.category }, { label: t('This month (before GST)'), className: 'num', render: (r) => formatMoney(r.amount) }],
          footer: h('tr', {}, h('th', { scope: 'row' }, t('Total')), h('td', { class: 'num' }, formatMoney(pl.expenses))),
        })
        : emptyState(t('No expenses this month yet.')));
    } catch (e) {
      fill(totals, errorState(e, loadTotals));
    }
  }

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('expenses'), { cursor, limit: 50 }),
    render: (items) => dataTable({
      testid: 'expenses-table', rowTestid: 'expense-row', caption: t('Expenses'), items,
      columns: [
        { label: t('Date'), render: (e) => formatDate(e.date) },
        { label: t('Category'), render: (e) => e.category },
        { label: t('Note'), className: 'hide-sm', render: (e) => e.note || '—' },
        { label: t('Amount'), className: 'num', render: (e) => formatMoney(e.amount) },
        { label: t('Receipt'), render: (e) => receiptCell(e, () => list.reload()) },
        {
          label: t('Actions'), render: (e) => {
            const del = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline', testid: 'expense-delete' }, t('Delete'));
            del.addEventListener('click', async () => {
              const ok = await confirmDialog({
                title: t('Delete this expense?'), message: t('{category}, {amount} on {date}. Its money goes back into the account it was paid from.', { category: e.category, amount: formatMoney(e.amount), date: formatDate(e.date) }),
                confirmText: t('Delete'), danger: true, action: () => api.del(path('expenseDelete', e.id)),
              });
              if (ok) { toast(t('Expense deleted.'), 'success'); list.reload(); loadTotals(); }
            });
            return del;
          },
        },
      ],
    }),
    empty: () => emptyState(t('No expenses recorded yet. Rent, salary, electricity, transport — add them above.')),
  });

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const problems = {};
    const paise = parseRupees(amount.control.value);
    if (!paise) problems.amount = t('enter an amount above zero');
    if (!category.control.value.trim()) problems.category = t('choose or type a category');
    const body = { amount: paise, category: category.control.value.trim(), mode: mode.control.value };
    if (date.control.value) body.date = date.control.value;
    if (account.control.value) body.account_id = account.control.value;
    if (gst.control.value.trim()) {
      const g = parseRupees(gst.control.value);
      if (g === null) problems.gst_paid = t('enter an amount, e.g. 90'); else body.gst_paid = g;
    }
    if (note.control.value.trim()) body.note = note.control.value.trim();
    const file = photo.control.files && photo.control.files[0];
    const fileProblem = receiptProblem(file);
    if (fileProblem) problems.receipt = fileProblem;
    if (Object.keys(problems).length) {
      showFormError(form, alert, { status: 422, fields: problems, message: t('Please correct the highlighted fields.') });
      return;
    }
    try {
      const e = await api.create(path('expenseCreate'), body);
      amount.control.value = '';
      gst.control.value = '';
      note.control.value = '';
      if (file) {
        // The expense is kept even when the file does not go: the row offers "Attach" again.
        try {
          await api.put(path('expenseReceiptPut', e.id), file);
          toast(t('{category}: {amount} recorded with its receipt.', { category: e.category, amount: formatMoney(e.amount) }), 'success');
        } catch (err) {
          toast(t('{category}: {amount} recorded, but the receipt was not attached: {reason}', { category: e.category, amount: formatMoney(e.amount), reason: errorMessage(err) }), 'error');
        }
        photo.control.value = '';
      } else {
        toast(`${e.category}: ${formatMoney(e.amount)} recorded.`, 'success');
      }
      list.reload();
      loadTotals();
      loadCategories();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  add(ctx.root, pageHeader(t('Expenses')), card(t('Add an expense'), form), card(t('This month by category'), totals), card(t('Recent expenses'), list.el));
  loadCategories();
  loadTotals();
  list.reload();
}

/* ---------- accounts ---------- */

export function accountsPage(ctx) {
  const balances = h('div', { testid: 'accounts-list' }, loadingState());
  const book = h('div', { testid: 'account-book' });
  const bookAccount = h('select', { id: 'book-account', testid: 'book-account' });
  const today = todayIn(timeZone());
  const bookFrom = h('input', { type: 'date', id: 'book-from', testid: 'book-from', value: `${today.slice(0, 8)}01` });
  const bookTo = h('input', { type: 'date', id: 'book-to', testid: 'book-to', value: today });
  let accounts = [];

  const transferAlert = formAlert('transfer-error');
  const from = field({ label: t('From'), name: 'from_account_id', type: 'select', testid: 'transfer-from' });
  const to = field({ label: t('To'), name: 'to_account_id', type: 'select', testid: 'transfer-to' });
  const tAmount = field({ label: t('Amount (₹)'), name: 'amount', required: true, testid: 'transfer-amount', attrs: { inputmode: 'decimal' } });
  const tNote = field({ label: t('Note'), name: 'note', testid: 'transfer-note', hint: t('e.g. Deposited at the branch'), attrs: { maxlength: 200 } });
  const transferForm = h('form', { class: 'stack', testid: 'transfer-form', novalidate: true },
    h('div', { class: 'form-grid plain' }, from, to, tAmount, tNote), transferAlert.el,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'transfer-submit' }, t('Move money'))));

  const addAlert = formAlert('account-form-error');
  const aName = field({ label: t('Name'), name: 'name', required: true, testid: 'account-name', hint: t('e.g. HDFC current, PhonePe'), attrs: { maxlength: 80 } });
  const aKind = field({ label: t('Kind'), name: 'kind', type: 'select', options: ACCOUNT_KINDS.map(([value, label]) => ({ value, label: t(label) })), value: 'bank', testid: 'account-kind' });
  const aLast4 = field({ label: t('Last 4 digits'), name: 'last4', testid: 'account-last4', attrs: { inputmode: 'numeric', maxlength: 4 } });
  const aOpening = field({ label: t('Balance today (₹)'), name: 'opening_balance', testid: 'account-opening', attrs: { inputmode: 'decimal' } });
  const addForm = h('form', { class: 'stack', testid: 'account-form', novalidate: true },
    h('div', { class: 'form-grid plain' }, aName, aKind, aLast4, aOpening), addAlert.el,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'account-submit' }, t('Add account'))));

  function setOpening(a) {
    const alert = formAlert('opening-error');
    const input = field({ label: t('Opening balance of {name} (₹)', { name: a.name }), name: 'opening_balance', testid: 'opening-input',
      value: String(a.opening_balance / 100), hint: t('What the account held when you started with Munim; the balance moves by the difference.'),
      attrs: { inputmode: 'decimal' } });
    const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'opening-save' }, t('Save'));
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
    const form = h('form', { class: 'stack', novalidate: true }, input, alert.el, h('div', { class: 'form-actions' }, cancel, save));
    const { close } = openDialog({ title: t('Opening balance'), body: form, testid: 'opening-dialog' });
    cancel.addEventListener('click', close);
    onSubmit(form, async () => {
      const p = parseRupees(input.control.value);
      if (p === null) { alert.show(t('Enter an amount, e.g. 20000.')); return; }
      try {
        await api.patch(path('moneyAccountUpdate', a.id), { opening_balance: p });
        close();
        toast(t('Opening balance saved.'), 'success');
        load();
      } catch (e) {
        alert.show(errorMessage(e));
      }
    });
    input.control.focus();
  }

  async function load() {
    try {
      const list = await api.get(path('moneyAccounts'));
      accounts = list.items || [];
      const unset = accounts.some((a) => a.kind === 'cash' && !Number(a.opening_balance));
      fill(balances, unset ? h('p', { class: 'field-hint', testid: 'opening-hint' },
        t('Start by telling Munim how much cash was in the drawer when you began: “Set opening” on Cash in hand.')) : null, dataTable({
        testid: 'accounts-table', rowTestid: 'account-row', caption: t('Accounts'), items: accounts,
        columns: [
          { label: t('Account'), render: (a) => `${a.name}${a.last4 ? ` ·${a.last4}` : ''}` },
          { label: t('Kind'), className: 'hide-sm', render: (a) => ({ cash: t('Cash'), bank: t('Bank'), upi: t('UPI') }[a.kind] || a.kind) },
          { label: t('Balance'), className: 'num', render: (a) => h('span', { testid: 'account-balance' }, formatMoney(a.balance)) },
          {
            label: t('Actions'), render: (a) => {
              const b = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'account-opening-edit' }, t('Set opening'));
              b.addEventListener('click', () => setOpening(a));
              return b;
            },
          },
        ],
        footer: h('tr', {}, h('th', { scope: 'row', colspan: '2' }, t('All accounts')), h('td', { class: 'num', testid: 'accounts-total' }, formatMoney(list.total)), h('td', {})),
      }));
      const options = accounts.map((a) => h('option', { value: a.id }, a.name));
      const keep = bookAccount.value;
      fill(bookAccount, ...accounts.map((a) => h('option', { value: a.id }, a.name)));
      if (keep && accounts.some((a) => a.id === keep)) bookAccount.value = keep;
      fill(from.control, ...options.map((o) => o.cloneNode(true)));
      fill(to.control, ...options.map((o) => o.cloneNode(true)));
      if (accounts.length > 1) to.control.value = accounts[1].id;
      loadBook();
    } catch (e) {
      fill(balances, errorState(e, load));
    }
  }

  async function loadBook() {
    if (!bookAccount.value) return;
    fill(book, loadingState());
    try {
      const b = await api.get(path('moneyAccountEntries', bookAccount.value), { from: bookFrom.value || undefined, to: bookTo.value || undefined });
      const rows = b.entries || [];
      fill(book,
        h('p', { class: 'field-hint', testid: 'book-summary' },
          t('Opening {opening} · in {in} · out {out} · closing {closing}', { opening: formatMoney(b.opening_balance), in: formatMoney(b.total_in), out: formatMoney(b.total_out), closing: formatMoney(b.closing_balance) })),
        rows.length
          ? dataTable({
            testid: 'book-table', rowTestid: 'book-row', caption: t('Entries'), items: rows,
            columns: [
              { label: t('Date'), render: (e) => formatDate(e.date) },
              { label: t('Entry'), render: (e) => e.description },
              { label: t('In'), className: 'num', render: (e) => (e.money_in ? formatMoney(e.money_in) : '') },
              { label: t('Out'), className: 'num', render: (e) => (e.money_out ? formatMoney(e.money_out) : '') },
              { label: t('Balance'), className: 'num', render: (e) => formatMoney(e.balance) },
            ],
          })
          : emptyState(t('No money moved in this period.')));
    } catch (e) {
      fill(book, errorState(e, loadBook));
    }
  }
  for (const el of [bookAccount, bookFrom, bookTo]) el.addEventListener('change', loadBook);

  onSubmit(transferForm, async () => {
    transferAlert.clear();
    clearFieldErrors(transferForm);
    const paise = parseRupees(tAmount.control.value);
    if (!paise) {
      showFormError(transferForm, transferAlert, { status: 422, fields: { amount: t('enter an amount above zero') }, message: t('Please correct the highlighted fields.') });
      return;
    }
    const body = { from_account_id: from.control.value, to_account_id: to.control.value, amount: paise };
    if (tNote.control.value.trim()) body.note = tNote.control.value.trim();
    try {
      await api.create(path('transferCreate'), body);
      toast(t('Moved {amount}.', { amount: formatMoney(paise) }), 'success');
      tAmount.control.value = '';
      tNote.control.value = '';
      load();
    } catch (e) {
      showFormError(transferForm, transferAlert, e);
    }
  });

  onSubmit(addForm, async () => {
    addAlert.clear();
    clearFieldErrors(addForm);
    const body = { name: aName.control.value.trim(), kind: aKind.control.value };
    const problems = {};
    if (!body.name) problems.name = t('give the account a name');
    if (aLast4.control.value.trim()) body.last4 = aLast4.control.value.trim();
    if (aOpening.control.value.trim()) {
      const p = parseRupees(aOpening.control.value);
      if (p === null) problems.opening_balance = t('enter an amount, e.g. 20000'); else body.opening_balance = p;
    }
    if (Object.keys(problems).length) {
      showFormError(addForm, addAlert, { status: 422, fields: problems, message: t('Please correct the highlighted fields.') });
      return;
    }
    try {
      const a = await api.create(path('moneyAccountCreate'), body);
      toast(`${a.name} added.`, 'success');
      addForm.reset();
      load();
    } catch (e) {
      showFormError(addForm, addAlert, e);
    }
  });

  add(ctx.root, pageHeader(t('Cash and bank')),
    card(t('Where your money is'), balances),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, t('Cash book / bank book')),
        h('div', { class: 'field field-inline' }, h('label', { for: 'book-account' }, t('Account')), bookAccount),
        h('div', { class: 'field field-inline' }, h('label', { for: 'book-from' }, t('From')), bookFrom),
        h('div', { class: 'field field-inline' }, h('label', { for: 'book-to' }, t('To')), bookTo)),
      book),
    card(t('Move money between accounts'), transferForm),
    card(t('Add a bank or UPI account'), addForm));
  load();
}

/* ---------- profit and loss ---------- */

export function profitAndLossPage(ctx) {
  const today = todayIn(timeZone());
  const fromInput = h('input', { type: 'date', id: 'pl-from', testid: 'pl-from', value: `${today.slice(0, 8)}01` });
  const toInput = h('input', { type: 'date', id: 'pl-to', testid: 'pl-to', value: today });
  const out = h('div', { testid: 'pl-report' }, loadingState());

  async function load() {
    fill(out, loadingState());
    try {
      const pl = await api.get(path('profitAndLoss'), { from: fromInput.value || undefined, to: toInput.value || undefined });
      const prev = pl.previous || {};
      const row = (label, key, opts = {}) => ({ label, now: pl[key], before: prev[key], ...opts });
      const rows = [
        row(t('Sales (before GST)'), 'sales'),
        row(t('Cost of goods sold'), 'cost_of_goods_sold'),
        row(t('Gross profit'), 'gross_profit', { strong: true }),
        ...(pl.expenses_by_category || []).map((c) => ({ label: `  ${c.category}`, now: c.amount, before: null, sub: true })),
        row(t('Expenses'), 'expenses'),
        row(t('Net profit'), 'net_profit', { strong: true, testid: 'pl-net' }),
      ];
      fill(out,
        dataTable({
          testid: 'pl-table', caption: t('Profit and loss'), items: rows,
          columns: [
            { label: '', render: (r) => (r.strong ? h('strong', {}, r.label) : r.sub ? h('span', { class: 'field-hint' }, r.label.trim()) : r.label) },
            {
              label: `${formatDate(pl.from)} – ${formatDate(pl.to)}`, className: 'num',
              render: (r) => h(r.strong ? 'strong' : 'span', { testid: r.testid || null, class: Number(r.now) < 0 ? 'money-due' : null }, formatMoney(r.now)),
            },
            { label: t('Previous period'), className: 'num hide-sm', render: (r) => (r.before === null || r.before === undefined ? '' : formatMoney(r.before)) },
          ],
        }),
        h('p', { class: 'field-hint' }, pl.note));
    } catch (e) {
      fill(out, errorState(e, load));
    }
  }
  for (const el of [fromInput, toInput]) el.addEventListener('change', load);
  add(ctx.root, pageHeader(t('Profit and loss')),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, t('Did the shop make money?')),
        h('div', { class: 'field field-inline' }, h('label', { for: 'pl-from' }, t('From')), fromInput),
        h('div', { class: 'field field-inline' }, h('label', { for: 'pl-to' }, t('To')), toInput)),
      out));
  load();
}
