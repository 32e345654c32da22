// Server messages in the reader's language (Public/js/shared/server-text.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useCatalog } from '../../Public/js/i18n.js';
import { problemText, serverMessage } from '../../Public/js/shared/server-text.js';

const hi = JSON.parse(readFileSync(new URL('../../Public/i18n/hi.json', import.meta.url), 'utf8'));

test('in English the server is quoted as it wrote', () => {
  useCatalog('en', {});
  assert.equal(problemText('must be at most 200 characters'), 'must be at most 200 characters');
  assert.equal(serverMessage('rate_limited', 'Too many login attempts. Wait a minute and try again.'),
    'Too many login attempts. Wait a minute and try again.');
});

test('in Hindi, known codes and field problems are in Hindi; the rest as written', () => {
  useCatalog('hi', hi);
  try {
    assert.equal(problemText('is required'), hi['is required']);
    assert.equal(problemText('must be at most 200 characters'), hi['must be at most {n} characters'].replace('{n}', '200'));
    assert.equal(problemText('must be an international number in E.164 form, e.g. +919812345678'),
      hi['must be a phone number such as 98765 43210']);
    assert.equal(serverMessage('invalid_credentials', 'Wrong email or password.'), hi['Wrong email or password.']);
    assert.equal(serverMessage('busy', 'Munim is busy; please retry in a moment.'), hi['Munim is busy; please retry in a moment.']);
    assert.equal(problemText('Cement is archived'), 'Cement is archived', 'an unknown message is shown as written');
    assert.equal(serverMessage('insufficient_stock', 'Only 3 bag of Cement in stock.'), 'Only 3 bag of Cement in stock.');
    for (const s of [problemText('is required'), serverMessage('busy', '')]) assert.match(s, /[\u0900-\u097F]/);
  } finally {
    useCatalog('en', {});
  }
});
