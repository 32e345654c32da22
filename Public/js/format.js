// Money, quantity, GST and date helpers. Money is always integer paise; the maths here uses
// BigInt so it never goes through floating point.
import { locale, language, t, tn } from './i18n.js';

const RUPEE = '\u20B9';
const MINUS = '\u2212';

/** Groups a string of digits the Indian way: 1234567 -> 12,34,567. */
export function groupIndian(digits) {
  if (digits.length <= 3) return digits;
  const last3 = digits.slice(-3);
  let rest = digits.slice(0, -3);
  const parts = [];
  while (rest.length > 2) {
    parts.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  if (rest) parts.unshift(rest);
  return parts.join(',') + ',' + last3;
}

function toBigInt(value) {
  if (typeof value === 'bigint') return value;
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n)) return null;
  return BigInt(Math.round(n));
}

/** Paise -> "₹1,23,456.50"; negative amounts as "−₹750.00". The one money formatter. */
export function formatMoney(paise) {
  let n = toBigInt(paise);
  if (n === null) return '—';
  const negative = n < 0n;
  if (negative) n = -n;
  const rupees = n / 100n;
  const rest = n % 100n;
  return (negative ? MINUS : '') + RUPEE + groupIndian(rupees.toString()) + '.' + rest.toString().padStart(2, '0');
}

/**
 * Parses what a person types as rupees ("350", "350.5", "1,250.50", "₹ 99") into integer
 * paise by string manipulation. Returns null when the text is not a valid non-negative amount.
 */
export function parseRupees(input) {
  if (input === null || input === undefined) return null;
  const s = String(input).trim().replace(/^(₹|rs\.?|inr)\s*/i, '').replace(/[,\s]/g, '');
  if (!/^(\d+(\.\d{0,2})?|\.\d{1,2})$/.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  const value = BigInt(whole || '0') * 100n + BigInt((frac + '00').slice(0, 2));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

/** Paise -> plain rupees text for an input: 35000 -> "350", 35050 -> "350.50". */
export function paiseToInput(paise) {
  const n = toBigInt(paise);
  if (n === null) return '';
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const rupees = (abs / 100n).toString();
  const rest = abs % 100n;
  return (negative ? '-' : '') + (rest === 0n ? rupees : rupees + '.' + rest.toString().padStart(2, '0'));
}

/** "2.5" -> 2500 (thousandths of a unit); null when invalid (negative, >3 decimals, junk). */
export function parseQuantityMilli(input) {
  if (input === null || input === undefined) return null;
  const s = String(input).trim().replace(/,/g, '');
  if (!/^(\d+(\.\d{0,3})?|\.\d{1,3})$/.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  const value = BigInt(whole || '0') * 1000n + BigInt((frac + '000').slice(0, 3));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

/** Thousandths -> the JSON number the API takes (2500 -> 2.5). */
export function milliToNumber(milli) {
  const n = BigInt(milli);
  const whole = n / 1000n;
  const frac = (n % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return Number(frac ? `${whole}.${frac}` : `${whole}`);
}

/** A quantity from the API (JSON number) for display: 2500.5 -> "2,500.5". */
export function formatQuantity(q) {
  if (q === null || q === undefined || q === '') return '—';
  const n = Number(q);
  if (!Number.isFinite(n)) return '—';
  const negative = n < 0;
  const milli = parseQuantityMilli(Math.abs(n).toFixed(3));
  if (milli === null) return String(q);
  const whole = Math.floor(milli / 1000).toString();
  const frac = (milli % 1000).toString().padStart(3, '0').replace(/0+$/, '');
  return (negative ? MINUS : '') + groupIndian(whole) + (frac ? '.' + frac : '');
}

/** GST percent text ("18", "0.25") -> rate scaled by 10^4 (180000, 2500); '' -> null; invalid -> NaN. */
export function parseGstRate(input) {
  const s = String(input ?? '').trim().replace(/%$/, '').trim();
  if (s === '') return null;
  if (!/^(\d+(\.\d{0,4})?|\.\d{1,4})$/.test(s)) return NaN;
  const [whole, frac = ''] = s.split('.');
  const scaled = Number(BigInt(whole || '0') * 10000n + BigInt((frac + '0000').slice(0, 4)));
  if (scaled > 100 * 10000) return NaN;
  return scaled;
}

export function formatGstRate(rate) {
  if (rate === null || rate === undefined || rate === '') return '—';
  return `${Number(rate)}%`;
}

/** Integer division rounding half away from zero (BigInt). */
function roundDiv(numerator, denominator) {
  if (numerator < 0n) return -roundDiv(-numerator, denominator);
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/**
 * The server's line maths: gross = quantity × unit_price rounded to paise; taxable = gross −
 * discount; tax = taxable × gst_rate% (rounded to paise); total = taxable + tax.
 * qtyMilli: thousandths; unitPrice, discount: paise; rateScaled: percent × 10^4 (or null).
 */
export function lineMaths({ qtyMilli, unitPrice, discount = 0, rateScaled = null, interState = false, inclusive = false }) {
  const gross = roundDiv(BigInt(qtyMilli) * BigInt(unitPrice), 1000n);
  const amount = gross - BigInt(discount || 0);
  const rate = rateScaled ? BigInt(rateScaled) : 0n;
  // As the server does (issue 17 §2): within the state CGST and SGST are each half the rate,
  // each rounded, so always equal; across states one IGST amount.
  const heads = (value) => {
    if (!rate) return { cgst: 0n, sgst: 0n, igst: 0n };
    if (interState) return { cgst: 0n, sgst: 0n, igst: roundDiv(value * rate, 1000000n) };
    const half = roundDiv(value * rate, 2000000n);
    return { cgst: half, sgst: half, igst: 0n };
  };
  let taxable = amount;
  let h = heads(amount);
  if (inclusive && rate) {
    // An inclusive price: the taxable value and the heads add back to the amount exactly, as
    // Money.inclusiveSplit does on the server (the nearest paise first, else the value takes the rest).
    const first = roundDiv(amount * 1000000n, 1000000n + rate);
    const found = [first, first - 1n, first + 1n, first - 2n, first + 2n].find((c) => {
      if (c < 0n) return false;
      const x = heads(c);
      return c + x.cgst + x.sgst + x.igst === amount;
    });
    if (found !== undefined) { taxable = found; h = heads(found); } else { h = heads(first); taxable = amount - h.cgst - h.sgst - h.igst; }
  }
  const tax = h.cgst + h.sgst + h.igst;
  return { gross, discount: BigInt(discount || 0), taxable, tax, cgst: h.cgst, sgst: h.sgst, igst: h.igst, total: taxable + tax };
}

/** The invoice total rounded to the rupee, half away from zero, as the server does when the
 * business rounds (issue 17 §2): {total, roundOff} in paise (BigInt). */
export function roundToRupee(paise) {
  const total = roundDiv(BigInt(paise), 100n) * 100n;
  return { total, roundOff: total - BigInt(paise) };
}

/** Sums lines: subtotal = Σ (taxable + discount) — the gross of a price before GST, the gross less
 * the GST in it for an inclusive one — so subtotal − discount + tax = total always;
 * discount_total = Σ discount, tax_total = Σ tax, total = Σ total. */
export function invoiceTotals(lines) {
  const t = { subtotal: 0n, discount_total: 0n, tax_total: 0n, cgst: 0n, sgst: 0n, igst: 0n, total: 0n };
  for (const l of lines) {
    t.subtotal += l.taxable + l.discount;
    t.discount_total += l.discount;
    t.tax_total += l.tax;
    t.cgst += l.cgst || 0n;
    t.sgst += l.sgst || 0n;
    t.igst += l.igst || 0n;
    t.total += l.total;
  }
  return t;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-24" -> "24 Nov 2026" (no timezone shift: it is already a business date). */
export function formatDate(ymd) {
  if (!ymd) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(ymd));
  if (!m) return String(ymd);
  if (language() === 'hi') {
    // "5 दिस॰ 2026"
    return dateFormat('hi-dmy', 'UTC', { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  }
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] || m[2]} ${m[1]}`;
}

/** ISO timestamp -> "24 Nov 2026, 3:30 pm" in the business timezone. */
export function formatDateTime(iso, timeZone) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  try {
    return new Intl.DateTimeFormat(locale(), {
      timeZone: timeZone || 'Asia/Kolkata', day: 'numeric', month: 'short', year: 'numeric',
      hour: 'numeric', minute: '2-digit',
    }).format(d);
  } catch {
    return d.toISOString();
  }
}

/* ---------- relative and short times (inbox, workflows, operations) ---------- */

const formatters = new Map();
function dateFormat(key, timeZone, options) {
  const id = `${key}|${timeZone}|${locale()}`;
  if (!formatters.has(id)) {
    try {
      formatters.set(id, new Intl.DateTimeFormat(locale(), { timeZone, ...options }));
    } catch {
      formatters.set(id, new Intl.DateTimeFormat(locale(), options));
    }
  }
  return formatters.get(id);
}

const toDate = (iso) => {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", "24 Nov", "24 Nov 2025" ('' for no date). */
export function relativeTime(iso, timeZone, now = new Date()) {
  const d = toDate(iso);
  if (!d) return '';
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  if (s < 45) return t('just now');
  const m = Math.round(s / 60);
  if (m < 60) return t('{m} min ago', { m });
  const hr = Math.round(m / 60);
  if (hr < 24) return t('{hr} h ago', { hr });
  const days = Math.round(hr / 24);
  if (days === 1) return t('yesterday');
  if (days < 7) return tn(days, '{count} day ago', '{count} days ago');
  const year = dateFormat('y', timeZone, { year: 'numeric' });
  return year.format(d) === year.format(now)
    ? dateFormat('dm', timeZone, { day: 'numeric', month: 'short' }).format(d)
    : dateFormat('dmy', timeZone, { day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

/** "24 Nov 2025, 3:30 pm" ('' for no date). */
export function fullTime(iso, timeZone) {
  const d = toDate(iso);
  return d ? dateFormat('full', timeZone, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' }).format(d) : '';
}

/** Time of day for today's messages, else day, month and time ('' for no date). */
export function shortTime(iso, timeZone, now = new Date()) {
  const d = toDate(iso);
  if (!d) return '';
  const day = dateFormat('day', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' });
  if (day.format(d) === day.format(now)) return dateFormat('t', timeZone, { hour: 'numeric', minute: '2-digit' }).format(d);
  return dateFormat('dmt', timeZone, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(d);
}

/** Today's date (YYYY-MM-DD) in the given timezone. */
export function todayIn(timeZone) {
  const now = new Date();
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: timeZone || 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit',
    }).formatToParts(now);
    const get = (type) => parts.find((p) => p.type === type)?.value;
    return `${get('year')}-${get('month')}-${get('day')}`;
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

const UNIT_ABBREVIATIONS = new Set([
  'pcs', 'pc', 'nos', 'no', 'kg', 'g', 'gm', 'gms', 'mg', 'l', 'ltr', 'ml', 'm', 'cm', 'mm',
  'ft', 'in', 'sqft', 'sqm', 'qtl', 't', 'ton', 'dozen', 'set', 'pair',
]);

/** "bag" with 3 -> "bags"; abbreviations ("kg", "pcs") stay as they are. */
export function unitLabel(unit, quantity) {
  const u = String(unit || '').trim();
  if (!u) return '';
  if (Number(quantity) === 1 || UNIT_ABBREVIATIONS.has(u.toLowerCase()) || !/^[a-z]+$/i.test(u) || u.length < 3) return u;
  if (/s$/i.test(u)) return u;
  if (/(x|ch|sh)$/i.test(u)) return u + 'es';
  return u + 's';
}

/** "Ramesh's", "Ramesh Traders'": the possessive of a name in English. */
export function possessive(name) {
  const n = String(name || '').trim();
  return /s$/i.test(n) ? `${n}'` : `${n}'s`;
}

/** The 409 insufficient_stock message: "Only 3 bags of Cement in stock (asked 5)". */
export function insufficientStockMessage(details, fallback = {}) {
  const d = details || {};
  const productObj = d.product && typeof d.product === 'object' ? d.product : null;
  const name = (typeof d.product === 'string' && d.product) || productObj?.name || d.product_name || fallback.name || t('this product');
  const unit = productObj?.unit || d.unit || fallback.unit || '';
  const available = d.available ?? 0;
  const requested = d.requested;
  const label = unitLabel(unit, available);
  const vars = { quantity: formatQuantity(available), unit: label, name, asked: formatQuantity(requested ?? 0) };
  const hasAsked = requested !== undefined && requested !== null;
  if (label) return hasAsked ? t('Only {quantity} {unit} of {name} in stock (asked {asked})', vars) : t('Only {quantity} {unit} of {name} in stock', vars);
  return hasAsked ? t('Only {quantity} {name} in stock (asked {asked})', vars) : t('Only {quantity} {name} in stock', vars);
}

/** Loosely normalises an Indian phone number to E.164: "98123 45678" -> "+919812345678". */
export function normalisePhone(input) {
  const raw = String(input || '').trim();
  if (!raw) return '';
  const compact = raw.replace(/[\s\-().]/g, '');
  if (/^\d{10}$/.test(compact)) return '+91' + compact;
  if (/^0\d{10}$/.test(compact)) return '+91' + compact.slice(1);
  if (/^91\d{10}$/.test(compact)) return '+' + compact;
  if (/^00\d+$/.test(compact)) return '+' + compact.slice(2);
  return compact;
}

/** The receipt files the server takes (BooksService.attachReceipt): JPEG, PNG or PDF up to 5 MB. */
export const RECEIPT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'];
export const RECEIPT_MAX_BYTES = 5 * 1024 * 1024;

/** "240 KB", "1.5 MB": a file size as people read it. */
export function formatBytes(n) {
  const b = Number(n) || 0;
  if (b < 1024) return `${b} bytes`;
  if (b < 1024 * 1024) return `${Math.round(b / 1024)} KB`;
  return `${(b / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** Why `file` ({type, size}) cannot be a receipt, or null when it can. */
export function receiptProblem(file) {
  if (!file) return null;
  if (!RECEIPT_TYPES.includes(String(file.type || '').toLowerCase())) return t('choose a photo (JPEG or PNG) or a PDF');
  if (!(file.size > 0)) return t('the file is empty');
  if (file.size > RECEIPT_MAX_BYTES) return t('the file is {size}; a receipt may be at most 5 MB', { size: formatBytes(file.size) });
  return null;
}
