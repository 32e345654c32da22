// Finds the catalog's keys in the web app's code: t('…'), mark('…') and tn(n, '…', '…').
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LIT = String.raw`'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"`;

function unescape(raw) {
  return raw.replace(/\\u([0-9a-fA-F]{4})|\\(.)/g, (_, hex, c) => (hex ? String.fromCharCode(parseInt(hex, 16)) : ({ n: '\n', t: '\t' }[c] ?? c)));
}

export function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.js')) out.push(p);
  }
  return out;
}

/** key → English value (a string, or {one, other} for tn). */
export function extract(dir) {
  const keys = new Map();
  const single = new RegExp(String.raw`\b(?:t|mark|tParts)\(\s*(?:${LIT})`, 'g');
  const plural = new RegExp(String.raw`\btn\([^,()]*(?:\([^()]*\))?[^,()]*,\s*(?:${LIT})\s*,\s*(?:${LIT})`, 'g');
  for (const file of files(dir)) {
    // Comments are not UI: drop whole-line comments (// …, /* … */ blocks, JSDoc lines).
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').split('\n')
      .filter((line) => !/^\s*\/\//.test(line)).join('\n');
    for (const m of text.matchAll(single)) {
      const k = unescape(m[1] ?? m[2]);
      if (!keys.has(k)) keys.set(k, k);
    }
    for (const m of text.matchAll(plural)) {
      const one = unescape(m[1] ?? m[2]);
      keys.set(one, { one, other: unescape(m[3] ?? m[4]) });
    }
  }
  return keys;
}
