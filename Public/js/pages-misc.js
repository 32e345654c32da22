// Dashboard (real figures from the ledger lists) and the honest "coming soon" panels.
import { api } from './api.js';
import { h, pageHeader, card, loadingState, errorState, emptyState, linkButton, badge, fill, add } from './ui.js';
import { formatMoney, formatQuantity } from './format.js';
import { session } from './session.js';

function countText(page) {
  const n = (page.items || []).length;
  return page.next_cursor ? `${n}+` : String(n);
}

function stat(label, testid, hint) {
  const value = h('p', { class: 'stat-value', testid }, h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }));
  const hintEl = h('p', { class: 'stat-hint' }, hint || '');
  const el = h('div', { class: 'stat card' }, h('p', { class: 'stat-label' }, label), value, hintEl);
  return { el, value, hint: hintEl };
}

export function dashboardPage(ctx) {
  const name = session.user?.name ? `, ${session.user.name.split(' ')[0]}` : '';
  const customers = stat('Customers', 'stat-customers');
  const owed = stat('Owed to you', 'stat-owed');
  const low = stat('Low-stock products', 'stat-low-stock');

  const debtorsBody = h('div', {}, loadingState());
  const lowBody = h('div', {}, loadingState());

  add(ctx.root, 
    pageHeader('Dashboard', linkButton('#/ledger/invoices/new', 'New invoice', { testid: 'dashboard-new-invoice' })),
    h('p', { class: 'muted lead' }, `Namaste${name}. Here is where your books stand.`),
    h('div', { class: 'stats' }, customers.el, owed.el, low.el),
    h('div', { class: 'grid-2' },
      card('Who owes you', debtorsBody, h('p', { class: 'card-foot' }, h('a', { href: '#/ledger/customers' }, 'All customers →'))),
      card('Running low', lowBody, h('p', { class: 'card-foot' }, h('a', { href: '#/ledger/products' }, 'All products →')))),
    h('section', { class: 'card panel-soon', testid: 'coming-soon' },
      h('h2', { class: 'card-title' }, 'Sales charts and daily figures'),
      h('p', {}, 'This arrives with the reports issue. Until then, the ledger has everything:'),
      h('p', { class: 'link-row' },
        h('a', { href: '#/ledger/invoices' }, 'Invoices'), h('a', { href: '#/ledger/payments' }, 'Payments'),
        h('a', { href: '#/ledger/customers' }, 'Customers'), h('a', { href: '#/ledger/products' }, 'Products'))),
  );

  const fail = (s) => () => {
    s.value.textContent = '—';
    s.hint.textContent = 'Could not load';
  };

  api.get('/customers', { limit: 200 }).then((page) => {
    customers.value.textContent = countText(page);
    customers.hint.textContent = page.items.length ? '' : 'Add your first customer';
  }).catch(fail(customers));

  api.get('/customers', { debtors: true, limit: 200 }).then((page) => {
    const items = page.items || [];
    const total = items.reduce((sum, c) => sum + BigInt(Math.max(0, Number(c.balance) || 0)), 0n);
    owed.value.textContent = formatMoney(total);
    owed.hint.textContent = items.length ? `${countText(page)} customer${items.length === 1 ? '' : 's'}${page.next_cursor ? ' (first 200)' : ''}` : 'Nobody owes you money';
    if (!items.length) {
      fill(debtorsBody, emptyState('Nobody owes you anything right now.'));
      return;
    }
    const top = [...items].sort((a, b) => Number(b.balance) - Number(a.balance)).slice(0, 6);
    fill(debtorsBody, h('ul', { class: 'mini-list' }, top.map((c) => h('li', {},
      h('a', { href: `#/ledger/customers/${encodeURIComponent(c.id)}` }, c.name),
      h('span', { class: 'money' }, formatMoney(c.balance))))));
  }).catch((e) => {
    fail(owed)();
    fill(debtorsBody, errorState(e));
  });

  api.get('/products', { low_stock: true, limit: 200 }).then((page) => {
    const items = page.items || [];
    low.value.textContent = countText(page);
    low.hint.textContent = items.length ? 'Restock soon' : 'All stocked up';
    if (!items.length) {
      fill(lowBody, emptyState('Nothing is running low.'));
      return;
    }
    fill(lowBody, h('ul', { class: 'mini-list' }, items.slice(0, 6).map((p) => h('li', {},
      h('a', { href: '#/ledger/products' }, p.name),
      h('span', {}, `${formatQuantity(p.stock)} ${p.unit || ''} `, badge('Low', 'warn'))))));
  }).catch((e) => {
    fail(low)();
    fill(lowBody, errorState(e));
  });
}

export function comingSoonPage(ctx, title, issue, description) {
  add(ctx.root, 
    pageHeader(title),
    h('section', { class: 'card panel-soon', testid: 'coming-soon' },
      h('h2', { class: 'card-title' }, `${title} is on its way`),
      h('p', { class: 'soon-line' }, `This arrives with the ${issue} issue.`),
      description ? h('p', { class: 'muted' }, description) : null,
      h('p', {}, 'Meanwhile, the ledger is ready to use:'),
      h('p', { class: 'link-row' },
        h('a', { href: '#/ledger/invoices/new' }, 'Create an invoice'),
        h('a', { href: '#/ledger/payments' }, 'Record a payment'),
        h('a', { href: '#/ledger/customers' }, 'Customers'),
        h('a', { href: '#/ledger/products' }, 'Products'))),
  );
}
