// Values typed into the builder's panel (Public/js/builder/values.js) and its store (store.js).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  humanize, parseLoose, showLoose, isPlaceholder, isSimpleCondition, textParamValue, readJsonParam, clone, rupeesText, moneyParamValue,
} from '../../Public/js/builder/values.js';
import { createStore } from '../../Public/js/builder/store.js';

describe('loose values in a router condition', () => {
  test('numbers, booleans, null, lists and objects become JSON; everything else stays text', () => {
    assert.equal(parseLoose(' 1000 '), 1000);
    assert.equal(parseLoose('-2.5e3'), -2500);
    assert.equal(parseLoose('true'), true);
    assert.equal(parseLoose('null'), null);
    assert.deepEqual(parseLoose('["a", 1]'), ['a', 1]);
    assert.equal(parseLoose('{{trigger.amount}}'), '{{trigger.amount}}');
    assert.equal(parseLoose('[not json'), '[not json');
    assert.equal(parseLoose('007abc'), '007abc');
    assert.equal(parseLoose('   '), '');
  });

  test('showing a value gives back text that parses to the same value', () => {
    for (const v of [1000, true, false, ['a'], { k: 1 }, 'plain text', '42', 'true']) {
      assert.deepEqual(parseLoose(showLoose(v)), v, `round trip of ${JSON.stringify(v)}`);
    }
    assert.equal(showLoose('42'), '"42"', 'the text 42 is quoted so it stays text');
    assert.equal(showLoose(undefined), '');
    assert.equal(showLoose(null), '', 'no value shows as an empty field');
  });
});

describe('param fields', () => {
  test('a single {{placeholder}} is recognised, with spaces around it but nothing else', () => {
    assert.equal(isPlaceholder(' {{steps.a.id}} '), true);
    assert.equal(isPlaceholder('Hi {{name}}'), false);
    assert.equal(isPlaceholder('{{a}}{{b}}'), false);
    assert.equal(isPlaceholder(12), false);
  });

  test('text and number params: blank removes, plain numbers become numbers for number types only', () => {
    assert.equal(textParamValue('  ', 'string'), undefined);
    assert.equal(textParamValue(' 12.5 ', 'number'), 12.5);
    assert.equal(textParamValue('12', 'string'), '12');
    assert.equal(textParamValue('{{trigger.n}}', 'integer'), '{{trigger.n}}');
  });

  test('JSON params: placeholders kept, objects and lists checked, bad JSON explained', () => {
    assert.deepEqual(readJsonParam('', { type: 'object' }), { value: undefined });
    assert.deepEqual(readJsonParam(' {{trigger}} ', { type: 'object' }), { value: '{{trigger}}' });
    assert.deepEqual(readJsonParam('{"a": 1}', { type: 'object' }), { value: { a: 1 }, parsed: true });
    assert.match(readJsonParam('[1]', { type: 'object' }).error, /JSON object/);
    assert.match(readJsonParam('[1]', { type: 'json', name: 'sample_payload' }).error, /JSON object/);
    assert.match(readJsonParam('{}', { type: 'array' }).error, /JSON list/);
    assert.match(readJsonParam('{oops', { type: 'json' }).error, /^Not valid JSON: .*The last valid value is kept\.$/);
    assert.deepEqual(readJsonParam('3', { type: 'json' }), { value: 3, parsed: true });
  });

  test('only {left, op, right} conditions open in the simple editor', () => {
    assert.equal(isSimpleCondition({ left: 'a', op: '==', right: 1 }), true);
    assert.equal(isSimpleCondition({ left: 'a', op: 'exists' }), true);
    assert.equal(isSimpleCondition({ all: [] }), false);
    assert.equal(isSimpleCondition({ left: 'a', op: '==', right: 1, note: 'x' }), false);
    assert.equal(isSimpleCondition(null), false);
  });

  test('labels and copies', () => {
    assert.equal(humanize('sample_payload'), 'Sample payload');
    assert.equal(humanize(''), '');
    const v = { a: [1] };
    const c = clone(v);
    assert.deepEqual(c, v);
    assert.notEqual(c.a, v.a);
    assert.equal(clone(undefined), undefined);
  });
});

describe('the builder store', () => {
  test('listeners hear their topic in subscription order, with the detail and the state', () => {
    const store = createStore({ dirty: false });
    const heard = [];
    store.subscribe('changed', (d, s) => heard.push(['first', d, s.dirty]));
    store.subscribe('changed', (d) => heard.push(['second', d]));
    store.subscribe('other', () => heard.push(['other']));
    store.notify('changed', { panel: true });
    assert.deepEqual(heard, [['first', { panel: true }, false], ['second', { panel: true }]]);
  });

  test('set assigns before it notifies; unsubscribing stops the notices', () => {
    const store = createStore({ run: null });
    const seen = [];
    const off = store.subscribe('run', (d, s) => seen.push(s.run));
    store.set({ run: 'r1' }, 'run');
    off();
    store.set({ run: 'r2' }, 'run');
    assert.deepEqual(seen, ['r1']);
    assert.equal(store.state.run, 'r2');
    store.set({ quiet: 1 });
    assert.equal(store.state.quiet, 1);
  });

  test('a listener may notify again, and one that unsubscribes itself does not skip the next', () => {
    const store = createStore();
    const order = [];
    const off = store.subscribe('a', () => {
      order.push('a1');
      off();
      store.notify('b');
    });
    store.subscribe('a', () => order.push('a2'));
    store.subscribe('b', () => order.push('b'));
    store.notify('a');
    store.notify('a');
    assert.deepEqual(order, ['a1', 'b', 'a2', 'a2']);
  });

  test('the initial state is copied', () => {
    const initial = { nodes: [] };
    const store = createStore(initial);
    store.state.nodes = [1];
    assert.deepEqual(initial.nodes, []);
  });
});

test('money params: rupees on screen, paise stored, variables kept', () => {
  assert.equal(rupeesText(50000), '500');
  assert.equal(rupeesText(12345), '123.45');
  assert.equal(rupeesText(5), '0.05');
  assert.equal(rupeesText('150000'), '1500', 'a catalog placeholder in paise');
  assert.equal(rupeesText('{{trigger.amount}}'), '{{trigger.amount}}');
  assert.equal(rupeesText(undefined), '');
  assert.deepEqual(moneyParamValue('500'), { value: 50000 });
  assert.deepEqual(moneyParamValue(' ₹1,499.50 '), { value: 149950 });
  assert.deepEqual(moneyParamValue('0.1'), { value: 10 });
  assert.deepEqual(moneyParamValue('19.99'), { value: 1999 }, 'no floating-point drift');
  assert.deepEqual(moneyParamValue('{{trigger.amount}}'), { value: '{{trigger.amount}}' });
  assert.deepEqual(moneyParamValue(''), { value: undefined });
  for (const bad of ['12.345', '-5', 'five', '1e3']) assert.ok(moneyParamValue(bad).error, bad);
  assert.ok(moneyParamValue('99999999999999999').error, 'beyond a safe integer of paise');
});
