// Pure helpers for the values a person types into the builder (no DOM).
import { t } from '../i18n.js';

export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
export const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

export { humanize } from '../shared/step-texts.js';

/** Text a person typed in a loose field → a JSON value: numbers, booleans, lists and objects as such, else text. */
export function parseLoose(text) {
  const t = String(text).trim();
  if (t === '') return '';
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(t) || /^[[{"]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** The inverse of parseLoose for showing a value in a text field. */
export function showLoose(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return parseLoose(v) === v ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/** A param value as a single {{placeholder}}: it keeps its JSON type at run time. */
export const isPlaceholder = (s) => typeof s === 'string' && /^\s*\{\{[^{}]+\}\}\s*$/.test(s);

/** A router condition the simple editor can show: exactly {left, op, right} with a text op. */
export const isSimpleCondition = (when) => isObject(when) && typeof when.op === 'string'
  && Object.keys(when).every((k) => ['left', 'op', 'right'].includes(k));

/** What a typed text or number param stores: undefined when blank, a number for a plain number. */
export function textParamValue(raw, type) {
  if (raw.trim() === '') return undefined;
  if ((type === 'integer' || type === 'number') && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * A JSON param field's text → {value} or {error}; {value: undefined} when blank. A single
 * {{placeholder}} is kept as text; parsed JSON ({value, parsed: true}) is checked against the param's type.
 */
export function readJsonParam(raw, p) {
  if (raw.trim() === '') return { value: undefined };
  if (isPlaceholder(raw)) return { value: raw.trim() };
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return { error: t('Not valid JSON: {reason}. The last valid value is kept.', { reason: e.message.replace(/^JSON\.parse: /, '') }) };
  }
  if ((p.type === 'object' || p.type === 'template_object' || p.name === 'sample_payload') && !isObject(parsed)) {
    return { error: t('This should be a JSON object, like {example}.', { example: '{"amount": 1500}' }) };
  }
  if (p.type === 'array' && !Array.isArray(parsed)) return { error: t('This should be a JSON list, like {example}.', { example: '["a", "b"]' }) };
  return { value: parsed, parsed: true };
}

/** Paise as the rupees a person reads and types: 50000 → "500", 12345 → "123.45"; a {{variable}} as it is. */
export function rupeesText(v) {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const r = v / 100;
    return Number.isInteger(r) ? String(r) : r.toFixed(2);
  }
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return rupeesText(Number(v));
  return v === undefined || v === null ? '' : String(v);
}

/**
 * What a money field stores, from what was typed: paise for rupees ("500", "499.50", "₹1,500"),
 * the text for a {{variable}} (used as it is, in paise), {value: undefined} when blank, and
 * {error} for anything else.
 */
export function moneyParamValue(raw) {
  const s = String(raw).trim();
  if (s === '') return { value: undefined };
  const plain = s.replace(/[₹,\s]/g, '');
  if (/^\d+(\.\d{1,2})?$/.test(plain)) {
    const paise = Math.round(Number(plain) * 100);
    if (!Number.isSafeInteger(paise)) return { error: t('That amount is too large.') };
    return { value: paise };
  }
  if (s.includes('{{')) return { value: s };
  return { error: t('Type the amount in rupees, like 500 or 499.50, or pick a variable.') };
}
