// Payment modes and balance helpers used by the customer, invoice, payment and assistant pages
// (issue 15 §6: pages share helpers through shared modules, never by importing each other).
import { h } from '../ui.js';
import { formatMoney } from '../format.js';
import { t, mark } from '../i18n.js';

const MODES = { cash: mark('Cash'), upi: mark('UPI'), bank: mark('Bank transfer'), card: mark('Card'), cheque: mark('Cheque'), other: mark('Other') };

/** The modes for a select; each label is read in the language on screen when it is drawn. */
export const PAYMENT_MODES = Object.entries(MODES).map(([value, label]) => ({ value, get label() { return t(label); } }));

export function modeLabel(mode) {
  return MODES[mode] ? t(MODES[mode]) : mode || '—';
}

/** "INV-1 (₹500.00), credit ₹20.00": where a payment went. */
export function allocationText(p) {
  const parts = (p.allocations || []).map((a) => `${a.invoice_number || t('invoice')} (${formatMoney(a.amount)})`);
  if (Number(p.unallocated) > 0) parts.push(t('credit {amount}', { amount: formatMoney(p.unallocated) }));
  return parts.length ? parts.join(', ') : '—';
}

export function balanceText(balance) {
  const b = Number(balance) || 0;
  if (b > 0) return t('owes you');
  if (b < 0) return t('advance');
  return t('settled');
}

export function balanceCell(balance) {
  const b = Number(balance) || 0;
  return h('span', { class: `money ${b > 0 ? 'money-due' : b < 0 ? 'money-credit' : ''}` },
    formatMoney(b < 0 ? -b : b), b < 0 ? h('span', { class: 'money-note' }, ` ${t('advance')}`) : null);
}
