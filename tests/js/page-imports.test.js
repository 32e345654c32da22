// Pages share helpers through shared modules (Public/js/shared, format.js, ui.js …), never by
// importing each other (issue 15 §6); only app.js, the router, imports pages: no other module
// (the workflow builder and builder/*.js included) takes helpers from one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const JS = resolve(dirname(fileURLToPath(import.meta.url)), '../../Public/js');
const isPage = (file) => /^pages-.*\.js$/.test(basename(file));

/** Every module specifier in a source: import … from, export … from, import '…', import('…'). */
function specifiers(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]);
  return found;
}

/** The pages a file imports, as file names. */
function pagesImportedBy(file) {
  return specifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s))
    .filter(isPage)
    .map((p) => basename(p));
}

test('the detector sees multi-line, re-exported and dynamic imports, and ignores comments', () => {
  const src = `
    import {
      a, b,
    } from './pages-one.js';
    export { c } from "./pages-two.js";
    const p = import('./pages-three.js');
    import './side-effect.js';
    // import { d } from './pages-commented.js';
    /* import { e } from './pages-block.js'; */
  `;
  assert.deepEqual(specifiers(src).sort(), ['./pages-one.js', './pages-three.js', './pages-two.js', './side-effect.js']);
});

test('no pages-*.js imports another pages-*.js', () => {
  const pages = readdirSync(JS).filter(isPage);
  assert.ok(pages.length >= 10, `found the pages in ${JS}`);
  const offenders = pages.flatMap((page) => pagesImportedBy(join(JS, page)).map((other) => `${page} imports ${other}`));
  assert.deepEqual(offenders, []);
});

test('shared modules import no page', () => {
  const dir = join(JS, 'shared');
  const offenders = readdirSync(dir).filter((f) => f.endsWith('.js'))
    .flatMap((f) => pagesImportedBy(join(dir, f)).map((other) => `shared/${f} imports ${other}`));
  assert.deepEqual(offenders, []);
});

test('no module but the router imports a page (the builder and its parts included)', () => {
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return walk(full);
    return e.name.endsWith('.js') ? [full] : [];
  });
  const files = walk(JS).filter((f) => f !== join(JS, 'app.js') && !isPage(f));
  assert.ok(files.some((f) => f.endsWith(join('builder', 'monitor.js'))), 'the walk reaches builder/');
  const offenders = files.flatMap((f) => pagesImportedBy(f).map((other) => `${relative(JS, f)} imports ${other}`));
  assert.deepEqual(offenders, []);
});

test('the router still imports the pages (the check above would pass trivially if nothing imported them)', () => {
  assert.ok(pagesImportedBy(join(JS, 'app.js')).includes('pages-inbox.js'));
});
