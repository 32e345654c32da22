// Reports on screen (Public/js/shared/report-table.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellText, columnLabel, nextSort, pageSummary, reportText, isNumeric } from '../../Public/js/shared/report-table.js';

test('cells read by their column type', () => {
  assert.equal(cellText(188900, 'money'), '₹1,889.00');
  assert.equal(cellText(-75000, 'money'), '−₹750.00');
  assert.equal(cellText(2.5, 'quantity'), '2.5');
  assert.equal(cellText(123456, 'int'), '1,23,456');
  assert.equal(cellText('2026-12-05', 'date'), '5 Dec 2026');
  assert.equal(cellText(null, 'money'), '', 'an empty cell stays empty, never ₹0.00');
  assert.equal(cellText('Total', 'text'), 'Total');
  assert.equal(cellText('Total: Rent', 'text'), 'Total: Rent');
  assert.equal(cellText('error: too large', 'money'), 'too large to add up');
  assert.equal(cellText('Ramesh', 'text'), 'Ramesh');
});

test('column headings say rupees, not INR', () => {
  assert.equal(columnLabel('Sales (INR)'), 'Sales (₹)');
  assert.equal(columnLabel('Something new (INR)'), 'Something new (₹)');
  assert.equal(columnLabel('Customer'), 'Customer');
});

test('sorting: numbers start high, text A–Z; a second click flips', () => {
  assert.deepEqual(nextSort(null, 3, 'money'), { index: 3, order: 'desc' });
  assert.deepEqual(nextSort(null, 0, 'text'), { index: 0, order: 'asc' });
  assert.deepEqual(nextSort({ index: 3, order: 'desc' }, 3, 'money'), { index: 3, order: 'asc' });
  assert.deepEqual(nextSort({ index: 3, order: 'asc' }, 0, 'date'), { index: 0, order: 'asc' });
  assert.ok(isNumeric('int') && !isNumeric('date'));
});

test('page summaries and report texts', () => {
  assert.equal(pageSummary(50, 50, 230), 'Rows 51–100 of 230');
  assert.equal(pageSummary(0, 0, 0), 'No rows');
  assert.equal(reportText({ id: 'ledger', title: 'x' }).title, 'Ledger');
  assert.deepEqual(reportText({ id: 'new-one', title: 'New', description: 'D' }), { title: 'New', description: 'D' });
});
