// The Assistant: a chat that keeps the books. Text or voice goes to /assistant/messages; writes
// come back as preview cards that only commit on Confirm. Cards are drawn per kind from the
// contract (docs/api-contract.md, "Assistant"); every value goes through h(), so nothing from
// the server or the user is ever parsed as HTML.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, loadingState, errorState, formAlert, badge, busy, fill, add, toast,
} from './ui.js';
import {
  formatMoney, formatQuantity, formatDate, parseRupees, paiseToInput,
  parseQuantityMilli, milliToNumber, unitLabel, insufficientStockMessage, normalisePhone, possessive,
} from './format.js';
import { PAYMENT_MODES, modeLabel } from './shared/payments.js';
import { t, tn, mark, tParts } from './i18n.js';

export const SUGGESTIONS = [
  mark('sold 2 bags cement to Ramesh at 350, paid 500'),
  mark('Ramesh paid 1000 by UPI'),
  mark('how much cement is left'),
  mark('who owes me money'),
  mark('Ramesh ka kitna baaki hai'),
];

const MAX_RECORDING_S = 120;
const MAX_AUDIO_BYTES = 10 * 1024 * 1024;
const AUDIO_TYPES = [
  ['audio/webm;codecs=opus', 'webm'],
  ['audio/webm', 'webm'],
  ['audio/ogg;codecs=opus', 'ogg'],
  ['audio/ogg', 'ogg'],
  ['audio/mp4', 'm4a'],
];

/* ---------- small helpers ---------- */

const money = (paise, testid = null) => h('span', { class: 'money', testid }, formatMoney(paise));

function qtyText(quantity, unit) {
  const label = unitLabel(unit, quantity);
  return label ? `${formatQuantity(quantity)} ${label}` : formatQuantity(quantity);
}

function customerLink(customer, testid = 'card-link') {
  if (!customer) return '—';
  if (!customer.id) return customer.name || '—';
  return h('a', { href: `#/ledger/customers/${encodeURIComponent(customer.id)}`, testid }, customer.name || t('Customer'));
}

/** A definition list from [label, value, testid?] rows; rows with value null/undefined are skipped. */
function meta(rows) {
  return h('dl', { class: 'meta chat-card-meta' }, rows.filter((r) => r && r[1] !== undefined && r[1] !== null).map(([label, value, testid]) => [
    h('dt', {}, typeof label === 'string' ? t(label) : label), h('dd', { testid: testid || null }, value),
  ]));
}

/** Totals list: [label, paise, testid, strong?]. */
function totals(rows) {
  return h('dl', { class: 'totals chat-card-totals' }, rows.filter((r) => r && r[1] !== undefined && r[1] !== null).map(([label, value, testid, strong]) => [
    h('dt', { class: strong ? 'strong' : null }, typeof label === 'string' ? t(label) : label),
    h('dd', { class: strong ? 'strong' : null, testid: testid || null }, money(value)),
  ]));
}

function balanceWords(paise) {
  const b = Number(paise) || 0;
  if (b > 0) return [money(b), ' ', t('due')];
  if (b < 0) return [money(-b), ' ', t('advance')];
  return money(0);
}

const PERIODS = {
  today: mark('Today'), this_week: mark('This week'), this_month: mark('This month'), last_month: mark('Last month'),
};

const STATUS = {
  pending: [mark('Waiting for you'), 'warn'],
  confirmed: [mark('Confirmed'), 'success'],
  cancelled: [mark('Cancelled'), 'neutral'],
  failed: [mark('Failed'), 'danger'],
};

function friendlyError(e) {
  if (e && e.code === 'insufficient_stock') return insufficientStockMessage(e.details);
  return errorMessage(e);
}

/* ---------- card bodies, one per kind ---------- */

function invoicePreviewBody(d) {
  const lines = Array.isArray(d.lines) ? d.lines : [];
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('Invoice lines') },
    h('table', { class: 'table table-compact', testid: 'card-lines' },
      h('caption', { class: 'visually-hidden' }, t('Invoice lines')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('Item')),
        h('th', { scope: 'col', class: 'num' }, t('Qty')),
        h('th', { scope: 'col', class: 'num' }, t('Price')),
        h('th', { scope: 'col', class: 'num' }, t('Total')))),
      h('tbody', {}, lines.map((l) => h('tr', { testid: 'card-line' },
        h('td', {}, l.product || '—', l.gst_rate ? h('span', { class: 'cell-sub' }, `GST ${Number(l.gst_rate)}%`) : null),
        h('td', { class: 'num' }, qtyText(l.quantity, l.unit)),
        h('td', { class: 'num' }, money(l.unit_price),
          l.gst_rate && l.price_includes_gst ? h('span', { class: 'cell-sub', testid: 'card-line-incl' }, t('incl. GST')) : null),
        h('td', { class: 'num' }, money(l.total, 'card-line-total')))))));
  return [
    meta([[mark('Customer'), customerLink(d.customer, 'card-customer'), null]]),
    table,
    totals([
      // The API's subtotal is the taxable value after discounts; shown before them so the rows add up.
      Number(d.discount) || Number(d.tax_total) ? [mark('Subtotal'), Number(d.subtotal) + Number(d.discount || 0), 'card-subtotal'] : null,
      Number(d.discount) ? [mark('Discount'), -Number(d.discount), 'card-discount'] : null,
      Number(d.tax_total) ? [mark('GST'), d.tax_total, 'card-tax'] : null,
      [mark('Total'), d.total, 'card-total', true],
      [d.payment_mode && Number(d.amount_paid) ? t('Paid now ({mode})', { mode: modeLabel(d.payment_mode) }) : t('Paid now'), d.amount_paid ?? 0, 'card-paid'],
      [mark('Balance due'), d.balance_due, 'card-balance-due', true],
    ]),
    d.customer_balance_after !== undefined && d.customer_balance_after !== null
      ? h('p', { class: 'chat-card-note', testid: 'card-customer-balance' },
        `${possessive(d.customer?.name || 'Customer')} balance: `,
        balanceWords(d.customer_balance_before), ' → ', balanceWords(d.customer_balance_after))
      : null,
  ];
}

function invoiceIssuedBody(d) {
  return [
    meta([
      [mark('Invoice'), h('a', { href: `#/ledger/invoices/${encodeURIComponent(d.invoice_id || '')}`, testid: 'card-link' }, d.number || t('Open invoice')), 'card-number'],
      [mark('Customer'), customerLink(d.customer, 'card-customer')],
    ]),
    totals([
      [mark('Total'), d.total, 'card-total', true],
      [mark('Paid'), d.amount_paid ?? 0, 'card-paid'],
      [mark('Balance due'), d.balance_due, 'card-balance-due', true],
    ]),
    d.customer_balance !== undefined && d.customer_balance !== null
      ? h('p', { class: 'chat-card-note', testid: 'card-customer-balance' }, t('Balance of {name} now:', { name: d.customer?.name || t('Customer') }), ' ', balanceWords(d.customer_balance))
      : null,
    d.pdf_url ? h('p', { class: 'chat-card-note' }, h('a', { href: d.pdf_url, testid: 'card-pdf' }, t('Download PDF'))) : null,
  ];
}

function paymentBody(d, kind) {
  const settles = Array.isArray(d.settles) ? d.settles : [];
  return [
    meta([
      [mark('Customer'), customerLink(d.customer, kind === 'payment_recorded' ? 'card-link' : 'card-customer')],
      [mark('Amount'), money(d.amount, 'card-amount')],
      [mark('Mode'), modeLabel(d.payment_mode)],
      [mark('Settles'), settles.length
        ? h('ul', { class: 'plain-list' }, settles.map((s) => h('li', {},
          s.invoice_id ? h('a', { href: `#/ledger/invoices/${encodeURIComponent(s.invoice_id)}` }, s.number || t('Invoice')) : (s.number || t('Invoice')),
          ' ', money(s.amount))))
        : t('No open invoices')],
      Number(d.credit) ? [mark('Kept as credit'), money(d.credit)] : null,
      [mark('Balance'), h('span', { testid: 'card-balance-after' }, balanceWords(d.balance_before), ' → ', balanceWords(d.balance_after))],
    ]),
  ];
}

function stockBody(d) {
  const product = d.product || {};
  return [
    h('p', { class: 'chat-card-big' },
      ...tParts('{quantity} of {product}', { quantity: h('span', { testid: 'card-stock' }, qtyText(d.stock, d.unit)), product: product.name || t('this product') }), ' ',
      d.low_stock ? badge(t('Low stock'), 'warn', 'card-low-stock') : null),
    d.low_stock_threshold !== undefined && d.low_stock_threshold !== null && Number(d.low_stock_threshold) > 0
      ? h('p', { class: 'chat-card-note' }, t('Low-stock alert at {quantity}.', { quantity: qtyText(d.low_stock_threshold, d.unit) }))
      : null,
    h('p', { class: 'chat-card-note' }, h('a', { href: '#/ledger/products', testid: 'card-link' }, t('Open products'))),
  ];
}

function stockUpdateBody(d) {
  const verb = { add: t('Add'), remove: t('Remove'), set: t('Set stock to') }[d.mode] || t('Change by');
  return [
    meta([
      [mark('Product'), d.product?.name || '—'],
      [mark('Change'), `${verb} ${qtyText(d.quantity, d.unit)}`, 'card-change'],
      [mark('Stock'), h('span', { testid: 'card-stock' }, `${formatQuantity(d.stock_before)} → ${qtyText(d.stock_after, d.unit)}`)],
    ]),
  ];
}

function balanceBody(d) {
  const last = d.last_payment;
  return [
    meta([
      [mark('Customer'), customerLink(d.customer)],
      [mark('Last payment'), last ? [money(last.amount), ' ', t('on {date}', { date: formatDate(last.paid_on) })] : t('None yet')],
    ]),
    totals([
      [mark('Billed'), d.billed, 'card-billed'],
      [mark('Paid'), d.paid, 'card-paid'],
      [mark('Due'), d.due, 'card-due', true],
    ]),
  ];
}

function debtorsBody(d) {
  const list = Array.isArray(d.debtors) ? d.debtors : [];
  if (!list.length) return [h('p', { class: 'chat-card-note' }, t('Nobody owes you anything right now.'))];
  return [
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('Who owes you') },
      h('table', { class: 'table table-compact' },
        h('caption', { class: 'visually-hidden' }, t('Who owes you')),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('Customer')),
          h('th', { scope: 'col', class: 'num' }, t('Due')),
          h('th', { scope: 'col', class: 'num' }, t('Overdue')))),
        h('tbody', {}, list.map((x) => h('tr', { testid: 'card-debtor' },
          h('td', {}, customerLink(x.customer)),
          h('td', { class: 'num' }, money(x.due)),
          h('td', { class: 'num' }, Number(x.days_overdue) > 0 ? `${x.days_overdue} day${Number(x.days_overdue) === 1 ? '' : 's'}` : '—')))))),
    totals([[mark('Total due'), d.total_due, 'card-total', true]]),
  ];
}

function salesSummaryBody(d) {
  const range = d.from && d.to ? (d.from === d.to ? formatDate(d.from) : `${formatDate(d.from)} – ${formatDate(d.to)}`) : null;
  return [
    meta([
      [mark('Period'), [PERIODS[d.period] ? t(PERIODS[d.period]) : d.period || '—', range ? h('span', { class: 'cell-sub' }, range) : null]],
      [mark('Invoices'), formatQuantity(d.invoices ?? 0), 'card-invoices'],
    ]),
    totals([
      [mark('Sales'), d.total, 'card-total', true],
      [mark('Collected'), d.collected, 'card-collected'],
    ]),
  ];
}

function reportBody(d) {
  const what = [d.report, d.format ? String(d.format).toUpperCase() : null, PERIODS[d.period] ? t(PERIODS[d.period]) : d.period].filter(Boolean).join(' · ');
  return [
    what ? h('p', { class: 'chat-card-note' }, what) : null,
    d.url ? h('p', {}, h('a', { href: d.url, testid: 'card-link' }, t('Download report'))) : null,
    d.message ? h('p', { class: `alert ${d.available ? 'alert-info' : 'alert-warn'}`, testid: 'card-message' }, d.message) : null,
  ];
}

function paymentLinkBody(d) {
  return [
    meta([
      [mark('Customer'), customerLink(d.customer)],
      [mark('Amount'), money(d.amount, 'card-amount')],
      d.url ? [mark('Link'), h('a', { href: d.url, rel: 'noopener noreferrer', target: '_blank' }, d.url)] : null,
    ]),
    d.message ? h('p', { class: `alert ${d.configured ? 'alert-info' : 'alert-warn'}`, testid: 'card-message' }, d.message) : null,
  ];
}

function invoiceSendBody(d) {
  return [
    meta([
      [mark('Invoice'), h('a', { href: `#/ledger/invoices/${encodeURIComponent(d.invoice_id || '')}`, testid: 'card-link' }, d.number || t('Open invoice')), 'card-number'],
      [mark('Customer'), d.customer || '—', 'card-customer'],
      [mark('WhatsApp'), d.phone || '—', 'card-phone'],
      [mark('Date'), d.issue_date ? formatDate(d.issue_date) : '—'],
    ]),
    totals([
      [mark('Total'), d.total, 'card-total', true],
      [mark('Due'), d.due ?? 0, 'card-due'],
    ]),
    h('p', { class: 'chat-card-note' }, t('Goes with the PDF attached, from your WhatsApp number.')),
  ];
}

function reminderBody(d) {
  const list = Array.isArray(d.customers) ? d.customers : [];
  return [
    list.length ? h('ul', { class: 'mini-list' }, list.map((c) => h('li', { testid: 'card-reminder-customer' },
      customerLink(c, null), money(c.due)))) : null,
    d.text ? h('blockquote', { class: 'chat-quote pre', testid: 'card-text' }, d.text) : null,
  ];
}

function productPreviewBody(d) {
  return [meta([
    [mark('Name'), d.name || '—', 'card-name'],
    [mark('Price'), [money(d.price), d.unit ? ` ${t('per {unit}', { unit: d.unit })}` : '']],
    [mark('Opening stock'), d.quantity === null || d.quantity === undefined ? '—' : qtyText(d.quantity, d.unit)],
  ])];
}

function customerPreviewBody(d) {
  return [meta([
    [mark('Name'), d.name || '—', 'card-name'],
    [mark('Phone'), d.phone || '—'],
  ])];
}

function socialBody(d, card, state) {
  const platform = d.platform ? d.platform[0].toUpperCase() + d.platform.slice(1) : t('Social');
  if (card.status === 'pending') {
    // The post text is edited in place; Approve saves a changed text first.
    const id = `social-${card.id}`;
    state.socialText = h('textarea', { id, rows: 4, maxlength: 3000, testid: 'card-content' });
    state.socialText.value = d.content || '';
    return [
      h('p', { class: 'chat-card-note' }, t('Post for {platform}', { platform })),
      h('label', { for: id, class: 'visually-hidden' }, t('Post text')),
      state.socialText,
      d.image_url ? h('p', { class: 'chat-card-note' }, t('Image: '), h('a', { href: d.image_url, rel: 'noopener noreferrer', target: '_blank' }, d.image_url)) : null,
    ];
  }
  return [
    h('p', { class: 'chat-card-note' }, t('Post for {platform}', { platform })),
    h('blockquote', { class: 'chat-quote pre', testid: 'card-content' }, d.content || ''),
    d.image_url ? h('p', { class: 'chat-card-note' }, t('Image: '), h('a', { href: d.image_url, rel: 'noopener noreferrer', target: '_blank' }, d.image_url)) : null,
  ];
}

function expenseBody(d) {
  return [
    meta([
      [mark('Category'), d.category || t('Other'), 'card-category'],
      d.note ? [mark('For'), d.note] : null,
      [mark('Amount'), money(d.amount, 'card-amount')],
      [mark('Paid from'), d.account?.name || modeLabel(d.payment_mode), 'card-account'],
      d.account_balance_after !== undefined && d.account_balance_after !== null
        ? [mark('Balance'), h('span', { testid: 'card-account-balance' }, money(d.account_balance_before), ' → ', money(d.account_balance_after))]
        : null,
    ]),
  ];
}

function supplierLink(s) {
  if (!s || !s.name) return '—';
  return s.id ? h('a', { href: `#/books/suppliers/${encodeURIComponent(String(s.id).toLowerCase())}`, testid: 'card-supplier' }, s.name)
    : h('span', { testid: 'card-supplier' }, s.name);
}

function purchaseBody(d) {
  const lines = Array.isArray(d.lines) ? d.lines : [];
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('Purchase lines') },
    h('table', { class: 'table table-compact', testid: 'card-lines' },
      h('caption', { class: 'visually-hidden' }, t('Purchase lines')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('Item')),
        h('th', { scope: 'col', class: 'num' }, t('Qty')),
        h('th', { scope: 'col', class: 'num' }, t('Cost')),
        h('th', { scope: 'col', class: 'num' }, t('Total')))),
      h('tbody', {}, lines.map((l) => h('tr', { testid: 'card-line' },
        h('td', {}, l.product || '—',
          h('span', { class: 'cell-sub' }, [l.gst_rate ? `GST ${Number(l.gst_rate)}% · ` : '', t('stock after:'), ' ', qtyText(l.stock_after, l.unit)])),
        h('td', { class: 'num' }, qtyText(l.quantity, l.unit)),
        h('td', { class: 'num' }, money(l.unit_cost)),
        h('td', { class: 'num' }, money(l.total, 'card-line-total')))))));
  return [
    meta([[mark('Supplier'), [supplierLink(d.supplier), d.new_supplier ? h('span', { class: 'cell-sub' }, t(' (new supplier)')) : null], 'card-supplier-row']]),
    table,
    totals([
      Number(d.tax_total) ? [mark('Before GST'), d.subtotal, 'card-subtotal'] : null,
      Number(d.tax_total) ? [d.inter_state ? 'IGST' : 'CGST + SGST', d.tax_total, 'card-tax'] : null,
      [mark('Bill total'), d.total, 'card-total', true],
      [d.payment_mode && Number(d.amount_paid) ? t('Paid now ({mode})', { mode: modeLabel(d.payment_mode) }) : t('Paid now'), d.amount_paid ?? 0, 'card-paid'],
      [mark('Still to pay'), d.balance_due, 'card-balance-due', true],
    ]),
    d.supplier_balance_after !== undefined && d.supplier_balance_after !== null
      ? h('p', { class: 'chat-card-note', testid: 'card-supplier-balance' },
        t('You owe {name}:', { name: d.supplier?.name || t('the supplier') }), ' ', money(d.supplier_balance_before), ' → ', money(d.supplier_balance_after))
      : null,
  ];
}

function supplierPaymentBody(d) {
  return [
    meta([
      [mark('Supplier'), supplierLink(d.supplier), 'card-supplier-row'],
      [mark('Amount'), money(d.amount, 'card-amount')],
      [mark('Paid from'), d.account?.name || modeLabel(d.payment_mode), 'card-account'],
      d.account_balance_after !== undefined && d.account_balance_after !== null
        ? [mark('Account balance'), h('span', { testid: 'card-account-balance' }, money(d.account_balance_before), ' → ', money(d.account_balance_after))]
        : null,
      d.balance_after !== undefined && d.balance_after !== null
        ? [mark('You owe them'), h('span', { testid: 'card-supplier-balance' }, money(d.balance_before), ' → ', money(d.balance_after))]
        : null,
    ]),
  ];
}

function booksSummaryBody(d) {
  const link = d.url ? h('p', { class: 'chat-card-note' }, h('a', { href: d.url, testid: 'card-link' }, t('Open'))) : null;
  if (d.topic === 'cash') {
    return [totals([[mark('Cash in hand'), d.cash_in_hand, 'card-cash', true], [mark('Bank and UPI'), d.bank_and_upi, 'card-bank']]), link];
  }
  if (d.topic === 'payables') {
    return [meta([d.supplier ? [mark('Supplier'), d.supplier.name] : null]), totals([[mark('You owe'), d.payables, 'card-payables', true]]), link];
  }
  const categories = Array.isArray(d.expenses_by_category) ? d.expenses_by_category : [];
  return [
    meta([[mark('Period'), PERIODS[d.period] ? t(PERIODS[d.period]) : d.period || '—']]),
    d.topic === 'expenses'
      ? totals([...categories.map((c) => [c.category, c.amount]), [mark('Expenses'), d.expenses, 'card-expenses', true]])
      : totals([
        [mark('Sales (before GST)'), d.sales, 'card-sales'],
        [mark('Cost of goods sold'), d.cost_of_goods_sold],
        [mark('Gross profit'), d.gross_profit],
        [mark('Expenses'), d.expenses],
        [mark('Net profit'), d.net_profit, 'card-net-profit', true],
      ]),
    link,
  ];
}

function genericBody(d) {
  const rows = Object.entries(d || {})
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => [k.replace(/_/g, ' '), v === null ? '—' : String(v)]);
  return rows.length ? [meta(rows)] : [];
}

const BODIES = {
  invoice_preview: invoicePreviewBody,
  invoice_issued: invoiceIssuedBody,
  payment_preview: paymentBody,
  payment_recorded: paymentBody,
  stock: stockBody,
  stock_update_preview: stockUpdateBody,
  balance: balanceBody,
  debtors: debtorsBody,
  sales_summary: salesSummaryBody,
  report: reportBody,
  payment_link_preview: paymentLinkBody,
  social_post_preview: socialBody,
  reminder_preview: reminderBody,
  invoice_send_preview: invoiceSendBody,
  product_preview: productPreviewBody,
  customer_preview: customerPreviewBody,
  expense_preview: expenseBody,
  books_summary: booksSummaryBody,
  purchase_preview: purchaseBody,
  supplier_payment_preview: supplierPaymentBody,
};

/* ---------- edit forms (the fields the contract lists per kind) ---------- */

function input(label, name, value, attrs = {}) {
  const id = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const control = h('input', { id, name, type: 'text', autocomplete: 'off', testid: `card-edit-${name}`, ...attrs });
  control.value = value ?? '';
  return { el: h('div', { class: 'field' }, h('label', { for: id }, label), control), control };
}

function select(label, name, value, options) {
  const id = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const control = h('select', { id, name, testid: `card-edit-${name}` },
    options.map((o) => h('option', { value: o.value, selected: String(o.value) === String(value ?? '') }, o.label)));
  return { el: h('div', { class: 'field' }, h('label', { for: id }, label), control), control };
}

function moneyValue(control, label) {
  const v = parseRupees(control.value);
  if (v === null) throw new Error(t('{label}: enter an amount in rupees, like 350 or 350.50', { label }));
  return v;
}

function qtyValue(control, label, allowZero = false) {
  const milli = parseQuantityMilli(control.value);
  if (milli === null || (!allowZero && milli === 0)) throw new Error(t('{label}: enter a quantity, like 2 or 2.5', { label }));
  return milliToNumber(milli);
}

const MODE_OPTIONS = [{ value: '', label: '—' }, ...PAYMENT_MODES];

/** Returns {fields: [nodes], read(): changes} for a kind, or null when it has no edit form. */
function editForm(card) {
  const d = card.data || {};
  switch (card.kind) {
    case 'invoice_preview': {
      const lines = (d.lines || []).map((l, i) => {
        const q = input(`${l.product || 'Item'}: quantity`, `quantity-${i}`, formatQuantity(l.quantity).replace(/,/g, ''), { inputmode: 'decimal', testid: 'card-edit-quantity' });
        const p = input(`${l.product || 'Item'}: price (₹)`, `price-${i}`, paiseToInput(l.unit_price), { inputmode: 'decimal', testid: 'card-edit-price' });
        return { l, q, p };
      });
      const paid = input(t('Paid now (₹)'), 'amount_paid', paiseToInput(d.amount_paid ?? 0), { inputmode: 'decimal' });
      const mode = select(t('Mode'), 'payment_mode', d.payment_mode || '', MODE_OPTIONS);
      const discount = input(t('Discount (₹)'), 'discount', paiseToInput(d.discount ?? 0), { inputmode: 'decimal' });
      return {
        fields: [lines.map(({ q, p }) => [q.el, p.el]), paid.el, mode.el, discount.el],
        read() {
          const out = {};
          const items = lines.map(({ l, q, p }) => ({
            product_id: l.product_id,
            quantity: qtyValue(q.control, l.product || t('Quantity')),
            unit_price: moneyValue(p.control, l.product || t('Price')),
          }));
          if (items.some((it, i) => it.quantity !== Number(lines[i].l.quantity) || it.unit_price !== Number(lines[i].l.unit_price))) out.items = items;
          const ap = moneyValue(paid.control, t('Paid now'));
          if (ap !== Number(d.amount_paid ?? 0)) out.amount_paid = ap;
          if ((mode.control.value || null) !== (d.payment_mode || null)) out.payment_mode = mode.control.value || null;
          const disc = moneyValue(discount.control, t('Discount'));
          if (disc !== Number(d.discount ?? 0)) out.discount = disc;
          return out;
        },
      };
    }
    case 'payment_preview': {
      const amount = input(t('Amount (₹)'), 'amount', paiseToInput(d.amount), { inputmode: 'decimal' });
      const mode = select(t('Mode'), 'payment_mode', d.payment_mode || 'cash', PAYMENT_MODES);
      return {
        fields: [amount.el, mode.el],
        read() {
          const out = {};
          const a = moneyValue(amount.control, t('Amount'));
          if (a !== Number(d.amount)) out.amount = a;
          if (mode.control.value !== d.payment_mode) out.payment_mode = mode.control.value;
          return out;
        },
      };
    }
    case 'stock_update_preview': {
      const mode = select(t('Change'), 'mode', d.mode || 'add', [
        { value: 'add', label: t('Add to stock') }, { value: 'remove', label: t('Remove from stock') }, { value: 'set', label: t('Set stock to') },
      ]);
      const qty = input(d.unit ? t('Quantity ({unit})', { unit: d.unit }) : t('Quantity'), 'quantity', formatQuantity(d.quantity).replace(/,/g, ''), { inputmode: 'decimal' });
      return {
        fields: [mode.el, qty.el],
        read() {
          const out = {};
          const q = qtyValue(qty.control, t('Quantity'), mode.control.value === 'set');
          if (q !== Number(d.quantity)) out.quantity = q;
          if (mode.control.value !== d.mode) out.mode = mode.control.value;
          return out;
        },
      };
    }
    case 'social_post_preview': {
      const image = input(t('Image URL'), 'image_url', d.image_url || '', { type: 'url', placeholder: t('https://…') });
      return {
        fields: [image.el],
        read() {
          const v = image.control.value.trim() || null;
          return v !== (d.image_url || null) ? { image_url: v } : {};
        },
      };
    }
    case 'product_preview': {
      const name = input(t('Name'), 'name', d.name || '', { maxlength: 200 });
      const unit = input(t('Unit'), 'unit', d.unit || '', { maxlength: 20, placeholder: 'pcs' });
      const price = input(t('Price (₹)'), 'price', paiseToInput(d.price), { inputmode: 'decimal' });
      const qty = input(t('Opening stock'), 'quantity', d.quantity === null || d.quantity === undefined ? '' : formatQuantity(d.quantity).replace(/,/g, ''), { inputmode: 'decimal' });
      return {
        fields: [name.el, unit.el, price.el, qty.el],
        read() {
          const out = {};
          const n = name.control.value.trim();
          if (!n) throw new Error(t('Name: please enter a name'));
          if (n !== d.name) out.name = n;
          const u = unit.control.value.trim() || null;
          if (u !== (d.unit || null)) out.unit = u;
          const p = moneyValue(price.control, t('Price'));
          if (p !== Number(d.price)) out.price = p;
          const q = qty.control.value.trim() === '' ? null : qtyValue(qty.control, t('Opening stock'), true);
          if (q !== (d.quantity === undefined ? null : d.quantity)) out.quantity = q;
          return out;
        },
      };
    }
    case 'customer_preview': {
      const name = input(t('Name'), 'name', d.name || '', { maxlength: 200 });
      const phone = input(t('Phone'), 'phone', d.phone || '', { type: 'tel', placeholder: '+919812345678' });
      return {
        fields: [name.el, phone.el],
        read() {
          const out = {};
          const n = name.control.value.trim();
          if (!n) throw new Error(t('Name: please enter a name'));
          if (n !== d.name) out.name = n;
          const p = normalisePhone(phone.control.value) || null;
          if (p !== (d.phone || null)) out.phone = p;
          return out;
        },
      };
    }
    default:
      return null;
  }
}

/* ---------- the page ---------- */

export function assistantPage(ctx) {
  let conversationId = null;
  let sending = false;
  let recorder = null; // {mediaRecorder, stream, chunks, timer, started, cancelled, type, ext}
  const cardViews = new Map(); // card id -> {el, card}

  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': t('Conversation'), testid: 'assistant-log' });
  const body = h('div', { class: 'chat-body' }, loadingState(t('Loading your conversation…')));
  const alert = formAlert('assistant-error');

  const inputId = 'assistant-input';
  const textbox = h('textarea', {
    id: inputId, class: 'chat-input', rows: 1, maxlength: 2000, testid: 'assistant-input',
    placeholder: t('Type a sale or question'), enterkeyhint: 'send', autocomplete: 'off',
  });
  const send = h('button', { type: 'submit', class: 'btn btn-primary chat-send', testid: 'assistant-send' }, t('Send'));
  const mic = h('button', {
    type: 'button', class: 'btn btn-secondary chat-mic', testid: 'assistant-mic', 'aria-pressed': 'false',
    'aria-label': t('Record a voice message'), title: t('Record a voice message'),
  }, h('span', { class: 'mic-icon', 'aria-hidden': 'true' }), h('span', { class: 'mic-label' }, t('Speak')));
  const timer = h('span', { class: 'chat-timer', testid: 'assistant-timer', role: 'timer', 'aria-live': 'off' }, '0:00');
  const micCancel = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'assistant-mic-cancel' }, t('Cancel'));
  const recordingBar = h('div', { class: 'chat-recording', testid: 'assistant-recording', hidden: true },
    h('span', { class: 'rec-dot', 'aria-hidden': 'true' }), h('span', { class: 'rec-label' }, t('Recording')), timer,
    h('span', { class: 'rec-hint muted' }, t('Press Stop to send')), micCancel);
  const composer = h('form', { class: 'chat-composer', testid: 'assistant-composer', novalidate: true },
    alert.el,
    recordingBar,
    h('div', { class: 'chat-compose-row' },
      h('label', { for: inputId, class: 'visually-hidden' }, t('Message to the assistant')),
      textbox, mic, send),
    h('p', { class: 'chat-hint muted' }, t('Enter sends, Shift+Enter adds a line. Nothing is written to your books until you confirm a card.')));

  const newChat = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'assistant-new', hidden: true }, t('New conversation'));

  add(ctx.root,
    pageHeader(t('Assistant'), newChat),
    h('p', { class: 'muted lead' }, t('Type or speak in English, Hinglish or हिंदी. Sales, payments, stock and questions about your books.')),
    h('section', { class: 'card chat', testid: 'assistant' }, body, composer));

  /* ----- turns ----- */

  function welcome() {
    return h('div', { class: 'chat-welcome', testid: 'assistant-empty' },
      h('h2', { class: 'card-title' }, t('What happened in the shop today?')),
      h('p', { class: 'muted' }, t('Tell the assistant in your own words. It prepares the invoice, payment or stock change and waits for you to confirm. Try one of these:')),
      h('div', { class: 'chips' }, SUGGESTIONS.map((example) => t(example)).map((text) => h('button', {
        type: 'button', class: 'chip', testid: 'assistant-suggestion', onclick: () => submitText(text),
      }, text))));
  }

  function showLog() {
    if (!log.isConnected || body.firstChild !== log) fill(body, log);
    newChat.hidden = false;
  }

  function turnEl(role, children, extra = {}) {
    return h('div', { class: `chat-turn chat-turn-${role}`, testid: 'assistant-turn', dataset: { role }, ...extra }, children);
  }

  function appendTurn(el) {
    showLog();
    log.appendChild(el);
    requestAnimationFrame(() => el.scrollIntoView({ block: 'nearest', behavior: 'smooth' }));
    return el;
  }

  function userTurn(text, { voice = false } = {}) {
    const textEl = h('p', { class: 'chat-text pre', testid: 'assistant-user-text' }, text);
    const el = turnEl('user', h('div', { class: 'chat-bubble' }, voice ? h('span', { class: 'chat-voice-tag' }, t('Voice')) : null, textEl));
    el.textEl = textEl;
    el.voice = voice;
    return el;
  }

  function assistantTurn(text, card, { engine = null } = {}) {
    return turnEl('assistant', [
      text ? h('div', { class: 'chat-bubble' }, h('p', { class: 'chat-text pre', testid: 'assistant-reply' }, text)) : null,
      card ? renderCard(card) : null,
    ], { dataset: { role: 'assistant', engine: engine || '' } });
  }

  function thinkingTurn() {
    // Not an assistant-turn: it is replaced by the real reply.
    return h('div', { class: 'chat-turn chat-turn-assistant', testid: 'assistant-thinking', role: 'status' },
      h('div', { class: 'chat-bubble chat-thinking' },
        h('span', { class: 'dots', 'aria-hidden': 'true' }, h('span', {}), h('span', {}), h('span', {})), ' Thinking…'));
  }

  /* ----- cards ----- */

  function renderCard(card) {
    const state = { socialText: null };
    const kind = card.kind || 'unknown';
    const status = card.status || 'info';
    const d = card.data || {};
    const bodyFn = BODIES[kind] || genericBody;
    let bodyNodes;
    try {
      bodyNodes = bodyFn(d, card, state);
    } catch (e) {
      console.warn('could not draw card', kind, e);
      bodyNodes = [h('p', { class: 'chat-card-note' }, t('This card could not be shown.'))];
    }
    const [statusText, statusKind] = STATUS[status] || [null, null];
    const errorBox = h('p', { class: 'alert alert-error chat-card-error', testid: 'card-error', role: 'alert', hidden: !card.error }, card.error || '');
    const actions = Array.isArray(card.actions) ? card.actions : [];
    const pending = status === 'pending';
    const social = kind === 'social_post_preview';

    const confirmBtn = pending && actions.includes('confirm')
      ? h('button', { type: 'button', class: 'btn btn-primary btn-small', testid: 'card-confirm' }, social ? t('Approve') : t('Confirm')) : null;
    const cancelBtn = pending && actions.includes('cancel')
      ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'card-cancel' }, social ? t('Reject') : t('Cancel')) : null;
    const form = pending && actions.includes('edit') ? editForm(card) : null;
    const editBtn = form
      ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'card-edit', 'aria-expanded': 'false' }, social ? t('Edit image') : t('Edit')) : null;
    const buttons = [confirmBtn, cancelBtn, editBtn].filter(Boolean);

    let editPanel = null;
    if (form) {
      const editAlert = formAlert('card-edit-error');
      const save = h('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'card-edit-save' }, t('Save changes'));
      const close = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'card-edit-close' }, t('Close'));
      editPanel = h('form', { class: 'chat-card-edit', testid: 'card-edit-form', hidden: true, novalidate: true },
        h('div', { class: 'chat-edit-grid' }, form.fields), editAlert.el, h('div', { class: 'form-actions' }, close, save));
      editBtn.addEventListener('click', () => {
        editPanel.hidden = !editPanel.hidden;
        editBtn.setAttribute('aria-expanded', editPanel.hidden ? 'false' : 'true');
        if (!editPanel.hidden) editPanel.querySelector('input, select, textarea')?.focus();
      });
      close.addEventListener('click', () => {
        editPanel.hidden = true;
        editBtn.setAttribute('aria-expanded', 'false');
        editBtn.focus();
      });
      editPanel.addEventListener('submit', (ev) => {
        ev.preventDefault();
        busy([save, ...buttons], async () => {
          editAlert.clear();
          let changes;
          try {
            changes = form.read();
          } catch (e) {
            editAlert.show(e.message);
            return;
          }
          if (!Object.keys(changes).length) {
            editPanel.hidden = true;
            editBtn.setAttribute('aria-expanded', 'false');
            return;
          }
          try {
            const res = await api.post(path('cardEdit', card.id), changes);
            if (res && res.card) replaceCard(res.card, { focus: true });
          } catch (e) {
            const fields = e.fields || {};
            const extra = Object.entries(fields).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`).join('; ');
            editAlert.show(extra ? `${friendlyError(e)} ${extra}` : friendlyError(e));
          }
        });
      });
    }

    const el = h('section', {
      class: `chat-card chat-card-${status}`, testid: 'card', 'aria-label': card.title || kind.replace(/_/g, ' '),
      dataset: { kind, status, id: card.id || '' },
    },
    h('header', { class: 'chat-card-head' },
      h('h3', { class: 'chat-card-title', testid: 'card-title' }, card.title || kind.replace(/_/g, ' ')),
      statusText ? badge(t(statusText), statusKind, 'card-status') : null),
    h('div', { class: 'chat-card-body' }, bodyNodes),
    errorBox,
    buttons.length ? h('div', { class: 'chat-card-actions' }, buttons) : null,
    editPanel);

    if (confirmBtn) {
      confirmBtn.addEventListener('click', () => busy(buttons, async () => {
        errorBox.hidden = true;
        try {
          if (social && state.socialText && state.socialText.value !== (d.content || '')) {
            const text = state.socialText.value.trim();
            if (!text) {
              showCardError(errorBox, t('The post is empty. Write something first.'));
              return;
            }
            await api.post(path('cardEdit', card.id), { content: text });
          }
          const res = await api.post(path('cardConfirm', card.id), {});
          afterAction(res);
        } catch (e) {
          showCardError(errorBox, friendlyError(e));
        }
      }));
    }
    if (cancelBtn) {
      cancelBtn.addEventListener('click', () => busy(buttons, async () => {
        errorBox.hidden = true;
        try {
          afterAction(await api.post(path('cardCancel', card.id), {}));
        } catch (e) {
          showCardError(errorBox, friendlyError(e));
        }
      }));
    }

    if (card.id) cardViews.set(card.id, { el, card });
    return el;
  }

  function showCardError(box, message) {
    box.textContent = message;
    box.hidden = false;
  }

  function replaceCard(card, { focus = false } = {}) {
    const view = card && card.id ? cardViews.get(card.id) : null;
    if (!view || !view.el.isConnected) return null;
    const el = renderCard(card);
    view.el.replaceWith(el);
    if (focus) {
      const target = el.querySelector('[data-testid="card-confirm"]') || el.querySelector('a, button');
      if (target) target.focus({ preventScroll: true });
    }
    return el;
  }

  function afterAction(res) {
    if (!res) return;
    if (res.card) replaceCard(res.card);
    if (res.reply || res.follow_up) appendTurn(assistantTurn(res.reply || '', res.follow_up || null, {}));
  }

  /* ----- sending ----- */

  function setSending(on) {
    sending = on;
    send.disabled = on;
    mic.disabled = on && !recorder;
    send.setAttribute('aria-busy', on ? 'true' : 'false');
    fill(send, on ? [h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), ' ', t('Sending')] : t('Send'));
  }

  async function deliver(payload, pendingUserTurn) {
    setSending(true);
    alert.clear();
    const thinking = appendTurn(thinkingTurn());
    try {
      const res = await api.post(path('assistantSend'), payload);
      thinking.remove();
      if (res.conversation_id) conversationId = res.conversation_id;
      if (pendingUserTurn.voice) pendingUserTurn.textEl.textContent = res.transcript || t('Voice message');
      appendTurn(assistantTurn(res.reply || '', res.card || null, { engine: res.engine }));
      return true;
    } catch (e) {
      thinking.remove();
      pendingUserTurn.remove();
      if (!log.children.length) fill(body, welcome());
      alert.show(e.code === 'transcription_unavailable' || e.status === 422 ? e.message : t('Could not send: {reason}', { reason: friendlyError(e) }));
      return false;
    } finally {
      setSending(false);
    }
  }

  async function submitText(raw) {
    const text = String(raw ?? '').trim();
    if (!text || sending || recorder) {
      if (!text) textbox.focus();
      return;
    }
    textbox.value = '';
    autoGrow();
    const turn = appendTurn(userTurn(text));
    const payload = { text };
    if (conversationId) payload.conversation_id = conversationId;
    const ok = await deliver(payload, turn);
    if (!ok && !textbox.value) {
      textbox.value = text;
      autoGrow();
    }
    if (ctx.root.isConnected) textbox.focus({ preventScroll: true });
  }

  function autoGrow() {
    textbox.rows = Math.min(6, Math.max(1, textbox.value.split('\n').length));
  }

  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitText(textbox.value);
  });
  textbox.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submitText(textbox.value);
    }
  });
  textbox.addEventListener('input', autoGrow);

  /* ----- voice ----- */

  function pickType() {
    if (typeof MediaRecorder.isTypeSupported !== 'function') return ['', 'webm'];
    for (const [type, ext] of AUDIO_TYPES) {
      if (MediaRecorder.isTypeSupported(type)) return [type, ext];
    }
    return ['', 'webm'];
  }

  function micError(e) {
    const name = e && e.name;
    if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError') {
      return t('Microphone permission was denied. Allow the microphone for this site in your browser settings, or type your message instead.');
    }
    if (name === 'NotFoundError' || name === 'DevicesNotFoundError') return t('No microphone was found. Connect one, or type your message instead.');
    if (name === 'NotReadableError') return t('The microphone is busy in another app. Close it there and try again.');
    return t('Could not start recording. Please type your message instead.');
  }

  function setRecordingUi(on) {
    recordingBar.hidden = !on;
    textbox.disabled = on;
    send.disabled = on || sending;
    mic.classList.toggle('recording', on);
    mic.setAttribute('aria-pressed', on ? 'true' : 'false');
    mic.setAttribute('aria-label', on ? t('Stop and send the voice message') : t('Record a voice message'));
    mic.title = mic.getAttribute('aria-label');
    mic.querySelector('.mic-label').textContent = on ? t('Stop') : t('Speak');
  }

  function tick() {
    if (!recorder) return;
    const s = Math.floor((Date.now() - recorder.started) / 1000);
    timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    if (s >= MAX_RECORDING_S) stopRecording(false);
  }

  function releaseRecorder() {
    if (!recorder) return;
    clearInterval(recorder.timer);
    recorder.stream.getTracks().forEach((t) => t.stop());
    recorder = null;
    setRecordingUi(false);
    mic.disabled = sending;
  }

  async function startRecording() {
    alert.clear();
    if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
      alert.show(window.isSecureContext
        ? t('This browser cannot record audio. Please type your message instead.')
        : t('Recording needs a secure connection (https). Open Munim over https, or type your message instead.'));
      return;
    }
    if (typeof window.MediaRecorder === 'undefined') {
      alert.show(t('This browser cannot record audio (no MediaRecorder). Please type your message instead.'));
      return;
    }
    let stream;
    try {
      mic.disabled = true;
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      mic.disabled = false;
      alert.show(micError(e));
      return;
    }
    mic.disabled = false;
    if (!ctx.root.isConnected) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    const [type, ext] = pickType();
    let mediaRecorder;
    try {
      mediaRecorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    } catch (e) {
      stream.getTracks().forEach((t) => t.stop());
      alert.show(t('This browser cannot record audio in a format Munim accepts. Please type your message instead.'));
      return;
    }
    const rec = { mediaRecorder, stream, chunks: [], started: Date.now(), cancelled: false, type, ext, timer: null };
    recorder = rec;
    mediaRecorder.addEventListener('dataavailable', (ev) => {
      if (ev.data && ev.data.size) rec.chunks.push(ev.data);
    });
    mediaRecorder.addEventListener('stop', () => {
      const cancelled = rec.cancelled;
      const blobType = (mediaRecorder.mimeType || rec.type || 'audio/webm').split(';')[0];
      const blob = new Blob(rec.chunks, { type: blobType });
      if (recorder === rec) releaseRecorder();
      if (!cancelled) sendAudio(blob, rec.ext);
    });
    mediaRecorder.addEventListener('error', () => {
      rec.cancelled = true;
      if (recorder === rec) releaseRecorder();
      alert.show(t('Recording stopped because of an error. Please try again, or type your message.'));
    });
    timer.textContent = '0:00';
    setRecordingUi(true);
    rec.timer = setInterval(tick, 250);
    try {
      mediaRecorder.start(1000);
    } catch (e) {
      rec.cancelled = true;
      releaseRecorder();
      alert.show(t('Could not start recording. Please type your message instead.'));
      return;
    }
    mic.focus();
  }

  function stopRecording(cancel) {
    if (!recorder) return;
    const rec = recorder;
    rec.cancelled = cancel;
    if (rec.mediaRecorder.state !== 'inactive') {
      try {
        rec.mediaRecorder.stop(); // the 'stop' event sends (or drops) the audio
        return;
      } catch {
        // fall through
      }
    }
    releaseRecorder();
  }

  async function sendAudio(blob, ext) {
    if (!ctx.root.isConnected) return;
    if (!blob.size) {
      alert.show(t('Nothing was recorded. Please try again and speak after pressing the mic button.'));
      return;
    }
    if (blob.size > MAX_AUDIO_BYTES) {
      alert.show(t('That recording is too long to send (over 10 MB). Please keep voice messages short.'));
      return;
    }
    const data = new FormData();
    data.append('audio', blob, `voice.${ext || 'webm'}`);
    if (conversationId) data.append('conversation_id', conversationId);
    const turn = appendTurn(userTurn(t('Voice message…'), { voice: true }));
    await deliver(data, turn);
  }

  mic.addEventListener('click', () => {
    if (recorder) stopRecording(false);
    else if (!sending) startRecording();
  });
  micCancel.addEventListener('click', () => {
    stopRecording(true);
    textbox.focus();
  });

  // Leaving the page releases the microphone.
  const onLeave = () => {
    if (ctx.root.isConnected) return;
    window.removeEventListener('hashchange', onLeave);
    stopRecording(true);
  };
  window.addEventListener('hashchange', onLeave);

  /* ----- history ----- */

  async function load() {
    fill(body, loadingState(t('Loading your conversation…')));
    cardViews.clear();
    try {
      const res = await api.get(path('assistantMessages'));
      conversationId = res.conversation_id || null;
      const turns = Array.isArray(res.turns) ? res.turns : [];
      if (!turns.length) {
        fill(body, welcome());
        newChat.hidden = true;
        return;
      }
      fill(log);
      for (const t of turns) {
        if (t.role === 'user') {
          log.appendChild(userTurn(t.text || ''));
        } else {
          log.appendChild(assistantTurn(t.text || '', t.card || null, { engine: t.engine }));
        }
      }
      showLog();
      requestAnimationFrame(() => {
        const last = log.lastElementChild;
        if (last) last.scrollIntoView({ block: 'end' });
      });
    } catch (e) {
      fill(body, errorState(e, load));
    }
  }

  newChat.addEventListener('click', () => {
    if (sending) return;
    conversationId = null;
    cardViews.clear();
    fill(log);
    fill(body, welcome());
    newChat.hidden = true;
    alert.clear();
    textbox.focus();
    toast(t('Started a new conversation.'), 'info');
  });

  load();
}
