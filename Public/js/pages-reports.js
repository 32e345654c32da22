// Reports: the exports from GET /api/v1/reports, each with a period picker (when it takes a
// period) and a CSV download. The download is fetched (so errors show here, with progress for
// large files) and handed to the browser as a file; the link's href also works on its own.
import { ApiError, api, errorMessage } from './api.js';
import { href, path } from './routes.js';
import { h, pageHeader, loadingState, errorState, emptyState, fill, add, uid, badge, dataTable, tableBox } from './ui.js';
import { typeahead } from './typeahead.js';
import { formatDate, todayIn, formatMoney } from './format.js';
import { gstr1Summary, gstr3bRows, lastMonth, gstPeriod } from './shared/gst.js';
import { timeZone } from './session.js';
import { reportText, columnLabel, cellText, isNumeric, nextSort, pageSummary } from './shared/report-table.js';
import { t, tn } from './i18n.js';

const pad2 = (n) => String(n).padStart(2, '0');
const ymd = (y, m, d) => `${y}-${pad2(m)}-${pad2(d)}`;
const lastDay = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-based

/** Presets relative to today in the business timezone. */
function presets() {
  const today = todayIn(timeZone());
  const [y, m] = today.split('-').map(Number);
  const py = m === 1 ? y - 1 : y;
  const pm = m === 1 ? 12 : m - 1;
  return [
    { key: 'this-month', label: t('This month'), from: ymd(y, m, 1), to: today },
    { key: 'last-month', label: t('Last month'), from: ymd(py, pm, 1), to: ymd(py, pm, lastDay(py, pm)) },
    { key: 'this-year', label: t('This year'), from: ymd(y, 1, 1), to: today },
  ];
}

function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function filenameFrom(res, fallback) {
  const cd = res.headers.get('Content-Disposition') || '';
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(cd);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(cd);
  return plain ? plain[1].trim() : fallback;
}

/** Fetches the file with progress, then saves it through a temporary object URL. */
async function download(url, fallbackName, onProgress, signal) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', signal });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', t('Could not reach the server. Check your connection and try again.'));
  }
  if (!res.ok) {
    let message = t('The export failed (HTTP {status}).', { status: res.status });
    let code = `http_${res.status}`;
    try {
      const data = await res.json();
      if (data && data.error) {
        message = data.error.message || message;
        code = data.error.code || code;
      }
    } catch {
      // not JSON
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('munim:unauthenticated'));
    throw new ApiError(res.status, code, message);
  }
  const chunks = [];
  let received = 0;
  if (res.body && res.body.getReader) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      onProgress(received);
    }
  } else {
    const buf = await res.arrayBuffer();
    chunks.push(new Uint8Array(buf));
    received = buf.byteLength;
  }
  const blob = new Blob(chunks, { type: res.headers.get('Content-Type') || 'text/csv' });
  const objectUrl = URL.createObjectURL(blob);
  const a = h('a', { href: objectUrl, download: filenameFrom(res, fallbackName), class: 'visually-hidden' }, 'download');
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
  return received;
}

const PAGE = 50;

/**
 * A report's table on the page (GET /reports/table/{id}): sortable headings, a page of rows, the
 * totals at the foot and Previous / Next. query() gives the same ?from&to&customer_id as the
 * downloads; problem() says why the period cannot be read.
 */
function reportTable(id, title, query, problem) {
  const box = h('div', { class: 'report-table', testid: 'report-table', 'aria-live': 'polite' });
  let sort = null;
  let offset = 0;
  let generation = 0;
  let timer = null;

  function draw(data) {
    const cols = Array.isArray(data.columns) ? data.columns : [];
    const rows = Array.isArray(data.rows) ? data.rows : [];
    const totals = Array.isArray(data.totals) ? data.totals : [];
    const total = Number(data.total_rows) || 0;
    if (!total) {
      fill(box, emptyState(data.from ? t('Nothing in this period.') : t('Nothing to show yet.')));
      return;
    }
    const labels = cols.map((c) => columnLabel(c.name));
    const head = h('tr', {}, cols.map((c, i) => {
      const sorted = data.sort === i;
      const th = h('th', {
        scope: 'col', class: isNumeric(c.type) ? 'num' : null,
        'aria-sort': sorted ? (data.order === 'asc' ? 'ascending' : 'descending') : null,
      });
      if (!data.sortable) {
        th.append(labels[i]);
        return th;
      }
      const b = h('button', { type: 'button', class: 'sort-button', testid: 'report-sort', dataset: { index: String(i) } },
        labels[i], h('span', { 'aria-hidden': 'true', class: 'sort-mark' }, sorted ? (data.order === 'asc' ? ' ▲' : ' ▼') : ''));
      b.addEventListener('click', () => {
        sort = nextSort(sort, i, c.type);
        offset = 0;
        load();
      });
      th.append(b);
      return th;
    }));
    const cell = (row, i, tag = 'td') => h(tag, {
      class: isNumeric(cols[i] && cols[i].type) ? 'num' : null, 'data-label': labels[i] || null, scope: tag === 'th' ? 'row' : null,
    }, cellText(row[i], cols[i] && cols[i].type));
    const body = rows.map((r) => h('tr', { testid: 'report-table-row' }, cols.map((_, i) => cell(r, i))));
    const foot = totals.map((r) => h('tr', { testid: 'report-table-total' }, cols.map((_, i) => cell(r, i, i === 0 ? 'th' : 'td'))));
    const prev = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'report-prev', disabled: offset === 0 }, t('Previous'));
    const next = h('button', { type: 'button', class: 'btn btn-small btn-secondary', testid: 'report-next', disabled: offset + rows.length >= total }, t('Next'));
    prev.addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
    next.addEventListener('click', () => { offset += PAGE; load(); });
    fill(box,
      tableBox(h('table', { class: 'table report-grid', testid: 'report-grid' },
        h('caption', { class: 'visually-hidden' }, title),
        h('thead', {}, head), h('tbody', {}, body), foot.length ? h('tfoot', {}, foot) : null), title),
      h('div', { class: 'report-pager' },
        h('p', { class: 'muted', testid: 'report-table-summary' }, pageSummary(offset, rows.length, total)),
        total > PAGE ? h('div', { class: 'btn-row' }, prev, next) : null));
  }

  async function load() {
    const mine = ++generation;
    clearTimeout(timer);
    const p = problem();
    if (p) {
      fill(box, h('p', { class: 'field-error' }, p));
      return;
    }
    if (!box.querySelector('table')) fill(box, loadingState(t('Reading the report…')));
    else box.setAttribute('aria-busy', 'true');
    const qs = new URLSearchParams(query().replace(/^\?/, ''));
    if (sort) {
      qs.set('sort', String(sort.index));
      qs.set('order', sort.order);
    }
    qs.set('offset', String(offset));
    qs.set('limit', String(PAGE));
    try {
      const data = await api.get(`${path('reportTable', id)}?${qs}`);
      if (mine !== generation) return;
      draw(data);
    } catch (e) {
      if (mine !== generation) return;
      fill(box, h('p', { class: 'field-error', testid: 'report-table-error' }, errorMessage(e)));
    } finally {
      if (mine === generation) box.removeAttribute('aria-busy');
    }
  }

  return {
    el: box,
    load,
    /** The period or customer changed: back to the first page, soon. */
    changed() {
      offset = 0;
      clearTimeout(timer);
      timer = setTimeout(load, 250);
    },
  };
}

function reportRow(report) {
  const id = String(report.id);
  const text = reportText(report);
  const formats = Array.isArray(report.formats) ? report.formats : ['csv'];
  const LABELS = { csv: t('Download CSV'), xlsx: t('Download Excel'), pdf: t('Download PDF') };
  const status = h('p', { class: 'report-status', role: 'status', 'aria-live': 'polite', testid: 'report-status' });
  // One download link per format the server offers; the CSV one keeps the plain test id.
  const links = formats.filter((f) => LABELS[f]).map((fmt) => {
    const a = h('a', { class: fmt === 'csv' ? 'btn btn-primary' : 'btn', testid: fmt === 'csv' ? 'report-download' : `report-download-${fmt}`, download: `${id}.${fmt}` }, LABELS[fmt]);
    a.dataset.format = fmt;
    return a;
  });
  let from = null;
  let to = null;
  let customer = null;
  let controller = null;

  const query = () => {
    const qs = new URLSearchParams();
    if (report.period) {
      if (from.value) qs.set('from', from.value);
      if (to.value) qs.set('to', to.value);
    }
    if (customer && customer.selected) qs.set('customer_id', customer.selected.id);
    const s = qs.toString();
    return s ? `?${s}` : '';
  };
  const fileName = (fmt) => (report.period && from.value && to.value ? `${id}-${from.value}-to-${to.value}.${fmt}` : `${id}.${fmt}`);

  const problem = () => {
    if (!report.period) return null;
    if (!from.value || !to.value) return t('Choose both dates.');
    if (from.value > to.value) return t('The start date is after the end date.');
    return null;
  };

  let tableChanged = () => {};
  const update = () => {
    tableChanged();
    const p = problem();
    for (const link of links) {
      const fmt = link.dataset.format;
      link.href = href('reportFile', `${id}.${fmt}`) + query();
      link.setAttribute('download', fileName(fmt));
      link.classList.toggle('is-disabled', !!p);
      if (p) link.setAttribute('aria-disabled', 'true');
      else link.removeAttribute('aria-disabled');
    }
    if (p) {
      status.textContent = p;
      status.className = 'report-status field-error';
    } else if (status.classList.contains('field-error')) {
      status.textContent = '';
      status.className = 'report-status';
    }
  };

  let periodBox = null;
  if (report.period) {
    const fromId = uid('report-from');
    const toId = uid('report-to');
    const initial = presets()[0];
    from = h('input', { type: 'date', id: fromId, name: 'from', testid: 'report-from', value: initial.from, required: true });
    to = h('input', { type: 'date', id: toId, name: 'to', testid: 'report-to', value: initial.to, required: true });
    from.addEventListener('input', update);
    to.addEventListener('input', update);
    const presetButtons = presets().map((p) => {
      const b = h('button', { type: 'button', class: 'btn btn-small btn-ghost', testid: `report-preset-${p.key}` }, p.label);
      b.addEventListener('click', () => {
        from.value = p.from;
        to.value = p.to;
        update();
      });
      return b;
    });
    periodBox = h('fieldset', { class: 'report-period' },
      h('legend', { class: 'visually-hidden' }, t('Period for {report}', { report: text.title })),
      h('div', { class: 'field' }, h('label', { for: fromId }, t('From')), from),
      h('div', { class: 'field' }, h('label', { for: toId }, t('To')), to),
      h('div', { class: 'report-presets', role: 'group', 'aria-label': t('Quick periods') }, presetButtons));
  }
  if (id === 'ledger') {
    customer = typeahead({
      label: t('Customer (optional)'),
      name: 'customer_id',
      testid: 'report-customer',
      placeholder: t('All customers'),
      hint: t('Leave empty for every customer.'),
      search: async (q) => (await api.get(path('customers'), { q, limit: 10 })).items || [],
      itemLabel: (c) => c.name,
      itemDetail: (c) => c.phone || '',
      onSelect: () => update(),
      onText: () => update(),
    });
  }

  for (const link of links) link.addEventListener('click', async (e) => {
    const fmt = link.dataset.format;
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1) return; // let the browser handle it
    e.preventDefault();
    const p = problem();
    if (p) {
      status.textContent = p;
      status.className = 'report-status field-error';
      (from && !from.value ? from : to || link).focus();
      return;
    }
    if (link.getAttribute('aria-busy') === 'true') return;
    controller = new AbortController();
    link.setAttribute('aria-busy', 'true');
    link.classList.add('is-busy');
    link.textContent = t('Preparing…');
    status.className = 'report-status';
    status.textContent = t('Preparing the file…');
    try {
      const size = await download(link.href, fileName(fmt), (n) => {
        status.textContent = t('Preparing the file… {size} so far', { size: humanSize(n) });
      }, controller.signal);
      status.textContent = t('Downloaded {file} ({size}).', { file: fileName(fmt), size: humanSize(size) });
    } catch (err) {
      status.className = 'report-status field-error';
      status.textContent = errorMessage(err);
    } finally {
      link.removeAttribute('aria-busy');
      link.classList.remove('is-busy');
      link.textContent = LABELS[fmt];
      controller = null;
    }
  });

  // The report on the page: "Show" opens its table, which then follows the period.
  const table = reportTable(id, text.title || id, query, problem);
  table.el.hidden = true;
  const show = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'report-show', 'aria-expanded': 'false' }, t('Show'));
  show.addEventListener('click', () => {
    const open = table.el.hidden;
    table.el.hidden = !open;
    show.setAttribute('aria-expanded', String(open));
    show.textContent = open ? t('Hide') : t('Show');
    if (open) table.load();
  });
  tableChanged = () => {
    if (!table.el.hidden) table.changed();
  };

  update();
  const title = h('h2', { class: 'card-title' }, text.title || id);
  return h('section', { class: 'card report', testid: 'report-row', dataset: { id }, 'aria-label': text.title || id },
    h('div', { class: 'card-head' }, title,
      h('span', { class: 'report-formats' }, formats.map((f) => badge(String(f).toUpperCase(), 'neutral')))),
    text.description ? h('p', { class: 'muted' }, text.description) : null,
    h('div', { class: 'report-controls' },
      periodBox,
      customer ? customer.el : null,
      !report.period ? h('p', { class: 'report-asof' }, t('As of today, {date}.', { date: formatDate(todayIn(timeZone())) })) : null,
      h('div', { class: 'report-actions' }, show, links.length ? links : h('span', { class: 'muted' }, t('No download available yet.')))),
    status, table.el);
}

/** GST returns: GSTR-1 of a month, summarised here and downloaded as the portal's JSON file. */
function gstCard() {
  const monthId = uid('gst-month');
  const month = h('input', { type: 'month', id: monthId, name: 'period', testid: 'gst-month', value: lastMonth(todayIn(timeZone())), max: todayIn(timeZone()).slice(0, 7), min: '2017-07', required: true });
  const show = h('button', { type: 'button', class: 'btn', testid: 'gst-show' }, t('Show summary'));
  const link = h('a', { class: 'btn btn-primary', testid: 'gst-download' }, t('Download GSTR-1 (JSON)'));
  const link3b = h('a', { class: 'btn', testid: 'gst3b-download' }, t('Download GSTR-3B (PDF)'));
  const linkEinv = h('a', { class: 'btn', testid: 'gst-einvoices-download' }, t('Download e-invoices (JSON)'));
  const quarterlyId = uid('gst-quarterly');
  const quarterly = h('input', { type: 'checkbox', id: quarterlyId, testid: 'gst-quarterly' });
  const status = h('p', { class: 'report-status', role: 'status', 'aria-live': 'polite', testid: 'gst-status' });
  // The period sent: the month, or its quarter for a quarterly (QRMP) filer.
  const period = () => gstPeriod(month.value, quarterly.checked);
  const preview = h('div', { testid: 'gst-preview' });
  const valid = () => /^\d{4}-(0[1-9]|1[0-2])$/.test(month.value);
  const update = () => {
    link.href = `${href('gstr1')}?period=${encodeURIComponent(period())}`;
    link.setAttribute('download', `GSTR1-${period()}.json`);
    link3b.href = `${href('gstr3bPDF')}?period=${encodeURIComponent(period())}`;
    link3b.setAttribute('download', `GSTR3B-${period()}.pdf`);
    linkEinv.href = `${href('gstEInvoices')}?period=${encodeURIComponent(period())}`;
    linkEinv.setAttribute('download', `EINV-${period()}.json`);
    fill(preview);
    status.textContent = valid() ? '' : t('Choose a month.');
    status.className = valid() ? 'report-status' : 'report-status field-error';
  };
  const problem = (e) => (e && e.code === 'gstin_required'
    ? h('span', {}, t('GSTR-1 is filed under your GSTIN. '), h('a', { href: '#/settings' }, t('Add it in Settings')), ' first.')
    : errorMessage(e));

  const load = async () => {
    if (!valid()) { update(); return; }
    fill(preview, loadingState(t('Reading the month…')));
    try {
      const [doc, doc3b] = await Promise.all([api.get(path('gstr1'), { period: period() }), api.get(path('gstr3b'), { period: period() })]);
      const s = gstr1Summary(doc);
      const money = (n) => formatMoney(n);
      const summary3b = dataTable({
        testid: 'gst3b-summary', rowTestid: 'gst3b-row', caption: t('GSTR-3B for {period}', { period: period() }), items: gstr3bRows(doc3b),
        columns: [
          { label: t('GSTR-3B'), render: (r) => r.label },
          { label: t('Value'), className: 'num hide-sm', render: (r) => (r.value === null ? '' : money(r.value)) },
          { label: t('IGST'), className: 'num', render: (r) => money(r.igst) },
          { label: t('CGST'), className: 'num', render: (r) => money(r.cgst) },
          { label: t('SGST'), className: 'num', render: (r) => money(r.sgst) },
        ],
      });
      fill(preview, s.rows.length
        ? [dataTable({
          testid: 'gst-summary', rowTestid: 'gst-summary-row', caption: t('GSTR-1 for {period}', { period: period() }), items: s.rows,
          columns: [
            { label: t('Section'), render: (r) => r.label },
            { label: t('Invoices / rows'), className: 'num hide-sm', render: (r) => String(r.count) },
            { label: t('Taxable value'), className: 'num', render: (r) => money(r.taxable) },
            { label: t('IGST'), className: 'num', render: (r) => money(r.igst) },
            { label: t('CGST'), className: 'num', render: (r) => money(r.cgst) },
            { label: t('SGST'), className: 'num', render: (r) => money(r.sgst) },
          ],
          footer: h('tr', { testid: 'gst-summary-total' }, h('th', { scope: 'row' }, t('Total')), h('td', { class: 'num hide-sm' }),
            h('td', { class: 'num' }, money(s.total.taxable)), h('td', { class: 'num' }, money(s.total.igst)),
            h('td', { class: 'num' }, money(s.total.cgst)), h('td', { class: 'num' }, money(s.total.sgst))),
        }),
        s.documents ? h('p', { class: 'muted', testid: 'gst-documents' },
          t('Invoices {from} to {to}: {issued} issued, {cancelled} cancelled.', { from: s.documents.from, to: s.documents.to, issued: s.documents.total, cancelled: s.documents.cancelled })) : null,
        s.creditNotes ? h('p', { class: 'muted', testid: 'gst-credit-notes' },
          t('Credit notes {from} to {to}: {issued} issued.', { from: s.creditNotes.from, to: s.creditNotes.to, issued: s.creditNotes.total })) : null,
        summary3b]
        : [emptyState(quarterly.checked ? t('No invoices were issued in this quarter.') : t('No invoices were issued in this month.')), summary3b]);
    } catch (e) {
      fill(preview, h('p', { class: 'field-error', testid: 'gst-error' }, problem(e)));
    }
  };
  month.addEventListener('input', update);
  quarterly.addEventListener('change', update);
  show.addEventListener('click', load);
  const fetchFile = (a, name, done) => a.addEventListener('click', async (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1) return;
    e.preventDefault();
    if (!valid()) { update(); return; }
    status.className = 'report-status';
    status.textContent = t('Preparing the file…');
    try {
      const size = await download(a.href, name(), () => {});
      status.textContent = done(humanSize(size));
    } catch (err) {
      status.className = 'report-status field-error';
      fill(status, problem(err));
    }
  });
  fetchFile(link, () => `GSTR1-${period()}.json`, (size) => t('Downloaded GSTR-1 for {month} ({size}). Import it in the GST portal’s offline tool.', { month: period(), size }));
  fetchFile(link3b, () => `GSTR3B-${period()}.pdf`, (size) => t('Downloaded the GSTR-3B summary for {month} ({size}).', { month: period(), size }));
  fetchFile(linkEinv, () => `EINV-${period()}.json`, (size) => t('Downloaded the e-invoices of {month} ({size}) for the e-invoice portal’s bulk upload tool.', { month: period(), size }));
  update();
  return h('section', { class: 'card report', testid: 'gst-card', 'aria-label': t('GST returns') },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, t('GSTR-1 and GSTR-3B')), h('span', { class: 'report-formats' }, badge(t('JSON'), 'neutral'), badge(t('PDF'), 'neutral'))),
    h('p', { class: 'muted' }, t('GSTR-1: the month\u2019s sales as the JSON file the GST portal\u2019s offline tool imports (B2B invoices by buyer GSTIN, B2C sales by state and rate, the HSN summary, the invoice number range). GSTR-3B: the tax on those sales, the GST you paid on purchases and expenses, and what is left to pay in cash. Check the totals here, then give the files to your CA.')),
    h('div', { class: 'report-controls' },
      h('div', { class: 'field' }, h('label', { for: monthId }, t('Month')), month),
      h('div', { class: 'field field-check' }, quarterly, h('label', { for: quarterlyId }, t('Quarterly return (QRMP): the quarter of this month'))),
      h('div', { class: 'report-actions' }, show, link, link3b, linkEinv)),
    status, preview);
}

export function reportsPage(ctx) {
  const body = h('div', { testid: 'reports' }, loadingState(t('Loading reports…')));
  add(ctx.root,
    pageHeader(t('Reports')),
    h('p', { class: 'muted lead' }, t('Read any report here with its totals, or download it as CSV, Excel or PDF. Dates are in your business timezone; amounts are in rupees. The Ledger report with a customer chosen is that customer\u2019s statement of account.')),
    h('h2', { class: 'section-title' }, t('GST returns')),
    gstCard(),
    h('h2', { class: 'section-title' }, t('Exports')),
    body);

  const load = async () => {
    fill(body, loadingState(t('Loading reports…')));
    try {
      const data = await api.get(path('reports'));
      const items = (data && data.items) || [];
      if (!items.length) {
        fill(body, emptyState(t('No reports are available yet.')));
        return;
      }
      fill(body, h('div', { class: 'report-list' }, items.map(reportRow)));
    } catch (e) {
      fill(body, errorState(e, load));
    }
  };
  load();
}

