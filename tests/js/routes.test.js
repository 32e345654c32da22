// routes.js (generated from the server's route table, issue 15 §1): path() fills {placeholders}
// in order and encodes each value; href() adds /api/v1 only for API routes; unknown names throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_PREFIX, ROUTES, path, href } from '../../Public/js/routes.js';

test('path() of a route without placeholders is its path relative to /api/v1', () => {
  assert.equal(path('customers'), '/customers');
  assert.equal(path('openAPI'), '/openapi.json');
});

test('path() fills the placeholders in order', () => {
  assert.equal(path('customer', 'c1'), '/customers/c1');
  assert.equal(path('customerStatement', 'c1'), '/customers/c1/statement');
  assert.equal(path('workflowVersion', 'w1', 3), '/workflows/w1/versions/3');
});

test('path() encodes each value as a single path segment', () => {
  assert.equal(path('customer', 'a/b c?d#e'), '/customers/a%2Fb%20c%3Fd%23e');
  assert.equal(path('workflowVersion', 'x/y', 'ü'), '/workflows/x%2Fy/versions/%C3%BC');
  // the report download: "id.fmt" keeps its dot, so it matches the old hand-built link
  assert.equal(path('reportFile', 'sales-register.csv'), `/reports/${encodeURIComponent('sales-register')}.csv`);
});

test('GET, PATCH and DELETE of one resource share its path', () => {
  assert.equal(ROUTES.customer.method, 'GET');
  assert.equal(ROUTES.customerUpdate.method, 'PATCH');
  assert.equal(ROUTES.customerDelete.method, 'DELETE');
  assert.equal(path('customerUpdate', 'c1'), path('customer', 'c1'));
  assert.equal(path('customerDelete', 'c1'), path('customer', 'c1'));
});

test('href() adds /api/v1 for API routes only', () => {
  assert.equal(API_PREFIX, '/api/v1');
  assert.equal(href('invoicePDF', 'inv 1'), '/api/v1/invoices/inv%201/pdf');
  assert.equal(href('events'), '/api/v1/events');
  assert.equal(href('openAPI'), '/api/v1/openapi.json');
  assert.equal(href('docs'), '/docs');
  assert.equal(href('health'), '/health');
  assert.equal(href('publicInvoicePDF', 'x.pdf'), '/p/invoices/x.pdf');
  assert.equal(href('workflowHook', 'h1'), '/hooks/h1');
});

test('every route has a method and a path starting with /', () => {
  for (const [name, r] of Object.entries(ROUTES)) {
    assert.match(r.method, /^(GET|POST|PUT|PATCH|DELETE)$/, name);
    assert.ok(r.path.startsWith('/'), name);
    assert.equal(typeof r.api, 'boolean', name);
  }
});

test('an unknown route name throws', () => {
  assert.throws(() => path('noSuchRoute'), /Unknown route: noSuchRoute/);
  assert.throws(() => href('noSuchRoute'), /Unknown route: noSuchRoute/);
});
