// The pure helpers of the shared UI modules and pages (no DOM is needed to import any of them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAYMENT_MODES, modeLabel, allocationText, balanceText } from '../../Public/js/shared/payments.js';
import { PLATFORMS, platformLabel, MESSAGE_STATUS } from '../../Public/js/shared/platforms.js';
import { formatMoneyCompact, shortDate } from '../../Public/js/chart.js';
import { formatDuration, shortId, issueLines, ACTIVE_RUN, RUN_STATUS } from '../../Public/js/shared/workflows.js';
import { orderedSteps, triggerLabel } from '../../Public/js/pages-workflows.js';
import { unreachableUrl } from '../../Public/js/pages-integrations.js';
import { kindLabel } from '../../Public/js/pages-operations.js';

test('every payment mode offered has its own label, and unknown modes show as they are', () => {
  for (const m of PAYMENT_MODES) assert.equal(modeLabel(m.value), m.label);
  assert.equal(modeLabel('barter'), 'barter');
  assert.equal(modeLabel(''), '—');
});

test('where a payment went: invoices, then the credit left over', () => {
  const p = { allocations: [{ invoice_number: 'INV-1', amount: 50000 }, { amount: 2500 }], unallocated: 2000 };
  assert.equal(allocationText(p), 'INV-1 (₹500.00), invoice (₹25.00), credit ₹20.00');
  assert.equal(allocationText({ allocations: [], unallocated: 0 }), '—');
});

test('a balance owes, is an advance, or is settled', () => {
  assert.deepEqual([balanceText(100), balanceText(-1), balanceText(0), balanceText('x')], ['owes you', 'advance', 'settled', 'settled']);
});

test('platforms have labels; an unknown one shows its own name', () => {
  assert.equal(platformLabel('mastodon'), 'Mastodon / Pixelfed');
  assert.equal(platformLabel('matrix'), 'matrix');
  assert.equal(platformLabel(''), 'Channel');
  assert.ok(Object.values(PLATFORMS).every((p) => p.label && p.short));
  assert.equal(MESSAGE_STATUS.undelivered.label, 'Not delivered');
});

test('compact money for charts: K, L and Cr with one decimal below ten', () => {
  assert.equal(formatMoneyCompact(85000), '₹850');
  assert.equal(formatMoneyCompact(150000), '₹1.5K');
  assert.equal(formatMoneyCompact(1500000), '₹15K');
  assert.equal(formatMoneyCompact(12000000), '₹1.2L');
  assert.equal(formatMoneyCompact(2500000000), '₹2.5Cr');
  assert.equal(formatMoneyCompact(-150000), '−₹1.5K');
  assert.equal(formatMoneyCompact('x'), '—');
  assert.equal(shortDate('2026-11-24'), '24 Nov');
  assert.equal(shortDate(null), '');
});

test('run durations read naturally; a missing or reversed end gives nothing', () => {
  const at = (ms) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();
  assert.equal(formatDuration(at(0), at(850)), '850 ms');
  assert.equal(formatDuration(at(0), at(12_400)), '12.4 s');
  assert.equal(formatDuration(at(0), at(185_000)), '3 min 5 s');
  assert.equal(formatDuration(at(0), at(7_800_000)), '2 h 10 min');
  assert.equal(formatDuration(at(1000), at(0)), '');
  assert.equal(formatDuration(null, at(0)), '');
});

test('runs: short ids are the random end; steps in the order they ran; active states', () => {
  assert.equal(shortId('0190c8f0-aaaa-7bbb-8ccc-1234567890ab'), '567890ab');
  assert.equal(shortId(null), '');
  const run = { steps: [
    { node_id: 'c', created_at: '2025-01-01T00:00:02Z' },
    { node_id: 'a', created_at: '2025-01-01T00:00:01Z', started_at: '2025-01-01T00:00:05Z' },
    { node_id: 'b', created_at: '2025-01-01T00:00:01Z', started_at: '2025-01-01T00:00:03Z' },
  ] };
  assert.deepEqual(orderedSteps(run).map((s) => s.node_id), ['b', 'a', 'c']);
  assert.equal(run.steps[0].node_id, 'c', 'the run itself is not reordered');
  assert.deepEqual(orderedSteps(null), []);
  assert.ok(['queued', 'running', 'waiting'].every((s) => ACTIVE_RUN.has(s) && RUN_STATUS[s]));
  assert.equal(ACTIVE_RUN.has('succeeded'), false);
});

test('validation errors as lines, and trigger labels from the catalog', () => {
  assert.deepEqual(issueLines([{ node_id: 'a', message: 'To is required.' }, { message: 'No trigger.' }, null, {}]),
    ['a: To is required.', 'No trigger.']);
  assert.deepEqual(issueLines('nope'), []);
  const catalog = { nodes: [{ kind: 'trigger', service: 'webhook', task: 'receive', title: 'Webhook' }] };
  assert.equal(triggerLabel(catalog, { service: 'webhook', task: 'receive' }), 'Webhook');
  assert.equal(triggerLabel(catalog, { service: 'cron', task: 'tick' }), 'cron/tick');
  assert.equal(triggerLabel(catalog, null), '—');
});

test('Twilio cannot reach loopback or private addresses', () => {
  for (const url of ['http://localhost:8080/x', 'http://app.localhost/', 'http://127.0.0.1/', 'http://[::1]/', 'http://10.1.2.3/',
    'http://192.168.1.5/', 'http://172.16.0.1/', 'http://172.31.255.255/', 'http://0.0.0.0/']) {
    assert.equal(unreachableUrl(url), true, url);
  }
  for (const url of ['https://munim.example.com/', 'http://172.32.0.1/', 'http://11.0.0.1/', 'not a url']) {
    assert.equal(unreachableUrl(url), false, url);
  }
});

test('job kinds in plain words', () => {
  assert.equal(kindLabel('outbox.send'), 'Outgoing message');
  assert.equal(kindLabel('mystery.job'), 'mystery.job');
  assert.equal(kindLabel(''), 'Job');
});
