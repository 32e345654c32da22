import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  placeholdersIn, proposedMapping, describeMapping, isContentSid, statusBadge,
} from '../../Public/js/shared/wa-templates.js';

const purposes = [{
  purpose: 'payment_reminder',
  variables: ['customer_name', 'business_name', 'amount_due', 'payment_link'],
  recommended: [
    { language: 'en', body: 'x', variables: { 1: 'customer_name', 2: 'business_name', 3: 'amount_due', 4: 'payment_link' } },
    { language: 'hi', body: 'y', variables: { 1: 'customer_name', 2: 'business_name', 3: 'amount_due', 4: 'payment_link' } },
  ],
}];

test('placeholders are found once each, in order, with spaces allowed', () => {
  assert.deepEqual(placeholdersIn('Hi {{2}} and {{1}}, {{ 2 }} {{21}} {{x}}'), [1, 2]);
  assert.deepEqual(placeholdersIn(''), []);
  assert.deepEqual(placeholdersIn(null), []);
});

test('the proposed mapping follows the recommended one, else the purpose order', () => {
  assert.deepEqual(proposedMapping('payment_reminder', 'hi', '', purposes),
    { 1: 'customer_name', 2: 'business_name', 3: 'amount_due', 4: 'payment_link' });
  assert.deepEqual(proposedMapping('payment_reminder', 'en', 'Hi {{1}}, due {{3}}', purposes),
    { 1: 'customer_name', 3: 'amount_due' });
  assert.deepEqual(proposedMapping('payment_reminder', 'en', '{{1}}{{2}}{{3}}{{4}}{{5}}', purposes)['5'], 'payment_link');
  assert.deepEqual(proposedMapping('unknown', 'en', '{{1}}', purposes), {});
});

test('mappings read as words; SIDs and statuses are checked', () => {
  assert.equal(describeMapping({ 2: 'amount_due', 1: 'customer_name', 10: 'payment_link' }),
    '{{1}} Customer name · {{2}} Amount due · {{10}} Payment link or UPI ID');
  assert.ok(isContentSid('HX' + 'a1'.repeat(16)));
  assert.ok(!isContentSid('HX123'));
  assert.ok(!isContentSid('MG' + 'a1'.repeat(16)));
  assert.deepEqual(statusBadge('approved'), ['Approved', 'success']);
  assert.deepEqual(statusBadge('received'), ['Waiting for approval', 'warn']);
});
