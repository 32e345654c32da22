// The message catalog (issue 19 §2). Every string the web app shows goes through t() (or tn() when
// it counts something); the English text is the key, and Public/i18n/<lang>.json gives each key's
// translation. Public/i18n/en.json lists every key (tests/js/i18n.test.js keeps it equal to what
// the code uses, and checks that every other language has them all with the same {placeholders}).
//
//   t('Invoice {number} issued.', { number })       → "Invoice INV-0001 issued."
//   tn(count, '{count} bag', '{count} bags')        → "1 bag", "3 bags"; in Hindi the catalog's
//                                                     {"one": …, "other": …} by Intl.PluralRules
//   mark('Dashboard')                               → 'Dashboard' untranslated, for tables made at
//                                                     load time; translate where shown with t()
//
// English needs no file: the login page of an English user fetches nothing for it.

const STORAGE_KEY = 'munim.lang';
export const LANGUAGES = [
  { code: 'en', label: 'English', short: 'EN' },
  { code: 'hi', label: 'हिंदी', short: 'हि' },
];

let current = 'en';
let catalog = {};
const loaded = new Map();
let listeners = [];

/** The language on screen ("en" or "hi"). */
export function language() {
  return current;
}

/** The locale for Intl: numbers keep Latin digits (as bills and UPI apps show them). */
export function locale() {
  return current === 'hi' ? 'hi-IN' : 'en-IN';
}

function interpolate(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole));
}

/** The text in the current language, with {placeholders} filled from vars. */
export function t(text, vars) {
  const found = current === 'en' ? null : catalog[text];
  const chosen = typeof found === 'string' && found ? found : (found && typeof found === 'object' ? found.other : null);
  return interpolate(chosen || text, vars);
}

/** The text with some placeholders filled by DOM nodes (a link, a highlighted figure), in the
 * order the language puts them: an array of strings and nodes for h(). */
export function tParts(text, parts) {
  return t(text).split(/(\{\w+\})/).filter(Boolean).map((piece) => {
    const m = /^\{(\w+)\}$/.exec(piece);
    return m && Object.prototype.hasOwnProperty.call(parts, m[1]) ? parts[m[1]] : piece;
  });
}

/** A counted text: `one` is the key; vars.count is `count` unless given. */
export function tn(count, one, other, vars = {}) {
  const all = { count, ...vars };
  const n = Number(count);
  const found = current === 'en' ? null : catalog[one];
  if (found && typeof found === 'object') {
    const form = new Intl.PluralRules(locale()).select(n);
    return interpolate(found[form] || found.other || one, all);
  }
  if (typeof found === 'string' && found) return interpolate(found, all);
  return interpolate(new Intl.PluralRules('en').select(n) === 'one' ? one : other, all);
}

/** Marks a text for the catalog without translating it now (tables built when a module loads). */
export function mark(text) {
  return text;
}

/** Uses a catalog directly (tests). */
export function useCatalog(code, messages) {
  current = code;
  catalog = messages || {};
}

/** The language this browser used last (before anyone logs in), else the browser's own. */
export function storedLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.some((l) => l.code === saved)) return saved;
  } catch { /* storage blocked */ }
  const nav = (typeof navigator !== 'undefined' && navigator.language) || '';
  return nav.toLowerCase().startsWith('hi') ? 'hi' : 'en';
}

/** Whether someone picked the language on this device (the switch), rather than a default. */
export function chosenHere() {
  try { return localStorage.getItem(`${STORAGE_KEY}.chosen`) === '1'; } catch { return false; }
}

/** Switches the language: loads its catalog (once), remembers it, tells listeners. `chosen`:
 * picked with the switch (it then wins over the business's default at the next login). */
export async function setLanguage(code, { chosen = false } = {}) {
  const next = LANGUAGES.some((l) => l.code === code) ? code : 'en';
  if (next !== 'en' && !loaded.has(next)) {
    const res = await fetch(`/i18n/${next}.json`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`the ${next} catalog could not be loaded (HTTP ${res.status})`);
    loaded.set(next, await res.json());
  }
  const changed = next !== current;
  current = next;
  catalog = loaded.get(next) || {};
  try {
    localStorage.setItem(STORAGE_KEY, next);
    if (chosen) localStorage.setItem(`${STORAGE_KEY}.chosen`, '1');
  } catch { /* storage blocked */ }
  if (typeof document !== 'undefined') document.documentElement.lang = next;
  if (changed) listeners.forEach((fn) => fn(next));
}

/** Calls fn(code) after each change of language. */
export function onLanguageChange(fn) {
  listeners.push(fn);
  return () => { listeners = listeners.filter((x) => x !== fn); };
}
