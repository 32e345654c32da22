// Broadcasts (issue 18 §5): the request body the dialog sends, the delivery counts line and the
// skipped list, in English and Hindi (Public/js/shared/broadcasts.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { broadcastBody, countsText, skippedList, skipText } from '../../Public/js/shared/broadcasts.js';
import { useCatalog } from '../../Public/js/i18n.js';

test('the body names only what the audience needs, trimmed', () => {
  assert.deepEqual(broadcastBody({ audience: 'all', days: '30', tag: 'x', text: '  Diwali offer  ' }), { audience: 'all', text: 'Diwali offer' });
  assert.deepEqual(broadcastBody({ audience: 'debtors', days: '45.7', text: 'Dues' }), { audience: 'debtors', days: 45, text: 'Dues' });
  assert.deepEqual(broadcastBody({ audience: 'debtors', days: '-3', text: 'Dues' }), { audience: 'debtors', days: 0, text: 'Dues' });
  assert.deepEqual(broadcastBody({ audience: 'debtors', days: 'abc', text: 'Dues' }), { audience: 'debtors', days: 0, text: 'Dues' });
  assert.deepEqual(broadcastBody({ audience: 'tag', tag: ' Wholesale ', text: 'New stock' }), { audience: 'tag', tag: 'wholesale', text: 'New stock' });
});

test('counts read as one line, biggest news first; nothing yet is said so', () => {
  useCatalog('en', {});
  assert.equal(countsText({ delivered: 12, sent: 1, queued: 2, pending: 1, failed: 1, skipped: 2 }),
    '12 delivered · 1 sent · 3 on their way · 1 failed · 2 skipped');
  assert.equal(countsText({ read: 1 }), '1 read');
  assert.equal(countsText({}), 'Nothing sent yet');
  const hi = JSON.parse(readFileSync(new URL('../../Public/i18n/hi.json', import.meta.url), 'utf8'));
  useCatalog('hi', hi);
  assert.equal(countsText({ delivered: 2, skipped: 1 }), '2 को पहुँचा · 1 छोड़ा');
  useCatalog('en', {});
});

test('skip reasons from the server read in the language on screen; others stay as written', () => {
  const hi = JSON.parse(readFileSync(new URL('../../Public/i18n/hi.json', import.meta.url), 'utf8'));
  const list = [{ name: 'Chetan', skip: 'no phone number' }, { name: 'Asha', skip: null }, { name: 'Dev', skip: 'sent STOP' }];
  useCatalog('en', {});
  assert.equal(skippedList(list), 'Chetan (no phone number), Dev (sent STOP)');
  useCatalog('hi', hi);
  assert.equal(skippedList(list), 'Chetan (फ़ोन नंबर नहीं), Dev (STOP भेजा)');
  assert.equal(skipText('something new'), 'something new');
  useCatalog('en', {});
});
