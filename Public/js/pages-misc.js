// The honest "coming soon" pages. (The dashboard lives in pages-dashboard.js.)
import { h, pageHeader, add } from './ui.js';

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
