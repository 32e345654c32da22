// Invoices: list with filters, create/edit form with live totals, detail with issue/void.
import { api, ApiError, errorMessage } from './api.js';
import { href, path } from './routes.js';
import {
  h, pageHeader, card, field, formAlert, onSubmit, clearFieldErrors, setFieldErrors, toast, debounce,
  dataTable, pagedList, emptyState, loadingState, errorState, linkButton, statusBadge, confirmDialog,
  navigate, INVOICE_STATUSES, uid, fill, add, openDialog,
} from './ui.js';
import { typeahead } from './typeahead.js';
import {
  formatMoney, parseRupees, paiseToInput, parseQuantityMilli, milliToNumber, formatQuantity,
  parseGstRate, formatGstRate, formatDate, formatDateTime, lineMaths, invoiceTotals, todayIn, roundToRupee,
  insufficientStockMessage, unitLabel,
} from './format.js';
import { timeZone, session } from './session.js';
import { INDIAN_STATES } from './states.js';
import { PAYMENT_MODES, balanceCell, modeLabel } from './shared/payments.js';
import { t, tn } from './i18n.js';

/** Rewrites a 409 insufficient_stock error into "Only 3 bags of Cement in stock (asked 5)". */
export function friendlyStockError(e, products = []) {
  if (e instanceof ApiError && e.code === 'insufficient_stock') {
    const d = e.details || {};
    const p = products.find((x) => x && x.id && x.id === d.product_id) || {};
    e.message = insufficientStockMessage(d, { name: p.name, unit: p.unit });
  }
  return e;
}

/* ---------------- list ---------------- */

export function invoicesPage(ctx) {
  const search = h('input', { type: 'search', id: 'invoice-search', testid: 'invoice-search', placeholder: t('Number or customer'), autocomplete: 'off' });
  const status = h('select', { id: 'invoice-status-filter', testid: 'invoice-status-filter' },
    h('option', { value: '' }, t('All')), INVOICE_STATUSES.map((s) => h('option', { value: s.value }, s.label)));
  if (ctx.query.status) status.value = ctx.query.status;
  const from = h('input', { type: 'date', id: 'invoice-from', testid: 'invoice-from' });
  const to = h('input', { type: 'date', id: 'invoice-to', testid: 'invoice-to' });

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('invoices'), {
      q: search.value.trim(), status: status.value, from: from.value, to: to.value, cursor, limit: 50,
    }),
    render: (items) => dataTable({
      testid: 'invoices-table',
      rowTestid: 'invoice-row',
      caption: t('Invoices'),
      items,
      columns: [
        { label: t('Number'), render: (i) => h('a', { href: `#/ledger/invoices/${encodeURIComponent(i.id)}`, testid: 'invoice-link' }, i.number || t('Draft')) },
        { label: t('Customer'), render: (i) => i.customer?.name || '—' },
        { label: t('Date'), render: (i) => formatDate(i.issue_date) },
        { label: t('Status'), render: (i) => statusBadge(i.status) },
        { label: t('Total'), className: 'num', render: (i) => formatMoney(i.total) },
        { label: t('Due'), className: 'num', render: (i) => (['draft', 'void'].includes(i.status) ? '—' : formatMoney(i.balance_due)) },
      ],
    }),
    empty: () => {
      if (search.value.trim() || status.value || from.value || to.value) return emptyState(t('No invoices match these filters.'));
      return emptyState(t('No invoices yet — create your first.'), linkButton('#/ledger/invoices/new', t('New invoice'), { testid: 'invoice-empty-new' }));
    },
  });

  search.addEventListener('input', debounce(() => list.reload(), 300));
  for (const el of [status, from, to]) el.addEventListener('change', () => list.reload());

  add(ctx.root, 
    pageHeader(t('Invoices'), linkButton('#/ledger/invoices/new', t('New invoice'), { testid: 'invoice-new-button' })),
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' },
        h('div', { class: 'field field-inline grow' }, h('label', { for: 'invoice-search' }, t('Search')), search),
        h('div', { class: 'field field-inline' }, h('label', { for: 'invoice-status-filter' }, t('Status')), status),
        h('div', { class: 'field field-inline' }, h('label', { for: 'invoice-from' }, t('From')), from),
        h('div', { class: 'field field-inline' }, h('label', { for: 'invoice-to' }, t('To')), to)),
      list.el),
  );
  list.reload();
}

/* ---------------- create / edit ---------------- */

const searchCustomers = async (q) => (await api.get(path('customers'), { q, limit: 10 })).items || [];
const searchProducts = async (q) => (await api.get(path('products'), { q, limit: 10 })).items || [];

export function invoiceNewPage(ctx) {
  const editId = ctx.query.edit || null;
  const body = h('div', {}, loadingState());
  add(ctx.root, body);

  const start = async () => {
    let existing = null;
    let customer = null;
    try {
      if (editId) {
        existing = await api.get(path('invoice', editId));
        if (existing.status !== 'draft') {
          navigate(`/ledger/invoices/${encodeURIComponent(editId)}`);
          return;
        }
      } else if (ctx.query.customer) {
        customer = await api.get(path('customer', ctx.query.customer));
      }
    } catch (e) {
      fill(body, pageHeader(editId ? t('Edit draft') : t('New invoice')), errorState(e, start));
      return;
    }
    fill(body, invoiceForm(ctx, existing, customer));
  };
  if (editId || ctx.query.customer) start();
  else fill(body, invoiceForm(ctx, null, null));
}

function invoiceForm(ctx, existing, presetCustomer) {
  const tz = timeZone();
  const alert = formAlert('invoice-form-error');
  const customerInfo = h('p', { class: 'field-hint', testid: 'invoice-customer-info' });
  const customerPicker = typeahead({
    label: t('Customer'),
    name: 'customer_id',
    testid: 'invoice-customer',
    required: true,
    placeholder: t('Search customers by name or phone'),
    search: searchCustomers,
    itemLabel: (c) => c.name,
    itemDetail: (c) => [c.phone, Number(c.balance) ? `balance ${formatMoney(c.balance)}` : null].filter(Boolean).join(' · '),
    onSelect: (c) => {
      fill(customerInfo, ...(c ? [t('Current balance:'), ' ', balanceCell(c.balance)] : []));
      // A chosen customer's state is where the goods go, unless the owner picked a place by hand.
      if (c && c.state && !placeOfSupply.control.dataset.touched) {
        placeOfSupply.control.value = c.state;
        recompute();
      }
    },
  });
  customerPicker.el.appendChild(customerInfo);

  const issueDate = field({ label: t('Invoice date'), name: 'issue_date', type: 'date', value: existing?.issue_date || todayIn(tz), testid: 'invoice-issue-date' });
  const dueDate = field({ label: t('Due date'), name: 'due_date', type: 'date', value: existing?.due_date || '', testid: 'invoice-due-date', hint: t('Optional') });
  const notes = field({ label: t('Notes'), name: 'notes', type: 'textarea', value: existing?.notes || '', testid: 'invoice-notes', className: 'span-2', attrs: { rows: 2, maxlength: 1000 } });
  // Place of supply: CGST + SGST within the business's state, IGST outside it (issue 17 §1).
  const ownState = session.business?.state || '';
  const placeOfSupply = field({
    label: t('Place of supply'), name: 'place_of_supply', type: 'select', testid: 'invoice-place-of-supply',
    value: existing?.place_of_supply || ownState,
    options: [{ value: '', label: t('Not known (CGST + SGST)') }, ...INDIAN_STATES.map((s) => ({ value: s, label: s === ownState ? t('{state} (your state)', { state: s }) : s }))],
    hint: t('The state the goods or services go to: the customer\'s state, or yours for a counter sale.'),
  });
  placeOfSupply.control.addEventListener('change', () => { placeOfSupply.control.dataset.touched = '1'; recompute(); });
  const interState = () => Boolean(ownState && placeOfSupply.control.value && placeOfSupply.control.value !== ownState);
  // A composition dealer or an unregistered business issues a bill of supply: no GST (issue 17 §1).
  const chargesTax = (session.business?.gst_registration || 'regular') === 'regular';
  if (!chargesTax) placeOfSupply.hidden = true;

  /* lines */
  const lines = [];
  const linesEl = h('div', { class: 'lines', testid: 'invoice-lines' });
  const addLineBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'invoice-add-line' }, t('+ Add line'));

  const totals = {
    subtotal: h('dd', { testid: 'invoice-form-subtotal' }),
    discount: h('dd', { testid: 'invoice-form-discount' }),
    tax: h('dd', { testid: 'invoice-form-tax' }),
    roundOff: h('dd', { testid: 'invoice-form-round-off' }),
    total: h('dd', { testid: 'invoice-form-total' }),
  };
  // The business rounds totals to the rupee (Settings): the form shows the same round-off line.
  const rounds = Boolean(session.business?.round_off);
  const totalsEl = h('dl', { class: 'totals', 'aria-live': 'polite' },
    h('dt', {}, t('Subtotal')), totals.subtotal,
    h('dt', {}, t('Discount')), totals.discount,
    totals.taxLabel = h('dt', { testid: 'invoice-form-tax-label' }, t('CGST + SGST')), totals.tax,
    rounds ? [h('dt', {}, t('Round off')), totals.roundOff] : null,
    h('dt', { class: 'grand' }, t('Total')), h('div', { class: 'grand-wrap' }, totals.total));

  function recompute() {
    const computed = [];
    let incomplete = false;
    for (const line of lines) {
      const c = line.compute();
      if (c) computed.push(c);
      else if (!line.isBlank()) incomplete = true;
    }
    const sums = invoiceTotals(computed);
    if (rounds) {
      const r = roundToRupee(sums.total);
      totals.roundOff.textContent = `${r.roundOff < 0n ? '−' : '+'}${formatMoney(r.roundOff < 0n ? -r.roundOff : r.roundOff)}`;
      sums.total = r.total;
    }
    totals.subtotal.textContent = formatMoney(sums.subtotal);
    totals.discount.textContent = sums.discount_total ? `−${formatMoney(sums.discount_total)}` : formatMoney(0);
    totals.tax.textContent = !chargesTax ? t('None (bill of supply)') : interState() ? formatMoney(sums.igst) : `${formatMoney(sums.cgst)} + ${formatMoney(sums.sgst)}`;
    totals.taxLabel.textContent = !chargesTax ? 'GST' : interState() ? 'IGST' : 'CGST + SGST';
    totals.total.textContent = formatMoney(sums.total);
    totalsEl.classList.toggle('totals-incomplete', incomplete);
    if (payNow.control.checked && !payAmount.control.dataset.touched) payAmount.control.value = paiseToInput(sums.total);
    return sums;
  }

  function addLine(item = null) {
    const line = makeLine(item, {
      interState,
      chargesTax,
      onChange: recompute,
      onRemove: () => {
        const i = lines.indexOf(line);
        if (i >= 0) lines.splice(i, 1);
        line.el.remove();
        if (!lines.length) addLine();
        lines.forEach((l, j) => l.setIndex(j));
        recompute();
      },
    });
    lines.push(line);
    line.setIndex(lines.length - 1);
    linesEl.appendChild(line.el);
    recompute();
    return line;
  }
  addLineBtn.addEventListener('click', () => addLine().focus());

  /* upfront payment */
  const payNow = field({ label: t('Payment received now (recorded when the invoice is issued)'), name: 'pay_now', type: 'checkbox', testid: 'invoice-pay-now' });
  const payAmount = field({ label: t('Amount received (₹)'), name: 'payment_amount', testid: 'invoice-pay-amount', attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const payMode = field({ label: t('Mode'), name: 'payment_mode', type: 'select', options: PAYMENT_MODES, value: 'cash', testid: 'invoice-pay-mode' });
  const payRef = field({ label: t('Reference'), name: 'payment_reference', testid: 'invoice-pay-reference', hint: t('UPI ref, cheque no. (optional)'), attrs: { maxlength: 100, autocomplete: 'off' } });
  const payFields = h('div', { class: 'form-grid', hidden: true }, payAmount, payMode, payRef);
  payAmount.control.addEventListener('input', () => { payAmount.control.dataset.touched = '1'; });
  payNow.control.addEventListener('change', () => {
    payFields.hidden = !payNow.control.checked;
    if (payNow.control.checked) {
      delete payAmount.control.dataset.touched;
      recompute();
      payAmount.control.focus();
    }
  });

  const saveDraft = h('button', { type: 'submit', class: 'btn btn-secondary', value: 'draft', testid: 'invoice-save-draft' }, t('Save draft'));
  const issue = h('button', { type: 'submit', class: 'btn btn-primary', value: 'issue', testid: 'invoice-issue' }, t('Issue invoice'));

  const form = h('form', { class: 'invoice-form', testid: 'invoice-form', novalidate: true },
    card(t('Bill to'), h('div', { class: 'form-grid' }, h('div', { class: 'span-2' }, customerPicker.el), issueDate, dueDate, placeOfSupply, notes)),
    card(t('Items'), linesEl, h('div', { class: 'lines-foot' }, addLineBtn, totalsEl)),
    card(t('Payment'), payNow, payFields),
    alert.el,
    h('div', { class: 'form-actions sticky-actions' },
      linkButton(existing ? `#/ledger/invoices/${encodeURIComponent(existing.id)}` : '#/ledger/invoices', t('Cancel'), { kind: 'ghost' }),
      saveDraft, issue));

  // Enter in a field must not save the invoice by accident; only the buttons submit.
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type !== 'checkbox') e.preventDefault();
  });

  onSubmit(form, async (submitter) => {
    alert.clear();
    clearFieldErrors(form);
    lines.forEach((l) => l.setError(''));
    const wantIssue = submitter ? submitter.value === 'issue' : false;

    const problems = {};
    const customer = customerPicker.selected;
    if (!customer) problems.customer_id = t('choose a customer from the list');
    const filled = lines.filter((l) => !l.isBlank());
    if (!filled.length) {
      alert.show(t('Add at least one item.'));
      if (!customer) setFieldErrors(form, problems);
      return;
    }
    const items = [];
    let lineProblem = false;
    for (const l of filled) {
      const { item, error } = l.toItem();
      if (error) {
        l.setError(error);
        lineProblem = true;
      } else items.push(item);
    }
    let payment = null;
    if (wantIssue && payNow.control.checked) {
      const amount = parseRupees(payAmount.control.value);
      if (!amount) problems.payment_amount = t('enter the amount received, e.g. 1000 or 999.50');
      else {
        payment = { amount, mode: payMode.control.value };
        if (payRef.control.value.trim()) payment.reference = payRef.control.value.trim();
      }
    }
    if (Object.keys(problems).length || lineProblem) {
      setFieldErrors(form, problems);
      alert.show(t('Please correct the highlighted fields.'));
      return;
    }

    const payload = { customer_id: customer.id, issue_date: issueDate.control.value || undefined, items };
    if (placeOfSupply.control.value) payload.place_of_supply = placeOfSupply.control.value;
    else if (existing) payload.place_of_supply = null;
    if (dueDate.control.value) payload.due_date = dueDate.control.value;
    else if (existing) payload.due_date = null;
    if (notes.control.value.trim()) payload.notes = notes.control.value.trim();
    else if (existing) payload.notes = null;

    const products = lines.map((l) => l.product).filter(Boolean);
    try {
      let inv;
      if (existing) {
        inv = await api.patch(path('invoiceUpdate', existing.id), payload);
        if (wantIssue) inv = await api.post(path('invoiceIssue', existing.id), payment ? { payment } : {});
      } else {
        if (wantIssue) payload.issue = true;
        if (payment) payload.payment = payment;
        inv = await api.create(path('invoiceCreate'), payload);
      }
      toast(wantIssue ? t('Invoice {number} issued for {amount}.', { number: inv.number || '', amount: formatMoney(inv.total) }) : t('Draft saved.'), 'success');
      navigate(`/ledger/invoices/${encodeURIComponent(inv.id)}`);
    } catch (e) {
      friendlyStockError(e, products);
      if (e instanceof ApiError && e.code === 'insufficient_stock') {
        // Said once: on the line it is about (scrolled into view above the sticky bar), else here.
        const bad = lines.find((l) => l.product && l.product.id === e.details?.product_id);
        if (bad) bad.setError(e.message, { focus: true });
        else alert.show(e.message);
        return;
      }
      if (e instanceof ApiError && e.status === 422) {
        const rest = {};
        const onLines = [];
        for (const [k, msg] of Object.entries(e.fields)) {
          const m = /^items[[.](\d+)\]?\.?(.*)$/.exec(k);
          if (m && filled[Number(m[1])]) onLines.push([filled[Number(m[1])], `${m[2] ? m[2].replace(/_/g, ' ') + ': ' : ''}${msg}`]);
          else rest[k] = msg;
        }
        // setFieldErrors clears every error slot first (the lines' too), so the lines' come after it.
        const unmatched = setFieldErrors(form, rest);
        for (const [line, text] of onLines) line.setError(text);
        alert.show([e.message, ...unmatched].filter(Boolean).join(' '));
        return;
      }
      alert.show(e.message || t('Could not save the invoice.'));
    }
  });

  // initial state
  if (existing) {
    customerPicker.select({ ...existing.customer, balance: undefined });
    for (const item of existing.items || []) addLine(item);
  } else if (presetCustomer) {
    customerPicker.select(presetCustomer);
  }
  if (!lines.length) addLine();

  const page = h('div', {},
    pageHeader(existing ? t('Edit draft invoice') : t('New invoice')),
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/ledger/invoices' }, t('← Invoices'))),
    form);
  if (!existing && !presetCustomer) setTimeout(() => customerPicker.input.focus(), 0);
  return page;
}

/** One invoice line: product type-ahead (or free text), quantity, price, discount, GST. */
function makeLine(item, { onChange, onRemove, interState = () => false, chargesTax = true }) {
  let product = item && item.product_id
    ? { id: item.product_id, name: item.description, unit: item.unit, price: item.unit_price, gst_rate: item.gst_rate, price_includes_gst: !!item.price_includes_gst, stock: undefined }
    : null;
  const idBase = uid('line');
  const unitEl = h('span', { class: 'line-unit', testid: 'line-unit' });
  const stockHint = h('p', { class: 'field-hint line-stock', testid: 'line-stock-hint' });
  const errorEl = h('p', { class: 'field-error line-error', testid: 'line-error', role: 'alert' });
  const totalEl = h('output', { class: 'line-total', testid: 'line-total', for: idBase });

  const qty = field({ label: t('Qty'), name: `${idBase}-qty`, value: item ? String(item.quantity) : '1', testid: 'line-quantity', attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const price = field({ label: t('Price (₹)'), name: `${idBase}-price`, value: item ? paiseToInput(item.unit_price) : '', testid: 'line-price', attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const discount = field({ label: t('Discount (₹)'), name: `${idBase}-discount`, value: item && Number(item.discount) ? paiseToInput(item.discount) : '', testid: 'line-discount', attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '0' } });
  const gst = field({ label: t('GST %'), name: `${idBase}-gst`, value: item && item.gst_rate !== null && item.gst_rate !== undefined ? String(item.gst_rate) : '', testid: 'line-gst', attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '0' } });
  // Shops quote prices with GST in them (issue 17 §2): a new line's price includes GST unless its
  // product says otherwise; the line total is then exactly quantity × price − discount.
  const inclusive = field({ label: t('Price incl. GST'), name: `${idBase}-inclusive`, type: 'checkbox', value: item ? !!item.price_includes_gst : true, testid: 'line-inclusive', className: 'line-inclusive' });
  if (!chargesTax) { gst.hidden = true; inclusive.hidden = true; }
  price.append(inclusive);
  qty.querySelector('label').append(unitEl);

  const picker = typeahead({
    label: t('Item'),
    name: `${idBase}-item`,
    testid: 'line-product',
    placeholder: t('Search products or type a description'),
    search: searchProducts,
    itemLabel: (p) => p.name,
    itemDetail: (p) => {
      const stock = { quantity: formatQuantity(p.stock), unit: unitLabel(p.unit || 'pcs', p.stock) };
      return `${formatMoney(p.price)} / ${p.unit || 'pcs'} · ${p.low_stock ? t('{quantity} {unit} in stock (low)', stock) : t('{quantity} {unit} in stock', stock)}`;
    },
    onSelect: (p) => {
      product = p;
      if (p) {
        price.control.value = paiseToInput(p.price);
        gst.control.value = p.gst_rate !== null && p.gst_rate !== undefined ? String(p.gst_rate) : '';
        inclusive.control.checked = p.price_includes_gst !== false;
        qty.control.focus();
        qty.control.select();
      }
      update();
    },
    onText: () => update(),
    className: 'line-item',
  });

  const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small line-remove', testid: 'line-remove', 'aria-label': t('Remove this line') }, '✕');
  remove.addEventListener('click', onRemove);

  const el = h('div', { class: 'line', testid: 'invoice-line', id: idBase },
    picker.el, qty, price, discount, gst,
    h('div', { class: 'field line-amount' }, h('span', { class: 'label-like' }, t('Amount')), totalEl),
    h('div', { class: 'line-remove-wrap' }, remove),
    h('div', { class: 'line-messages' }, stockHint, errorEl));

  if (product) picker.select(product);

  function parsed() {
    return {
      qtyMilli: parseQuantityMilli(qty.control.value),
      unitPrice: parseRupees(price.control.value),
      discount: discount.control.value.trim() === '' ? 0 : parseRupees(discount.control.value),
      rate: parseGstRate(gst.control.value),
    };
  }

  function compute() {
    const p = parsed();
    if (!p.qtyMilli || p.unitPrice === null || p.discount === null || Number.isNaN(p.rate)) return null;
    if (!product && !picker.input.value.trim()) return null;
    return lineMaths({ qtyMilli: p.qtyMilli, unitPrice: p.unitPrice, discount: p.discount, rateScaled: chargesTax ? p.rate : null, interState: interState(), inclusive: inclusive.control.checked });
  }

  function update() {
    const c = compute();
    totalEl.textContent = c ? formatMoney(c.total) : '—';
    unitEl.textContent = product?.unit ? ` (${product.unit})` : '';
    const q = parseQuantityMilli(qty.control.value);
    if (product && product.stock !== undefined && product.stock !== null && q !== null) {
      const stockMilli = parseQuantityMilli(Math.max(0, Number(product.stock)).toFixed(3));
      stockHint.textContent = q > stockMilli
        ? t('Only {quantity} {unit} in stock.', { quantity: formatQuantity(product.stock), unit: unitLabel(product.unit, product.stock) })
        : '';
    } else stockHint.textContent = '';
    onChange();
  }
  for (const f of [qty, price, discount, gst]) f.control.addEventListener('input', update);
  // A changed quantity makes the server's stock error stale: the hint takes over again.
  qty.control.addEventListener('input', () => { if (errorEl.dataset.stock) { errorEl.textContent = ''; delete errorEl.dataset.stock; update(); } });
  inclusive.control.addEventListener('change', update);

  return {
    el,
    get product() {
      return product;
    },
    focus: () => picker.input.focus(),
    setIndex(i) {
      el.setAttribute('aria-label', t('Line {n}', { n: i + 1 }));
      el.setAttribute('role', 'group');
    },
    isBlank: () => !product && !picker.input.value.trim(),
    compute,
    setError(msg, { focus = false } = {}) {
      errorEl.textContent = msg;
      // The server's word on stock replaces the hint drawn while typing.
      if (msg) stockHint.textContent = '';
      if (msg && focus) errorEl.dataset.stock = '1';
      if (msg && focus) {
        el.scrollIntoView({ block: 'center' });
        qty.control.focus({ preventScroll: true });
      }
    },
    toItem() {
      const p = parsed();
      if (!product && !picker.input.value.trim()) return { error: t('Choose a product or type a description.') };
      if (!p.qtyMilli) return { error: t('Enter a quantity above zero (up to 3 decimals).') };
      if (p.unitPrice === null) return { error: t('Enter a price in rupees, e.g. 350 or 350.50.') };
      if (p.discount === null) return { error: t('Enter the discount in rupees, or leave it empty.') };
      if (Number.isNaN(p.rate)) return { error: t('Enter GST as a percentage (e.g. 18), or leave it empty.') };
      const c = lineMaths({ qtyMilli: p.qtyMilli, unitPrice: p.unitPrice, discount: p.discount, rateScaled: p.rate });
      if (c.taxable < 0n) return { error: t('The discount is larger than the line amount.') };
      const out = { quantity: milliToNumber(p.qtyMilli), unit_price: p.unitPrice, price_includes_gst: inclusive.control.checked };
      if (p.discount) out.discount = p.discount;
      const rateText = gst.control.value.trim().replace(/%$/, '');
      if (product) {
        out.product_id = product.id;
        if (p.rate !== null) out.gst_rate = Number(rateText);
        else if (product.gst_rate !== null && product.gst_rate !== undefined) out.gst_rate = 0;
      } else {
        out.description = picker.input.value.trim();
        out.gst_rate = p.rate !== null ? Number(rateText) : null;
      }
      return { item: out };
    },
  };
}

/* ---------------- credit notes ---------------- */

/** Goods returned on an issued invoice: how many of each line come back, and why. */
async function creditNoteDialog(inv, redraw) {
  const body = h('div', { class: 'stack', testid: 'credit-note-body' }, loadingState());
  const { close } = openDialog({ title: t('Goods returned on {number}', { number: inv.number }), body, testid: 'credit-note-dialog', wide: true });
  let earlier;
  try {
    earlier = (await api.get(path('invoiceCreditNotes', inv.id))).items || [];
  } catch (e) {
    fill(body, h('p', { class: 'alert alert-error', role: 'alert' }, errorMessage(e)));
    return;
  }
  const returned = {};
  for (const n of earlier) for (const i of n.items || []) returned[i.invoice_item_id] = (returned[i.invoice_item_id] || 0) + Number(i.quantity);
  const alert = formAlert('credit-note-error');
  const rows = (inv.items || []).map((item) => {
    const open = Math.max(0, Number(item.quantity) - (returned[item.id] || 0));
    const qty = field({
      label: t('{item} — up to {quantity} {unit}', { item: item.description, quantity: formatQuantity(open), unit: item.unit || '' }), name: `return-${item.id}`, value: '',
      testid: 'credit-note-qty', attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '0', disabled: open <= 0 },
    });
    return { item, open, qty };
  });
  const reason = field({ label: t('Reason (printed on the credit note)'), name: 'reason', testid: 'credit-note-reason', attrs: { maxlength: 300, placeholder: t('e.g. damaged bags') } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'credit-note-submit' }, t('Issue credit note'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
  cancel.addEventListener('click', close);
  const form = h('form', { class: 'stack', novalidate: true },
    h('p', { class: 'muted' }, t('The goods go back into stock and the customer owes less (anything already paid beyond the new total becomes their credit).')),
    rows.map((r) => r.qty), reason, alert.el, h('div', { class: 'form-actions' }, cancel, submit));
  fill(body, form);
  onSubmit(form, async () => {
    alert.clear();
    const items = [];
    for (const r of rows) {
      const raw = r.qty.control.value.trim();
      if (!raw) continue;
      const milli = parseQuantityMilli(raw);
      if (milli === null || milli <= 0) return alert.show(t('Enter how many of {item} came back (up to 3 decimals).', { item: r.item.description }));
      if (milli > parseQuantityMilli(r.open.toFixed(3))) return alert.show(t('At most {quantity} of {item} can come back.', { quantity: formatQuantity(r.open), item: r.item.description }));
      items.push({ item_id: r.item.id, quantity: milliToNumber(milli) });
    }
    if (!items.length) return alert.show(t('Enter the quantity that came back on at least one line.'));
    try {
      const note = await api.post(path('creditNoteCreate', inv.id), { items, reason: reason.control.value.trim() || null });
      close();
      toast(t('Credit note {number} for {amount} issued.', { number: note.number, amount: formatMoney(note.total) }), 'success');
      redraw(await api.get(path('invoice', inv.id)));
    } catch (e) {
      alert.show(errorMessage(e));
    }
  });
}

/* ---------------- share and print ---------------- */

/** Loads the PDF into a hidden frame and opens the print dialog on it; opens it in a new tab
 * where the browser cannot print a framed PDF. */
function printPDF(url) {
  document.querySelectorAll('iframe.print-frame').forEach((f) => f.remove());
  const frame = h('iframe', { class: 'print-frame', title: t('Invoice PDF for printing'), testid: 'invoice-print-frame', 'aria-hidden': 'true', tabindex: '-1' });
  frame.addEventListener('load', () => {
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch {
      window.open(url, '_blank', 'noopener');
    }
  }, { once: true });
  frame.src = url;
  document.body.append(frame);
}

async function shareDialog(inv) {
  const body = h('div', { class: 'stack', testid: 'share-body' }, loadingState());
  openDialog({ title: t('Share {number}', { number: inv.number }), body, testid: 'share-dialog' });
  let share;
  try {
    share = await api.get(path('invoiceShare', inv.id));
  } catch (e) {
    fill(body, h('p', { class: 'alert alert-error', role: 'alert' }, errorMessage(e)));
    return;
  }
  const status = h('p', { class: 'muted', role: 'status', testid: 'share-status' });
  const buttons = [];
  if (share.channel && share.phone) {
    const send = h('button', { type: 'button', class: 'btn btn-primary', testid: 'share-send' }, t('Send on WhatsApp ({channel})', { channel: share.channel.name }));
    send.addEventListener('click', async () => {
      send.disabled = true;
      status.textContent = t('Sending…');
      try {
        await api.post(path('invoiceSend', inv.id), { channel_id: share.channel.id });
        status.textContent = t('Queued to {phone} with the PDF. You can follow it in the Inbox.', { phone: share.phone });
        toast(t('Invoice {number} is on its way to {name}.', { number: inv.number, name: inv.customer?.name || share.phone }), 'success');
      } catch (e) {
        status.textContent = errorMessage(e);
        send.disabled = false;
      }
    });
    buttons.push(send);
  }
  if (share.whatsapp_url) {
    buttons.push(h('a', { class: share.channel ? 'btn btn-secondary' : 'btn btn-primary', href: share.whatsapp_url, target: '_blank', rel: 'noopener', testid: 'share-whatsapp-link' },
      share.channel ? t('Open in my WhatsApp') : t('Send on WhatsApp')));
  }
  if (share.email_url) buttons.push(h('a', { class: 'btn btn-secondary', href: share.email_url, testid: 'share-email' }, t('Email')));
  const copy = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'share-copy' }, t('Copy link'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(share.pdf_url);
      status.textContent = t('Link copied. It opens the PDF for 30 days, without signing in.');
    } catch {
      linkField.select();
      status.textContent = t('Select the link above and copy it.');
    }
  });
  buttons.push(copy);
  const linkField = h('input', { type: 'text', readonly: true, value: share.pdf_url, class: 'share-link', testid: 'share-link', 'aria-label': t('Link to the invoice PDF') });
  fill(body,
    h('p', { class: 'share-message', testid: 'share-message' }, share.message),
    share.phone ? null : h('p', { class: 'muted', testid: 'share-no-phone' }, t('{name} has no phone number: add one on their page to send it on WhatsApp.', { name: inv.customer?.name || t('This customer') })),
    linkField,
    h('div', { class: 'form-actions share-actions' }, buttons),
    status);
}

/* ---------------- detail ---------------- */

export function invoiceDetailPage(ctx) {
  const [id] = ctx.params;
  const body = h('div', {}, loadingState());
  add(ctx.root, body);

  const load = async () => {
    fill(body, loadingState());
    try {
      draw(await api.get(path('invoice', id)));
    } catch (e) {
      fill(body, pageHeader(t('Invoice')), e.status === 404
        ? emptyState(t('This invoice does not exist.'), linkButton('#/ledger/invoices', t('Back to invoices'), { kind: 'secondary' }))
        : errorState(e, load));
    }
  };

  function draw(inv) {
    ctx.setTitle(inv.number || t('Draft invoice'));
    const products = (inv.items || []).filter((i) => i.product_id).map((i) => ({ id: i.product_id, name: i.description, unit: i.unit }));
    const actions = [];
    if (inv.status === 'draft') {
      actions.push(linkButton(`#/ledger/invoices/new?edit=${encodeURIComponent(inv.id)}`, t('Edit'), { kind: 'secondary', testid: 'invoice-edit' }));
      const issueBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'invoice-issue-button' }, t('Issue'));
      issueBtn.addEventListener('click', async () => {
        const done = await confirmDialog({
          title: t('Issue this invoice?'),
          message: t('It gets the next invoice number, stock is taken out, and {name} owes {amount} more. Issued invoices can be voided but not edited.', { name: inv.customer?.name || t('the customer'), amount: formatMoney(inv.total) }),
          confirmText: t('Issue'),
          action: async () => {
            try {
              return await api.post(path('invoiceIssue', inv.id), {});
            } catch (e) {
              throw friendlyStockError(e, products);
            }
          },
        });
        if (done) {
          toast(t('Invoice {number} issued.', { number: done.number || '' }), 'success');
          draw(done);
        }
      });
      const del = h('button', { type: 'button', class: 'btn btn-danger-outline', testid: 'invoice-delete' }, t('Delete draft'));
      del.addEventListener('click', async () => {
        const done = await confirmDialog({
          title: t('Delete this draft?'),
          message: t('The draft is removed. Nothing was posted to the books yet.'),
          confirmText: t('Delete'),
          danger: true,
          action: async () => {
            await api.del(path('invoiceDelete', inv.id));
            return { deleted: true };
          },
        });
        if (done) {
          toast(t('Draft deleted.'), 'success');
          navigate('/ledger/invoices');
        }
      });
      actions.push(del, issueBtn);
    }
    if (inv.status === 'issued' || inv.status === 'partially_paid') {
      actions.push(linkButton(`#/ledger/payments?invoice=${encodeURIComponent(inv.id)}`, t('Record payment'), { testid: 'invoice-record-payment' }));
    }
    // The A4 PDF (GST split, amount in words, UPI QR when a UPI ID is set in Settings).
    actions.push(h('a', { class: 'btn', href: href('invoicePDF', inv.id), target: '_blank', rel: 'noopener', testid: 'invoice-pdf' }, t('PDF')));
    // A B2B tax invoice as e-invoice JSON, for the portal's bulk upload tool (businesses above the threshold).
    if (inv.customer?.gstin && inv.status !== 'draft' && inv.status !== 'void' && (session.business?.gst_registration || 'regular') === 'regular') {
      actions.push(h('a', { class: 'btn btn-ghost', href: `${href('invoiceEInvoice', inv.id)}?download=1`, download: `${inv.number}_einvoice.json`, testid: 'invoice-einvoice' }, t('e-invoice JSON')));
    }
    if (inv.status !== 'draft' && inv.status !== 'void') {
      const voidBtn = h('button', { type: 'button', class: 'btn btn-danger-outline', testid: 'invoice-void' }, t('Void'));
      voidBtn.addEventListener('click', async () => {
        const done = await confirmDialog({
          title: t('Void {number}?', { number: inv.number }),
          message: Number(inv.amount_paid)
            ? t('The stock goes back, the customer’s balance drops by {amount}, and the {paid} already paid becomes credit for the customer. This cannot be undone.', { amount: formatMoney(inv.total), paid: formatMoney(inv.amount_paid) })
            : t('The stock goes back and the customer’s balance drops by {amount}. This cannot be undone.', { amount: formatMoney(inv.total) }),
          confirmText: t('Void invoice'),
          danger: true,
          reason: { label: t('Reason (kept with the invoice)'), required: false },
          action: ({ reason }) => api.post(path('invoiceVoid', inv.id), reason ? { reason } : {}),
        });
        if (done) {
          toast(t('Invoice {number} voided.', { number: inv.number }), 'success');
          draw(done);
        }
      });
      actions.push(voidBtn);
    }
    if (inv.status !== 'draft' && inv.status !== 'void' && Number(inv.credited || 0) < Number(inv.total)) {
      const returns = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'invoice-credit-note' }, t('Goods returned'));
      returns.addEventListener('click', () => creditNoteDialog(inv, draw));
      actions.push(returns);
    }
    if (inv.status !== 'draft' && inv.status !== 'void') {
      const share = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'invoice-share' }, t('Share'));
      share.addEventListener('click', () => shareDialog(inv));
      actions.unshift(share);
    }
    // Print prints the invoice document itself (the PDF), never this screen.
    const print = h('button', { type: 'button', class: 'btn btn-ghost', testid: 'invoice-print' }, t('Print'));
    print.addEventListener('click', () => printPDF(href('invoicePDF', inv.id)));
    actions.push(print);

    // A composition dealer or an unregistered business issues bills of supply (issue 17 §1).
    const billOfSupply = (session.business?.gst_registration || 'regular') !== 'regular';
        const title = h('span', {}, inv.number ? [billOfSupply ? t('Bill of supply') : t('Invoice'), ' ', h('span', { testid: 'invoice-number' }, inv.number)] : (billOfSupply ? t('Draft bill of supply') : t('Draft invoice')));
    const header = pageHeader(title, ...actions);
    header.querySelector('h1').append(' ', statusBadge(inv.status, 'invoice-status'));

    const meta = h('dl', { class: 'meta' },
      h('dt', {}, t('Customer')), h('dd', {}, inv.customer
        ? h('a', { href: `#/ledger/customers/${encodeURIComponent(inv.customer.id)}`, testid: 'invoice-customer-link' }, inv.customer.name)
        : '—'),
      inv.customer?.phone ? [h('dt', {}, t('Phone')), h('dd', {}, inv.customer.phone)] : null,
      h('dt', {}, t('Invoice date')), h('dd', {}, formatDate(inv.issue_date)),
      h('dt', {}, t('Due date')), h('dd', {}, formatDate(inv.due_date)),
      inv.place_of_supply ? [h('dt', {}, t('Place of supply')), h('dd', { testid: 'invoice-place-of-supply' },
        `${inv.place_of_supply}${inv.place_of_supply_code ? ` (${inv.place_of_supply_code})` : ''}`)] : null,
      inv.issued_at ? [h('dt', {}, t('Issued')), h('dd', {}, formatDateTime(inv.issued_at, timeZone()))] : null,
      inv.voided_at ? [h('dt', {}, t('Voided')), h('dd', {}, formatDateTime(inv.voided_at, timeZone()))] : null,
      inv.void_reason ? [h('dt', {}, t('Void reason')), h('dd', { testid: 'invoice-void-reason' }, inv.void_reason)] : null,
      inv.notes ? [h('dt', {}, t('Notes')), h('dd', { class: 'pre' }, inv.notes)] : null);

    const items = (inv.items || []).length
      ? dataTable({
        testid: 'invoice-items',
        rowTestid: 'invoice-item-row',
        caption: t('Items'),
        items: inv.items,
        columns: [
          { label: t('Item'), render: (i) => [h('span', { class: 'cell-title' }, i.description || '—'), i.hsn ? h('span', { class: 'cell-sub' }, `HSN ${i.hsn}`) : null] },
          { label: t('Qty'), className: 'num', render: (i) => `${formatQuantity(i.quantity)} ${i.unit || ''}` },
          { label: t('Price'), className: 'num', render: (i) => formatMoney(i.unit_price) },
          { label: t('Discount'), className: 'num hide-sm', render: (i) => (Number(i.discount) ? formatMoney(i.discount) : '—') },
          { label: t('GST'), className: 'num', render: (i) => formatGstRate(i.gst_rate) },
          { label: t('Taxable'), className: 'num hide-sm', render: (i) => formatMoney(i.taxable) },
          { label: t('Tax'), className: 'num hide-sm', render: (i) => formatMoney(i.tax) },
          { label: t('Amount'), className: 'num', render: (i) => formatMoney(i.total) },
        ],
      })
      : emptyState(t('This invoice has no items.'));

    const totals = h('dl', { class: 'totals' },
      // The API's subtotal is the taxable value (after discounts); shown before them so the rows add up.
      h('dt', {}, t('Subtotal')), h('dd', { testid: 'invoice-subtotal' }, formatMoney(BigInt(inv.subtotal) + BigInt(inv.discount_total || 0))),
      h('dt', {}, t('Discount')), h('dd', {}, Number(inv.discount_total) ? `−${formatMoney(inv.discount_total)}` : formatMoney(0)),
      ...(billOfSupply && !Number(inv.tax_total)
        ? [h('dt', {}, t('GST')), h('dd', { testid: 'invoice-bill-of-supply' }, t('None (bill of supply)'))]
        : Number(inv.igst) || inv.inter_state
        ? [h('dt', {}, t('IGST')), h('dd', { testid: 'invoice-igst' }, formatMoney(inv.igst))]
        : [h('dt', {}, t('CGST')), h('dd', { testid: 'invoice-cgst' }, formatMoney(inv.cgst)),
          h('dt', {}, t('SGST')), h('dd', { testid: 'invoice-sgst' }, formatMoney(inv.sgst))]),
      billOfSupply && !Number(inv.tax_total) ? null : [h('dt', {}, t('Total GST')), h('dd', { testid: 'invoice-tax' }, formatMoney(inv.tax_total))],
      Number(inv.round_off) ? [h('dt', {}, t('Round off')), h('dd', { testid: 'invoice-round-off' },
        `${Number(inv.round_off) < 0 ? '−' : '+'}${formatMoney(Math.abs(Number(inv.round_off)))}`)] : null,
      h('dt', { class: 'grand' }, t('Total')), h('div', { class: 'grand-wrap' }, h('dd', { testid: 'invoice-total' }, formatMoney(inv.total))),
      inv.status !== 'draft' ? [
        Number(inv.credited) ? [h('dt', {}, t('Credit notes')), h('dd', { testid: 'invoice-credited' }, `−${formatMoney(inv.credited)}`)] : null,
        h('dt', {}, t('Paid')), h('dd', { testid: 'invoice-amount-paid' }, formatMoney(inv.amount_paid)),
        h('dt', { class: 'strong' }, t('Balance due')), h('dd', { class: 'strong', testid: 'invoice-balance-due' }, inv.status === 'void' ? '—' : formatMoney(inv.balance_due)),
      ] : null);

    const payments = (inv.payments || []).length
      ? dataTable({
        testid: 'invoice-payments',
        rowTestid: 'invoice-payment-row',
        caption: t('Payments'),
        items: inv.payments,
        columns: [
          { label: t('Date'), render: (p) => formatDate(p.paid_on) },
          { label: t('Mode'), render: (p) => modeLabel(p.mode) },
          { label: t('Reference'), render: (p) => p.reference || '—' },
          { label: t('Amount'), className: 'num', render: (p) => formatMoney(p.amount) },
        ],
      })
      : emptyState(inv.status === 'draft' ? t('Payments can be recorded once the invoice is issued.') : t('No payments against this invoice yet.'));

    fill(body, 
      header,
      h('p', { class: 'breadcrumb' }, h('a', { href: '#/ledger/invoices' }, t('← Invoices'))),
      inv.status === 'void' ? h('div', { class: 'alert alert-warn', role: 'status' }, inv.void_reason ? t('This invoice was voided: {reason}', { reason: inv.void_reason }) : t('This invoice was voided.')) : null,
      h('div', { class: 'grid-2 invoice-top' }, card(t('Details'), meta), card(t('Totals'), totals)),
      card(t('Items'), items),
      card(t('Payments'), payments),
      (inv.credit_notes || []).length ? card(t('Credit notes'), dataTable({
        testid: 'invoice-credit-notes',
        rowTestid: 'invoice-credit-note-row',
        caption: t('Credit notes'),
        items: inv.credit_notes,
        columns: [
          { label: t('Number'), render: (n) => h('a', { href: href('creditNotePDF', n.id), target: '_blank', rel: 'noopener', testid: 'credit-note-pdf' }, n.number) },
          { label: t('Date'), render: (n) => formatDate(n.issue_date) },
          { label: t('Credited'), className: 'num', render: (n) => formatMoney(n.total) },
        ],
      })) : null,
    );
  }

  load();
}
