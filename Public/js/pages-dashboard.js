// Dashboard: true figures from GET /api/v1/dashboard (sales with comparisons, money collected
// and outstanding, debtors, low stock, a 30-day sales chart, recent activity, messages per
// platform and workflow runs), and real empty states for a new business or one with no channel
// or workflow yet.
import { api } from './api.js';
import { path } from './routes.js';
import { h, pageHeader, card, loadingState, errorState, emptyState, linkButton, badge, fill, add, busy } from './ui.js';
import { formatMoney, formatQuantity, formatDate, formatDateTime, unitLabel } from './format.js';
import { session, timeZone } from './session.js';
import { chart } from './chart.js';
import { platformLabel } from './shared/platforms.js';
import { subscribe } from './live.js';
import { remindAllDebtors } from './shared/reminders.js';
import { modeLabel } from './shared/payments.js';
import { t, tn, mark } from './i18n.js';

// Live: the page listens to GET /api/v1/events (Server-Sent Events) and reloads its figures when
// an invoice or payment changes. The 30 s poll stays as the fallback (for example behind a proxy
// that drops the stream).
const REFRESH_MS = 30_000;
const LIVE_EVENTS = ['invoice.updated', 'payment.recorded', 'stock.updated'];

const customerHref = (id) => `#/ledger/customers/${encodeURIComponent(id)}`;
const invoiceHref = (id) => `#/ledger/invoices/${encodeURIComponent(id)}`;
const productHref = (name) => `#/ledger/products?q=${encodeURIComponent(name)}`;

// Counted words, through the catalog ("3 invoices", "3 बिल").
const invoicesText = (n) => tn(Number(n) || 0, '{count} invoice', '{count} invoices');

/* ---------- sales and money cards ---------- */

const PERIODS = [
  { key: 'today', label: mark('Sales today'), testid: 'dashboard-sales-today', previous: mark('yesterday') },
  { key: 'this_week', label: mark('Sales this week'), testid: 'dashboard-sales-week', previous: mark('the same days last week') },
  { key: 'this_month', label: mark('Sales this month'), testid: 'dashboard-sales-month', previous: mark('the same days last month') },
];

/** "▲ 25% vs yesterday" / "▼ 10% …" / "no sales in the previous period". */
function comparison(p, previousLabel) {
  const amount = Number(p.amount) || 0;
  const previous = Number(p.previous) || 0;
  const prevText = p.previous_invoices !== undefined
    ? t('{amount} from {invoices}', { amount: formatMoney(previous), invoices: invoicesText(p.previous_invoices) })
    : formatMoney(previous);
  const before = t(previousLabel);
  if (previous === 0) {
    return h('p', { class: 'stat-compare', testid: 'compare' }, t('No sales in the previous period'));
  }
  if (amount === previous) {
    return h('p', { class: 'stat-compare', testid: 'compare', title: t('Previous: {text}', { text: prevText }) }, t('Same as {before}', { before }));
  }
  const up = amount > previous;
  const pct = Math.abs(((amount - previous) / previous) * 100);
  const pctText = pct < 10 && pct % 1 !== 0 ? pct.toFixed(1) : String(Math.round(pct));
  return h('p', { class: `stat-compare ${up ? 'is-up' : 'is-down'}`, testid: 'compare', title: t('Previous: {text}', { text: prevText }) },
    h('span', { 'aria-hidden': 'true' }, up ? '▲ ' : '▼ '),
    h('span', { class: 'visually-hidden' }, up ? t('Up') + ' ' : t('Down') + ' '),
    t('{percent}% vs {before}', { percent: pctText, before }),
    h('span', { class: 'stat-compare-prev' }, ` (${formatMoney(previous)})`));
}

function salesCard(period, p) {
  const amount = Number(p.amount) || 0;
  const range = p.from && p.to && p.from !== p.to ? `${formatDate(p.from)} – ${formatDate(p.to)}` : formatDate(p.from || p.to);
  return h('section', { class: 'stat card', testid: period.testid, 'aria-label': t(period.label) },
    h('h2', { class: 'stat-label' }, t(period.label)),
    h('p', { class: 'stat-value', testid: 'value' }, formatMoney(amount)),
    h('p', { class: 'stat-hint' }, amount || p.invoices ? invoicesText(p.invoices) : t('No sales yet'), range ? ` · ${range}` : ''),
    comparison(p, period.previous));
}

function collectedCard(c) {
  return h('section', { class: 'stat card', testid: 'dashboard-collected', 'aria-label': t('Collected') },
    h('h2', { class: 'stat-label' }, t('Collected this month')),
    h('p', { class: 'stat-value', testid: 'value' }, formatMoney(c.this_month)),
    h('dl', { class: 'stat-breakdown' },
      h('div', {}, h('dt', {}, t('Today')), h('dd', {}, formatMoney(c.today))),
      h('div', {}, h('dt', {}, t('This week')), h('dd', {}, formatMoney(c.this_week)))));
}

function outstandingCard(d) {
  const count = Number(d.debtors?.count) || 0;
  return h('section', { class: 'stat card', testid: 'dashboard-outstanding', 'aria-label': t('Outstanding') },
    h('h2', { class: 'stat-label' }, t('Outstanding')),
    h('p', { class: `stat-value ${Number(d.outstanding) > 0 ? 'money-due' : ''}`, testid: 'value' }, formatMoney(d.outstanding)),
    h('p', { class: 'stat-hint' }, count ? tn(count, 'Owed by {count} customer', 'Owed by {count} customers') : t('Nobody owes you money')),
    h('p', { class: 'card-foot' }, h('a', { href: '#/reports' }, t('Aging report →'))));
}

/** Where the money is, what the shop owes, and this month's profit (issue 16 §5). */
function booksCards(b) {
  if (!b) return null;
  const profit = Number(b.profit_this_month) || 0;
  const owed = Number(b.suppliers_owed) || 0;
  return h('div', { class: 'stats stats-3' },
    h('section', { class: 'stat card', testid: 'dashboard-profit', 'aria-label': t('Profit this month') },
      h('h2', { class: 'stat-label' }, t('Profit this month')),
      h('p', { class: `stat-value ${profit < 0 ? 'money-due' : ''}`, testid: 'value' }, formatMoney(profit)),
      h('p', { class: 'stat-hint' }, t('After {amount} of expenses, before GST', { amount: formatMoney(b.expenses_this_month) })),
      h('p', { class: 'card-foot' }, h('a', { href: '#/books/profit-and-loss' }, t('Profit and loss →')))),
    h('section', { class: 'stat card', testid: 'dashboard-cash', 'aria-label': t('Cash in hand') },
      h('h2', { class: 'stat-label' }, t('Cash in hand')),
      h('p', { class: 'stat-value', testid: 'value' }, formatMoney(b.cash_in_hand)),
      h('p', { class: 'stat-hint' }, t('Bank and UPI: {amount}', { amount: formatMoney(b.bank_and_upi) })),
      h('p', { class: 'card-foot' }, h('a', { href: '#/books/accounts' }, t('Cash book →')))),
    h('section', { class: 'stat card', testid: 'dashboard-payables', 'aria-label': t('You owe suppliers') },
      h('h2', { class: 'stat-label' }, t('You owe suppliers')),
      h('p', { class: 'stat-value', testid: 'value' }, formatMoney(b.payables)),
      h('p', { class: 'stat-hint' }, owed ? tn(owed, 'To {count} supplier', 'To {count} suppliers') : t('Nothing owed')),
      h('p', { class: 'card-foot' }, h('a', { href: '#/books/suppliers' }, t('Suppliers →')))));
}

function debtorsCard(debtors) {
  const count = Number(debtors?.count) || 0;
  const top = debtors?.top || [];
  const body = count && top.length
    ? h('ol', { class: 'mini-list', testid: 'debtor-list' }, top.map((row) => h('li', { testid: 'debtor-row' },
      h('span', {},
        h('a', { href: customerHref(row.customer.id) }, row.customer.name),
        Number(row.days_overdue) > 0
          ? h('span', { class: 'cell-sub' }, badge(tn(Number(row.days_overdue), '{count} day overdue', '{count} days overdue'), Number(row.days_overdue) > 30 ? 'danger' : 'warn'))
          : null),
      h('span', { class: 'money money-due' }, formatMoney(row.due)))))
    : emptyState(t('Nobody owes you anything right now.'));
  return h('section', { class: 'card', testid: 'dashboard-debtors', 'aria-labelledby': 'dash-debtors-title' },
    h('div', { class: 'card-head' },
      h('h2', { class: 'card-title', id: 'dash-debtors-title' }, t('Who owes you')),
      h('span', { class: 'badge badge-neutral', testid: 'debtor-count' }, tn(count, '{count} debtor', '{count} debtors'))),
    body,
    h('p', { class: 'card-foot' }, count ? remindButton() : null, h('a', { href: '#/ledger/customers' }, t('All customers →'))));
}

function remindButton() {
  const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'dashboard-remind-all' }, t('Remind all'));
  btn.addEventListener('click', () => busy([btn], () => remindAllDebtors()));
  return btn;
}

function lowStockCard(items) {
  const list = items || [];
  const body = list.length
    ? h('ul', { class: 'mini-list', testid: 'low-stock-list' }, list.map((p) => h('li', { testid: 'low-stock-row' },
      h('a', { href: productHref(p.name) }, p.name),
      h('span', {},
        t('{quantity} {unit} left', { quantity: formatQuantity(p.stock), unit: unitLabel(p.unit, p.stock) }), ' ',
        h('span', { class: 'cell-sub' }, t('alert at {quantity}', { quantity: formatQuantity(p.low_stock_threshold) }))))))
    : emptyState(t('Nothing is running low.'));
  return h('section', { class: 'card', testid: 'dashboard-low-stock', 'aria-labelledby': 'dash-low-title' },
    h('div', { class: 'card-head' },
      h('h2', { class: 'card-title', id: 'dash-low-title' }, t('Running low')),
      list.length ? badge(tn(list.length, '{count} product', '{count} products'), 'warn') : null),
    body,
    h('p', { class: 'card-foot' }, h('a', { href: '#/ledger/products' }, t('All products →'))));
}

/* ---------- charts ---------- */

let chartKind = 'bar'; // remembered while the app is open

function salesChartCard(days) {
  const series = days || [];
  const total = series.reduce((sum, d) => sum + (Number(d.amount) || 0), 0);
  const invoices = series.reduce((sum, d) => sum + (Number(d.invoices) || 0), 0);
  const holder = h('div', { class: 'chart-holder' });
  const toggle = h('div', { class: 'segmented', role: 'group', 'aria-label': t('Chart style') });
  const draw = () => {
    if (!total) {
      fill(holder, emptyState(t('No sales in the last 30 days. Issued invoices show up here.'),
        linkButton('#/ledger/invoices/new', t('Create an invoice'), { kind: 'secondary' })));
      return;
    }
    fill(holder, chart({
      kind: chartKind,
      title: t('Sales, last 30 days'),
      seriesLabel: t('Sales'),
      money: true,
      detailLabel: t('Invoices'),
      testid: 'sales-chart',
      points: series.map((d) => ({ x: d.date, value: d.amount, detail: invoicesText(d.invoices) })),
    }));
  };
  const buttons = [['bar', t('Bars')], ['line', t('Line')]].map(([kind, label]) => {
    const b = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-pressed': String(kind === chartKind) }, label);
    b.addEventListener('click', () => {
      chartKind = kind;
      buttons.forEach((other) => other.setAttribute('aria-pressed', String(other === b)));
      draw();
    });
    return b;
  });
  add(toggle, buttons);
  draw();
  return h('section', { class: 'card', testid: 'dashboard-chart-sales', 'aria-labelledby': 'dash-chart-title' },
    h('div', { class: 'card-head' },
      h('div', {},
        h('h2', { class: 'card-title', id: 'dash-chart-title' }, t('Sales, last 30 days')),
        h('p', { class: 'muted card-sub' }, total ? t('{amount} from {invoices}', { amount: formatMoney(total), invoices: invoicesText(invoices) }) : '')),
      total ? toggle : null),
    holder);
}

function notConnected(testid, title, message, link) {
  return h('section', { class: 'card panel-soon', testid, 'aria-labelledby': `${testid}-title` },
    h('h2', { class: 'card-title', id: `${testid}-title` }, title, ' ', badge(t('Not set up'), 'neutral')),
    h('p', {}, SERVER_TEXTS.includes(message) ? t(message) : message || t('Nothing is set up here yet: no channel or workflow to show.')),
    link ? h('p', { class: 'card-foot' }, link) : null);
}

function messagesCard(m) {
  const title = t('Messages');
  if (!m || !m.connected) {
    return notConnected('dashboard-messages', title, m?.message, h('a', { href: '#/integrations' }, t('Connect a channel on Integrations →')));
  }
  const today = Array.isArray(m.today) ? m.today : [];
  const series = Array.isArray(m.series) ? m.series : [];
  const unread = Number(m.unread) || 0;
  return h('section', { class: 'card', testid: 'dashboard-messages', 'aria-labelledby': 'dashboard-messages-title' },
    h('h2', { class: 'card-title', id: 'dashboard-messages-title' }, title),
    h('dl', { class: 'stat-breakdown', testid: 'dashboard-messages-today' },
      h('div', {}, h('dt', {}, t('Today')), h('dd', {}, String(Number(m.today_total) || 0))),
      ...today.map((row) => h('div', {}, h('dt', {}, platformLabel(row.platform)), h('dd', {}, String(Number(row.count) || 0)))),
      h('div', {}, h('dt', {}, t('Unread')), h('dd', { class: unread ? 'money-due' : null, testid: 'dashboard-messages-unread' },
        unread ? h('a', { href: '#/inbox' }, String(unread)) : '0'))),
    series.map((sr) => {
      const name = platformLabel(sr.platform);
      const pts = (sr.points || []).map((d) => ({ x: d.date, value: Number(d.count) || 0 }));
      return chart({ kind: 'bar', title: t('{platform} messages, last 14 days', { platform: name }), seriesLabel: t('{platform} messages', { platform: name }), points: pts, height: 140 });
    }),
    h('p', { class: 'card-foot' }, h('a', { href: '#/inbox' }, t('Open the inbox →'))));
}

function runsCard(r) {
  const title = t('Workflows');
  if (!r || !r.connected) {
    return notConnected('dashboard-runs', title, r?.message, h('a', { href: '#/workflows' }, t('Build a workflow →')));
  }
  const today = r.today || {};
  const n = (v) => String(Number(v) || 0);
  return h('section', { class: 'card', testid: 'dashboard-runs', 'aria-labelledby': 'dashboard-runs-title' },
    h('h2', { class: 'card-title', id: 'dashboard-runs-title' }, title),
    h('p', { class: 'muted' }, tn(Number(r.active_workflows) || 0, '{count} workflow switched on, of {all}.', '{count} workflows switched on, of {all}.', { all: n(r.workflows) })),
    h('h3', { class: 'card-subtitle' }, t('Runs today')),
    h('dl', { class: 'stat-breakdown', testid: 'dashboard-runs-today' },
      h('div', {}, h('dt', {}, t('Succeeded')), h('dd', {}, n(today.succeeded))),
      h('div', {}, h('dt', {}, t('Failed')), h('dd', { class: Number(today.failed) ? 'money-due' : null }, n(today.failed))),
      h('div', {}, h('dt', {}, t('Waiting for approval or a delay')), h('dd', {}, n(today.waiting))),
      h('div', {}, h('dt', {}, t('In progress')), h('dd', {}, n(today.in_progress)))),
    h('p', { class: 'muted' }, t('Last 7 days: {succeeded} succeeded, {failed} failed, {waiting} waiting.', { succeeded: n(r.succeeded), failed: n(r.failed), waiting: n(r.waiting) })),
    h('p', { class: 'card-foot' }, h('a', { href: '#/workflows' }, t('See the runs on Workflows →'))));
}

/* ---------- activity ---------- */

const ACTIVITY = {
  invoice: { label: mark('Invoice'), kind: 'info' },
  void: { label: mark('Void'), kind: 'danger' },
  payment: { label: mark('Payment'), kind: 'success' },
  message: { label: mark('Message'), kind: 'neutral' },
  run: { label: mark('Run'), kind: 'neutral' },
};

/** The activity's title in the language on screen (the server's English title otherwise). */
function activityTitle(a) {
  if (a.type === 'invoice' && a.number) return t('Invoice {number} issued', { number: a.number });
  if (a.type === 'void' && a.number) return t('Invoice {number} voided', { number: a.number });
  if (a.type === 'payment' && a.mode) return t('Payment received ({mode})', { mode: modeLabel(a.mode) });
  return a.title;
}

// The dashboard's own sentences for an empty panel, so they read in the language on screen.
const SERVER_TEXTS = [
  mark('No messages yet — connect WhatsApp or another channel on Integrations.'),
  mark('No workflows yet — build one on the Workflows page.'),
];

function activityHref(a) {
  if ((a.type === 'invoice' || a.type === 'void') && a.id) return invoiceHref(a.id);
  if (a.type === 'payment') return a.customer?.id ? customerHref(a.customer.id) : '#/ledger/payments';
  return null;
}

function activityCard(items, tz) {
  const list = items || [];
  const body = list.length
    ? h('ul', { class: 'activity-list' }, list.map((a) => {
      const meta = ACTIVITY[a.type] || { label: a.type || mark('Event'), kind: 'neutral' };
      const href = activityHref(a);
      const title = activityTitle(a) || t(meta.label);
      return h('li', { class: 'activity-item', testid: 'activity-item', dataset: { type: a.type || '' } },
        badge(t(meta.label), meta.kind),
        h('div', { class: 'activity-main' },
          href ? h('a', { href, class: 'activity-title' }, title) : h('span', { class: 'activity-title' }, title),
          h('span', { class: 'cell-sub' },
            a.customer?.id ? h('a', { href: customerHref(a.customer.id) }, a.customer.name) : null,
            a.customer?.id ? ' · ' : null,
            h('time', { datetime: a.at || '' }, formatDateTime(a.at, tz)))),
        a.amount !== undefined && a.amount !== null
          ? h('span', { class: `money ${a.type === 'void' ? 'money-void' : ''}` }, formatMoney(a.amount))
          : null);
    }))
    : emptyState(t('Nothing has happened yet. Invoices and payments will appear here as you record them.'));
  return h('section', { class: 'card', testid: 'dashboard-activity', 'aria-labelledby': 'dash-activity-title' },
    h('h2', { class: 'card-title', id: 'dash-activity-title' }, t('Recent activity')),
    body,
    h('p', { class: 'card-foot link-row' },
      h('a', { href: '#/ledger/invoices' }, t('All invoices →')),
      h('a', { href: '#/ledger/payments' }, t('All payments →'))));
}

/* ---------- empty business ---------- */

function emptyBusiness(d) {
  const steps = [
    ['#/ledger/products', t('Add a product'), t('Name, price and opening stock — so invoices fill themselves in.')],
    ['#/ledger/customers', t('Add a customer'), t('Who you sell to on credit, with their WhatsApp number.')],
    ['#/ledger/invoices/new', t('Create an invoice'), t('Your first sale. Stock and the customer’s balance update on their own.')],
  ];
  return [
    h('section', { class: 'card dashboard-empty', testid: 'dashboard-empty', 'aria-labelledby': 'dash-empty-title' },
      h('h2', { class: 'card-title', id: 'dash-empty-title' }, t('Your books are empty — let’s get started')),
      h('p', { class: 'muted' }, t('Sales, money collected and who owes you appear here as soon as you record them. Nothing to show yet, so no made-up zeros.')),
      h('ol', { class: 'start-steps' }, steps.map(([href, label, text]) => h('li', {},
        h('a', { href, class: 'start-step-link' }, label), h('span', { class: 'cell-sub' }, text)))),
      h('p', { class: 'muted' }, t('Or look around with sample data first: run'), ' ',
        h('code', {}, 'swift run munim demo'), ' ', t('on the server, then log in with the demo account it prints.'))),
    h('div', { class: 'grid-2' },
      messagesCard(d.messages_14d),
      runsCard(d.runs_7d)),
  ];
}

/* ---------- page ---------- */

export function dashboardPage(ctx) {
  const first = session.user?.name ? session.user.name.split(' ')[0] : '';
  const status = h('span', { class: 'dashboard-status', testid: 'dashboard-updated', 'aria-live': 'polite' });
  const refreshBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'dashboard-refresh' }, t('Refresh'));
  const body = h('div', { class: 'dashboard', testid: 'dashboard' }, loadingState(t('Adding up your figures…')));

  add(ctx.root,
    pageHeader(t('Dashboard'), refreshBtn, linkButton('#/ledger/invoices/new', t('New invoice'), { testid: 'dashboard-new-invoice' })),
    h('p', { class: 'muted lead' }, first ? t('Namaste, {name}. Here is where your business stands.', { name: first }) : t('Namaste. Here is where your business stands.'), ' ', status),
    body);

  let lastKey = null;
  let loading = false;
  let timer = null;

  function render(d) {
    const tz = d.timezone || timeZone();
    if (d.empty) {
      fill(body, emptyBusiness(d));
      return;
    }
    fill(body,
      h('div', { class: 'stats stats-3' }, PERIODS.map((p) => salesCard(p, d.sales?.[p.key] || {}))),
      h('div', { class: 'stats stats-2' }, collectedCard(d.collected || {}), outstandingCard(d)),
      booksCards(d.books),
      salesChartCard(d.sales_30d),
      h('div', { class: 'grid-2' }, debtorsCard(d.debtors), lowStockCard(d.low_stock)),
      activityCard(d.activity, tz),
      h('div', { class: 'grid-2' }, messagesCard(d.messages_14d), runsCard(d.runs_7d)));
  }

  async function load({ initial = false } = {}) {
    if (loading) return;
    loading = true;
    try {
      // The first load takes the figures asked for as the login finished (issue 19 §6).
      const d = await (initial ? api.getFresh(path('dashboard')) : api.get(path('dashboard')));
      if (!ctx.root.isConnected && !initial) return;
      // Skip redrawing when nothing changed, so focus and open tooltips survive the poll.
      const { generated_at: generatedAt, ...rest } = d || {};
      const key = JSON.stringify(rest);
      if (key !== lastKey) {
        lastKey = key;
        render(d);
      }
      const tz = d.timezone || timeZone();
      status.textContent = t('Updated {time}.', { time: formatDateTime(generatedAt || new Date().toISOString(), tz) });
    } catch (e) {
      if (lastKey === null) {
        fill(body, errorState(e, () => {
          fill(body, loadingState(t('Adding up your figures…')));
          load({ initial: true });
        }));
      } else {
        status.textContent = t('Could not refresh: {reason}. Showing the last figures.', { reason: e.message || t('network problem') });
      }
    } finally {
      loading = false;
    }
  }

  const onVisible = () => {
    if (!ctx.root.isConnected) return stop();
    if (document.visibilityState === 'visible') load();
  };
  let live = null;
  let pending = null;
  function stop() {
    clearInterval(timer);
    clearTimeout(pending);
    const l = live;
    live = null;
    if (l) l.close();
    document.removeEventListener('visibilitychange', onVisible);
  }
  live = subscribe(LIVE_EVENTS, () => {
    // Several events in a burst (an invoice with its payment) cause one reload.
    clearTimeout(pending);
    pending = setTimeout(() => load(), 300);
  }, { root: ctx.root, onReconnect: () => load(), onEnd: stop });
  timer = setInterval(() => {
    if (!ctx.root.isConnected) return stop(); // left the page
    if (document.visibilityState === 'visible') load();
  }, REFRESH_MS);
  document.addEventListener('visibilitychange', onVisible);
  refreshBtn.addEventListener('click', () => load());

  load({ initial: true });
}
