// The message catalog (issue 19 §2): every text the code passes to t()/tn()/mark() is in
// Public/i18n/en.json and nowhere else; every other language has every key, with the same
// {placeholders} and plural forms; the pages written for the catalog pass no English text around
// it; t()/tn() fill, choose plurals and fall back to English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from './i18n-keys.mjs';
import { t, tn, tParts, useCatalog } from '../../Public/js/i18n.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const en = read('Public/i18n/en.json');
const LANGS = ['hi'];
const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('en.json lists exactly the texts the code uses (run scripts/i18n-extract after changing UI text)', () => {
  const used = extract(join(root, 'Public/js'));
  const missing = [...used.keys()].filter((k) => !(k in en));
  const stale = Object.keys(en).filter((k) => !used.has(k));
  assert.deepEqual(missing, [], 'texts missing from en.json');
  assert.deepEqual(stale, [], 'texts in en.json the code no longer uses');
});

for (const lang of LANGS) {
  test(`${lang}.json translates every text, keeping placeholders and plural forms`, () => {
    const cat = read(`Public/i18n/${lang}.json`);
    const problems = [];
    for (const [key, value] of Object.entries(en)) {
      const tr = cat[key];
      if (tr === undefined || tr === '') { problems.push(`missing: ${key}`); continue; }
      if (typeof value === 'object') {
        if (typeof tr !== 'object' || !tr.other) { problems.push(`needs plural forms: ${key}`); continue; }
        for (const form of Object.values(tr)) {
          if (placeholders(form).join() !== placeholders(value.other).join()) problems.push(`placeholders differ: ${key}`);
        }
      } else if (typeof tr !== 'string' || placeholders(tr).join() !== placeholders(value).join()) {
        problems.push(`placeholders differ: ${key}`);
      }
    }
    for (const key of Object.keys(cat)) if (!(key in en)) problems.push(`not used: ${key}`);
    assert.deepEqual(problems, []);
  });
}

// The modules written for the catalog: English sentences outside t()/tn()/mark() are a bug there.
const CATALOGUED = ['app.js', 'ui.js', 'api.js', 'i18n.js', 'typeahead.js', 'chart.js', 'shared/payments.js', 'shared/listpage.js',
  'pages-auth.js', 'pages-dashboard.js', 'pages-invoices.js', 'pages-payments.js', 'pages-customers.js', 'pages-products.js', 'pages-settings.js', 'settings-quick-replies.js', 'pages-assistant.js', 'pages-inbox.js', 'pages-reports.js',
  'inbox/list.js', 'inbox/thread.js', 'inbox/simulate.js', 'inbox/model.js', 'shared/platforms.js', 'shared/reminders.js', 'pages-books.js', 'shared/gst.js', 'shared/copy.js', 'pages-operations.js',
  'pages-integrations.js', 'integrations-templates.js', 'shared/wa-templates.js', 'pages-workflows.js', 'shared/workflows.js',
  'workflow-builder.js', 'builder/canvas.js', 'builder/fields.js', 'builder/graph.js', 'builder/monitor.js', 'builder/palette.js',
  'builder/panel.js', 'builder/toolbar.js', 'builder/values.js', 'shared/step-texts.js', 'shared/broadcasts.js'];

/** A template literal's text without its ${…} parts (which may nest braces). */
function withoutInterpolations(text) {
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (depth === 0 && text[i] === '$' && text[i + 1] === '{') { depth = 1; i += 1; out += ' '; continue; }
    if (depth > 0) {
      if (text[i] === '{') depth += 1;
      else if (text[i] === '}') depth -= 1;
      continue;
    }
    out += text[i];
  }
  return out;
}

test('catalogued modules pass no UI text around the catalog', () => {
  const found = [];
  for (const name of CATALOGUED) {
    let src = readFileSync(join(root, 'Public/js', name), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('\n').filter((l) => !/^\s*(\/\/|import |\} from )/.test(l)).join('\n');
    // What may hold English: catalog calls, console and error messages for developers, and
    // attribute values that are not text (classes, test ids, types, names, URLs, keys, events).
    src = src
      .replace(/\b(?:t|mark|tParts)\(\s*'(?:[^'\\\n]|\\.)*'/g, '')
      .replace(/\btn\([^;]*?'(?:[^'\\\n]|\\.)*'\s*,\s*'(?:[^'\\\n]|\\.)*'/g, '')
      .replace(/console\.\w+\([^;]*;/g, '')
      .replace(/\b(?:querySelector|querySelectorAll|closest|matches|addEventListener|removeEventListener|dispatchEvent|CustomEvent|import|getItem|setItem|removeItem)\(\s*('(?:[^'\\\n]|\\.)*'|`[^`]*`)/g, '')
      .replace(/headers\[[^\]]*\]/g, '')
      .replace(/new Error\([^;]*;/g, '')
      .replace(/\b(preserveAspectRatio|class|className|target|testid|type|name|href|id|autocomplete|inputmode|pattern|role|kind|src|rel|value|key|lang|code|short|datetime|'aria-\w+'|'aria-labelledby'|'aria-controls'|'aria-live'|'aria-hidden'|'aria-pressed'|'aria-expanded'|path|query|nav|title: mark)\s*:\s*('(?:[^'\\\n]|\\.)*'|`[^`]*`)/g, '');
    for (const m of src.matchAll(/'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g)) {
      const text = withoutInterpolations(m[1] ?? m[2]);
      if (/^(btn|[a-z]+(-[a-z]+)+-?)( (btn|[a-z]+(-[a-z]+)+-?))*$/.test(text.trim())) continue;  // class names
      if (/^[A-Z][a-z]+\/[A-Za-z_]+$/.test(text.trim())) continue;  // time zone ids
      // A sentence: two or more words of letters, or a capitalised word (a label).
      if (/[A-Za-z]{2,}[,.:?!]? [A-Za-z]{2,}/.test(text) || /^[A-Z][a-z]{2,}(?![\w-])/.test(text)) {
        if (/^(Delete|Backspace|Arrow|Bluesky|Mastodon|Instagram|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Home|End|Munim|English|View in English|hi-IN|en-IN|UTC|ArrowRight|ArrowLeft|Escape|AbortError|ApiError|Enter|Tab|munim users reset-password|swift run munim demo)$/.test(text.trim())) continue;  // names and commands stay as typed
        found.push(`${name}: ${JSON.stringify(text.trim())}`);
      }
    }
  }
  assert.deepEqual(found, []);
});

test('t() fills placeholders and falls back to English; tn() picks the plural form', () => {
  useCatalog('en', {});
  assert.equal(t('Updated {time}.', { time: '3:30 pm' }), 'Updated 3:30 pm.');
  assert.equal(tn(1, '{count} invoice', '{count} invoices'), '1 invoice');
  assert.equal(tn(3, '{count} invoice', '{count} invoices'), '3 invoices');
  useCatalog('hi', read('Public/i18n/hi.json'));
  assert.equal(t('Dashboard'), 'डैशबोर्ड');
  assert.equal(t('Updated {time}.', { time: '3:30 pm' }), '3:30 pm पर ताज़ा किया।');
  assert.equal(tn(1, 'Owed by {count} customer', 'Owed by {count} customers'), '1 ग्राहक पर बाकी');
  assert.equal(tn(4, 'Owed by {count} customer', 'Owed by {count} customers'), '4 ग्राहकों पर बाकी');
  assert.equal(t('A text nobody translated'), 'A text nobody translated');
  // Nodes go where the language puts them.
  const node = { node: true };
  assert.deepEqual(tParts('{quantity} of {product}', { quantity: node, product: 'Cement' }), ['Cement', ': ', node]);
  useCatalog('en', {});
  assert.deepEqual(tParts('{quantity} of {product}', { quantity: node, product: 'Cement' }), [node, ' of ', 'Cement']);
});
