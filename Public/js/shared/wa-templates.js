// WhatsApp templates (issue 18 §3): pure helpers for the Integrations section — which
// placeholders a template's text uses, the mapping to start from, and how to read a status.
import { t, mark } from '../i18n.js';

/** Labels of the values a template's placeholders can take (server names → words). */
export const VALUE_LABELS = Object.freeze({
  customer_name: mark('Customer name'),
  business_name: mark('Shop name'),
  amount_due: mark('Amount due'),
  payment_link: mark('Payment link or UPI ID'),
  invoice_number: mark('Invoice number'),
  invoice_total: mark('Invoice total'),
  document_link: mark('PDF link'),
  document_path: mark('PDF address after your domain (a template with the PDF attached)'),
  amount_paid: mark('Amount paid'),
  order_reference: mark('Order number'),
  tracking_link: mark('Tracking link'),
  period: mark('Statement period'),
  approval_message: mark('What needs approval'),
  reply_code: mark('Reply code'),
  decision_link: mark('Link to decide'),
  code: mark('One-time code'),
  announcement: mark('Your announcement'),
});

export const PURPOSE_LABELS = Object.freeze({
  payment_reminder: mark('Payment reminder'),
  invoice_sent: mark('Invoice sent'),
  payment_received: mark('Payment received'),
  order_shipped: mark('Order shipped'),
  statement_sent: mark('Statement of account'),
  approval_request: mark('Approval request (to you)'),
  sign_in_code: mark('Sign-in code (to you)'),
  announcement: mark('Announcement or offer (broadcast)'),
});

export const LANGUAGE_LABELS = Object.freeze({ en: 'English', hi: 'हिन्दी (Hindi)' });

/** WhatsApp approval status → [label, badge kind]. */
export function statusBadge(status) {
  switch (status) {
    case 'approved': return [mark('Approved'), 'success'];
    case 'pending': case 'received': return [mark('Waiting for approval'), 'warn'];
    case 'rejected': return [mark('Rejected'), 'danger'];
    case 'paused': return [mark('Paused by WhatsApp'), 'warn'];
    case 'disabled': return [mark('Disabled by WhatsApp'), 'danger'];
    case 'unsubmitted': return [mark('Not submitted'), 'neutral'];
    default: return [String(status || mark('Unknown')), 'neutral'];
  }
}

/** The placeholder numbers a template text uses, ascending and without repeats ({{1}}, {{ 2 }}). */
export function placeholdersIn(body) {
  const found = new Set();
  for (const m of String(body || '').matchAll(/\{\{\s*(\d{1,2})\s*\}\}/g)) {
    const n = Number(m[1]);
    if (n >= 1 && n <= 20) found.add(n);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The mapping to propose for a template: the recommended one for its purpose and language when
 * the placeholders match it, else each placeholder mapped in the purpose's order of values.
 */
export function proposedMapping(purpose, language, body, purposes) {
  const p = (purposes || []).find((x) => x.purpose === purpose);
  if (!p) return {};
  const rec = (p.recommended || []).find((r) => r.language === language) || (p.recommended || [])[0];
  const used = placeholdersIn(body);
  const numbers = used.length ? used : Object.keys((rec && rec.variables) || {}).map(Number).sort((a, b) => a - b);
  const out = {};
  numbers.forEach((n, i) => {
    const fromRec = rec && rec.variables ? rec.variables[String(n)] : null;
    out[String(n)] = fromRec && p.variables.includes(fromRec) ? fromRec : p.variables[Math.min(i, p.variables.length - 1)];
  });
  return out;
}

/** "{{1}} Customer name · {{2}} Amount due" for a mapping. */
export function describeMapping(variables) {
  return Object.keys(variables || {})
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => `{{${k}}} ${VALUE_LABELS[variables[k]] ? t(VALUE_LABELS[variables[k]]) : variables[k]}`)
    .join(' · ');
}

/** A Content SID as Twilio writes it: HX and 32 hex characters. */
export function isContentSid(value) {
  return /^HX[0-9a-fA-F]{32}$/.test(String(value || '').trim());
}
