// Payment modes and balance helpers used by the customer, invoice, payment and assistant pages
// (issue 15 §6: pages share helpers through shared modules, never by importing each other).
import { h } from '../ui.js';
import { formatMoney } from '../format.js';

export const PAYMENT_MODES = [
  { value: 'cash', label: 'Cash' },
  { value: 'upi', label: 'UPI' },
  { value: 'bank', label: 'Bank transfer' },
  { value: 'card', label: 'Card' },
  { value: 'cheque', label: 'Cheque' },
  { value: 'other', label: 'Other' },
];

export function modeLabel(mode) {
  return { cash: 'Cash', upi: 'UPI', card: 'Card', bank: 'Bank transfer', cheque: 'Cheque', other: 'Other' }[mode] || mode || '—';
}

/** "INV-1 (₹500.00), credit ₹20.00": where a payment went. */
export function allocationText(p) {
  const parts = (p.allocations || []).map((a) => `${a.invoice_number || 'invoice'} (${formatMoney(a.amount)})`);
  if (Number(p.unallocated) > 0) parts.push(`credit ${formatMoney(p.unallocated)}`);
  return parts.length ? parts.join(', ') : '—';
}

export function balanceText(balance) {
  const b = Number(balance) || 0;
  if (b > 0) return 'owes you';
  if (b < 0) return 'advance';
  return 'settled';
}

export function balanceCell(balance) {
  const b = Number(balance) || 0;
  return h('span', { class: `money ${b > 0 ? 'money-due' : b < 0 ? 'money-credit' : ''}` },
    formatMoney(b < 0 ? -b : b), b < 0 ? h('span', { class: 'money-note' }, ' advance') : null);
}
