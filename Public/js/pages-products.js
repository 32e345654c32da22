// Products: list with stock and low-stock badge, add, edit, restock, stock history.
import { api } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, card, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast,
  dataTable, pagedList, emptyState, loadingState, errorState, badge, openDialog, confirmDialog, fill, add,
} from './ui.js';
import {
  formatMoney, parseRupees, paiseToInput, parseQuantityMilli, milliToNumber, formatQuantity,
  parseGstRate, formatGstRate, formatDateTime, unitLabel,
} from './format.js';
import { timeZone } from './session.js';
import { createFromForm, listCard } from './shared/listpage.js';
import { t, tn } from './i18n.js';

const UNITS = ['pcs', 'kg', 'g', 'litre', 'ml', 'bag', 'box', 'packet', 'dozen', 'metre', 'ft', 'set', 'pair', 'bottle', 'quintal', 'ton'];
// The slabs in force since the September 2025 rationalisation (12 % and 28 % folded into 5 % and 18 %).
const GST_RATES = ['0', '0.25', '3', '5', '18', '40'];

function productFields(prefix, p = null) {
  const unitsId = `${prefix}-units`;
  const gstId = `${prefix}-gst-rates`;
  return [
    field({ label: t('Name'), name: 'name', required: true, value: p?.name || '', testid: `${prefix}-name`, className: 'span-2', attrs: { maxlength: 200, autocomplete: 'off' } }),
    field({ label: t('Selling price (₹)'), name: 'price', required: true, value: p ? paiseToInput(p.price) : '', testid: `${prefix}-price`, attrs: { inputmode: 'decimal', autocomplete: 'off', placeholder: '350.00' } }),
    field({ label: t('Price includes GST'), name: 'price_includes_gst', type: 'checkbox', value: p ? !!p.price_includes_gst : true, testid: `${prefix}-inclusive`, hint: t('As you quote it: the bill total is quantity × this price.') }),
    field({ label: t('Unit'), name: 'unit', value: p?.unit || 'pcs', testid: `${prefix}-unit`, hint: t('pcs, kg, bag, litre…'), attrs: { list: unitsId, autocomplete: 'off', maxlength: 20 } }),
    h('datalist', { id: unitsId }, UNITS.map((u) => h('option', { value: u }))),
    p ? null : field({ label: t('Opening stock'), name: 'stock', value: '0', testid: `${prefix}-stock`, hint: t('Decimals allowed, e.g. 2.5'), attrs: { inputmode: 'decimal', autocomplete: 'off' } }),
    field({ label: t('Low-stock alert at'), name: 'low_stock_threshold', value: p ? String(p.low_stock_threshold ?? 0) : '0', testid: `${prefix}-threshold`, attrs: { inputmode: 'decimal', autocomplete: 'off' } }),
    field({ label: t('GST rate (%)'), name: 'gst_rate', value: p?.gst_rate ?? '', testid: `${prefix}-gst`, hint: t('Leave empty if not registered.'), attrs: { list: gstId, inputmode: 'decimal', autocomplete: 'off' } }),
    h('datalist', { id: gstId }, GST_RATES.map((r) => h('option', { value: r }))),
    field({ label: t('HSN code'), name: 'hsn', value: p?.hsn || '', testid: `${prefix}-hsn`, attrs: { inputmode: 'numeric', maxlength: 8, autocomplete: 'off' } }),
    field({ label: t('SKU'), name: 'sku', value: p?.sku || '', testid: `${prefix}-sku`, attrs: { maxlength: 64, autocomplete: 'off' } }),
  ];
}

/** Reads and validates the product form. Returns {body} or {fields} with problems. */
function readProduct(form, isNew) {
  const v = (name) => (form.elements.namedItem(name) ? form.elements.namedItem(name).value.trim() : '');
  const fields = {};
  const body = { name: v('name'), unit: v('unit') || 'pcs', sku: v('sku') || null, hsn: v('hsn') || null,
    price_includes_gst: !!form.elements.namedItem('price_includes_gst')?.checked };
  if (!body.name) fields.name = t('is required');
  const price = parseRupees(v('price'));
  if (price === null) fields.price = t('enter an amount in rupees, e.g. 350 or 350.50');
  else body.price = price;
  const threshold = parseQuantityMilli(v('low_stock_threshold') || '0');
  if (threshold === null) fields.low_stock_threshold = t('enter a quantity (up to 3 decimals)');
  else body.low_stock_threshold = milliToNumber(threshold);
  const rate = parseGstRate(v('gst_rate'));
  if (Number.isNaN(rate)) fields.gst_rate = t('enter a percentage between 0 and 100');
  else body.gst_rate = rate === null ? null : Number(v('gst_rate').replace(/%$/, ''));
  if (isNew) {
    const stock = parseQuantityMilli(v('stock') || '0');
    if (stock === null) fields.stock = t('enter a quantity (up to 3 decimals)');
    else body.stock = milliToNumber(stock);
    if (!body.sku) delete body.sku;
    if (!body.hsn) delete body.hsn;
    if (body.gst_rate === null) delete body.gst_rate;
  }
  return { body, fields };
}

export function productsPage(ctx) {
  const addBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'product-add-button', 'aria-expanded': 'false' }, t('Add product'));
  const alert = formAlert('product-form-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'product-form-submit' }, t('Save product'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
  const form = h('form', { class: 'form-grid', testid: 'product-form', novalidate: true },
    productFields('product-form'), alert.el, h('div', { class: 'form-actions span-2' }, cancel, submit));
  const formCard = card(t('New product'), form);
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

  const search = h('input', { type: 'search', id: 'product-search', testid: 'product-search', placeholder: t('Name or SKU'), autocomplete: 'off', value: ctx.query.q || '' });
  const lowOnly = h('input', { type: 'checkbox', id: 'product-low', testid: 'product-low-filter' });
  const archived = h('input', { type: 'checkbox', id: 'product-archived', testid: 'product-archived' });

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('products'), {
      q: search.value.trim(), low_stock: lowOnly.checked, archived: archived.checked, cursor, limit: 50,
    }),
    render: (items) => dataTable({
      testid: 'products-table',
      rowTestid: 'product-row',
      caption: t('Products'),
      items,
      columns: [
        {
          label: t('Product'),
          render: (p) => [h('span', { class: 'cell-title', testid: 'product-name' }, p.name),
            p.sku ? h('span', { class: 'cell-sub' }, `SKU ${p.sku}`) : null,
            p.archived ? [' ', badge(t('Archived'), 'neutral')] : null],
        },
        {
          label: t('Price'),
          className: 'num',
          render: (p) => [formatMoney(p.price), h('span', { class: 'cell-sub' },
            `per ${p.unit || 'pcs'}${p.gst_rate ? (p.price_includes_gst ? ', incl. GST' : ' + GST') : ''}`)],
        },
        {
          label: t('Stock'),
          className: 'num',
          render: (p) => [
            h('span', { testid: 'product-stock' }, formatQuantity(p.stock)), ' ', h('span', { class: 'unit' }, unitLabel(p.unit, p.stock)),
            p.low_stock ? [' ', badge(t('Low stock'), 'warn', 'low-stock-badge')] : null],
        },
        { label: t('GST'), className: 'num hide-sm', render: (p) => formatGstRate(p.gst_rate) },
        { label: t('HSN'), className: 'hide-sm', render: (p) => p.hsn || '—' },
        {
          label: t('Actions'),
          className: 'actions',
          render: (p) => {
            const restock = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'product-restock' }, t('Restock'));
            const edit = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'product-edit' }, t('Edit'));
            const history = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: 'product-history' }, t('History'));
            restock.addEventListener('click', () => restockDialog(p, list.reload));
            edit.addEventListener('click', () => editDialog(p, list.reload));
            history.addEventListener('click', () => historyDialog(p));
            return h('div', { class: 'btn-row' }, restock, edit, history);
          },
        },
      ],
    }),
    empty: () => {
      if (search.value.trim()) return emptyState(t('No products match “{text}”.', { text: search.value.trim() }));
      if (lowOnly.checked) return emptyState(t('Nothing is running low.'));
      const first = h('button', { type: 'button', class: 'btn btn-primary' }, t('Add your first product'));
      first.addEventListener('click', () => showForm(true));
      return emptyState(t('No products yet — add your first.'), first);
    },
  });

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const { body, fields } = readProduct(form, true);
    if (Object.keys(fields).length) {
      showFormError(form, alert, { status: 422, fields, message: t('Please correct the highlighted fields.') });
      return;
    }
    await createFromForm({ route: 'productCreate', body, noun: t('Product'), form, alert, close: () => showForm(false), list });
  });

  add(ctx.root,
    pageHeader(t('Products'), addBtn),
    formCard,
    listCard({ search, searchId: 'product-search', list, checks: [
      { input: lowOnly, id: 'product-low', label: t('Low stock only') },
      { input: archived, id: 'product-archived', label: t('Include archived') },
    ] }),
  );
  list.reload();
}

function restockDialog(p, done) {
  const qty = field({ label: t('Quantity to add ({unit})', { unit: p.unit || 'pcs' }), name: 'quantity', required: true, testid: 'restock-quantity', hint: t('Decimals allowed, e.g. 2.5'), attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const reason = field({ label: t('Reason'), name: 'reason', testid: 'restock-reason', value: '', attrs: { placeholder: t('e.g. Purchase from supplier'), maxlength: 200 } });
  const alert = formAlert('restock-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'restock-submit' }, t('Add stock'));
  const form = h('form', { class: 'stack', novalidate: true },
    h('p', { class: 'muted' }, t('In stock now: {quantity} {unit}', { quantity: formatQuantity(p.stock), unit: unitLabel(p.unit, p.stock) })), qty, reason, alert.el,
    h('div', { class: 'form-actions' }, submit));
  const { close } = openDialog({ title: t('Restock {name}', { name: p.name }), body: form, testid: 'restock-dialog' });
  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const milli = parseQuantityMilli(qty.control.value);
    if (!milli) {
      showFormError(form, alert, { status: 422, fields: { quantity: t('enter a quantity above zero (up to 3 decimals)') }, message: t('Please correct the quantity.') });
      return;
    }
    const body = { quantity: milliToNumber(milli) };
    if (reason.control.value.trim()) body.reason = reason.control.value.trim();
    try {
      const updated = await api.create(path('productRestock', p.id), body);
      toast(t('{name}: {quantity} {unit} in stock now.', { name: updated.name, quantity: formatQuantity(updated.stock), unit: unitLabel(updated.unit, updated.stock) }), 'success');
      close();
      done();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });
  qty.control.focus();
}

function editDialog(p, done) {
  const alert = formAlert('product-edit-error');
  const stock = field({ label: t('Stock ({unit})', { unit: p.unit || 'pcs' }), name: 'stock', value: String(p.stock ?? 0), testid: 'product-edit-stock', hint: t('Change only to correct a count; it is recorded as an adjustment.'), attrs: { inputmode: 'decimal', autocomplete: 'off' } });
  const stockReason = field({ label: t('Reason for stock change'), name: 'stock_reason', testid: 'product-edit-stock-reason', attrs: { placeholder: t('e.g. Counted 2 damaged bags'), maxlength: 200 } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'product-edit-submit' }, t('Save changes'));
  const remove = h('button', { type: 'button', class: 'btn btn-danger-outline', testid: 'product-delete' }, t('Delete or archive'));
  const form = h('form', { class: 'form-grid', novalidate: true },
    productFields('product-edit', p), stock, stockReason, alert.el,
    h('div', { class: 'form-actions form-actions-split span-2' }, remove, submit));
  const { close } = openDialog({ title: t('Edit {name}', { name: p.name }), body: form, testid: 'product-edit-dialog', wide: true });

  remove.addEventListener('click', async () => {
    close();
    const result = await confirmDialog({
      title: t('Remove {name}?', { name: p.name }),
      message: t('A product never sold is deleted. One that appears on invoices is archived instead, so old invoices stay intact.'),
      confirmText: t('Remove'),
      danger: true,
      action: () => api.del(path('productDelete', p.id)),
    });
    if (!result) return;
    toast(result.deleted ? t('{name} was deleted.', { name: p.name }) : t('{name} was archived.', { name: p.name }), 'success');
    done();
  });

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const { body, fields } = readProduct(form, false);
    const stockMilli = parseQuantityMilli(stock.control.value || '0');
    if (stockMilli === null) fields.stock = t('enter a quantity (up to 3 decimals)');
    if (Object.keys(fields).length) {
      showFormError(form, alert, { status: 422, fields, message: t('Please correct the highlighted fields.') });
      return;
    }
    const oldMilli = parseQuantityMilli(String(p.stock ?? 0));
    if (stockMilli !== oldMilli) {
      body.stock = milliToNumber(stockMilli);
      const r = stockReason.control.value.trim();
      if (r) body.stock_reason = r;
    }
    try {
      await api.patch(path('productUpdate', p.id), body);
      toast(t('Product saved.'), 'success');
      close();
      done();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });
  form.elements.namedItem('name').focus();
}

function historyDialog(p) {
  const out = h('div', {}, loadingState());
  openDialog({ title: t('Stock history: {name}', { name: p.name }), body: out, testid: 'product-history-dialog', wide: true });
  const kinds = { sale: t('Sale'), void: t('Void (returned)'), restock: t('Restock'), adjustment: t('Adjustment') };
  const load = async () => {
    fill(out, loadingState());
    try {
      const page = await api.get(path('productMovements', p.id), { limit: 100 });
      const items = page.items || [];
      if (!items.length) {
        fill(out, emptyState(t('No stock movements yet.')));
        return;
      }
      fill(out, dataTable({
        testid: 'movements-table',
        caption: t('Stock movements'),
        items,
        columns: [
          { label: t('When'), render: (m) => formatDateTime(m.created_at, timeZone()) },
          { label: t('Kind'), render: (m) => kinds[m.kind] || m.kind },
          {
            label: t('Change'),
            className: 'num',
            render: (m) => h('span', { class: Number(m.delta) < 0 ? 'money-due' : 'money-credit' }, `${Number(m.delta) > 0 ? '+' : ''}${formatQuantity(m.delta)}`),
          },
          { label: t('After'), className: 'num', render: (m) => formatQuantity(m.stock_after) },
          {
            label: t('Reason'),
            render: (m) => (m.invoice_id
              ? h('a', { href: `#/ledger/invoices/${encodeURIComponent(m.invoice_id)}` }, m.reason || t('Invoice'))
              : m.reason || '—'),
          },
        ],
      }), page.next_cursor ? h('p', { class: 'muted' }, t('Showing the latest 100 movements.')) : null);
    } catch (e) {
      fill(out, errorState(e, load));
    }
  };
  load();
}
