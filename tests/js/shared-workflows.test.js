// Workflow helpers shared by the workflows pages and the builder (Public/js/shared/workflows.js):
// run states, durations, short ids, validation lines, the draft hand-off and the catalog cache.
// (formatDuration, shortId, issueLines and ACTIVE_RUN also have cases in ui-helpers.test.js.)
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  RUN_STATUS, ACTIVE_RUN, formatDuration, shortId, issueLines, handDraft, takeDraft, loadCatalog,
} from '../../Public/js/shared/workflows.js';
import { API_PREFIX, path } from '../../Public/js/routes.js';
import { localizeCatalog, humanize } from '../../Public/js/shared/step-texts.js';
import { useCatalog } from '../../Public/js/i18n.js';
import { readFileSync } from 'node:fs';

const BADGE_KINDS = new Set(['neutral', 'info', 'warn', 'success', 'danger']);

describe('run states', () => {
  test('every state has a label and a badge kind', () => {
    for (const [state, entry] of Object.entries(RUN_STATUS)) {
      assert.equal(entry.length, 2, state);
      const [label, kind] = entry;
      assert.ok(typeof label === 'string' && label.length > 0, state);
      assert.ok(BADGE_KINDS.has(kind), `${state}: ${kind}`);
    }
  });

  test('only queued, running and waiting runs are active, and each is a known state', () => {
    assert.deepEqual([...ACTIVE_RUN].sort(), ['queued', 'running', 'waiting']);
    for (const s of ACTIVE_RUN) assert.ok(RUN_STATUS[s], s);
    for (const s of ['pending', 'succeeded', 'failed', 'skipped', 'cancelled']) assert.equal(ACTIVE_RUN.has(s), false, s);
  });
});

describe('durations', () => {
  const at = (ms) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();

  test('each unit starts at its boundary', () => {
    assert.equal(formatDuration(at(0), at(0)), '0 ms');
    assert.equal(formatDuration(at(0), at(999)), '999 ms');
    assert.equal(formatDuration(at(0), at(1000)), '1.0 s');
    assert.equal(formatDuration(at(0), at(60_000)), '1 min 0 s');
    assert.equal(formatDuration(at(0), at(3_599_000)), '59 min 59 s');
    assert.equal(formatDuration(at(0), at(3_600_000)), '1 h 0 min');
    assert.equal(formatDuration(at(0), at(90_000_000)), '25 h 0 min');
  });

  test('unparseable ends give nothing', () => {
    assert.equal(formatDuration('yesterday', at(0)), '');
    assert.equal(formatDuration(at(0), undefined), '');
    assert.equal(formatDuration('', ''), '');
  });
});

test('short ids keep the last eight characters of whatever is given', () => {
  assert.equal(shortId('abc'), 'abc');
  assert.equal(shortId('0123456789'), '23456789');
  assert.equal(shortId(1234567890), '34567890');
  assert.equal(shortId(undefined), '');
});

test('validation lines: a step-less error is its message; empty errors and non-errors are dropped', () => {
  assert.deepEqual(issueLines([
    { node_id: 'send', message: 'Text is required.' },
    { node_id: '', message: 'The workflow has no trigger.' },
    { message: '' },
    'not an error',
  ]), ['send: Text is required.', 'The workflow has no trigger.']);
  assert.deepEqual(issueLines(undefined), []);
  assert.deepEqual(issueLines({ node_id: 'a', message: 'm' }), []);
});

test('the draft handed to the builder is taken once', () => {
  assert.equal(takeDraft(), null);
  const draft = { name: 'Thank payers', prompt: 'When a payment is recorded, thank the customer.' };
  handDraft(draft);
  assert.equal(takeDraft(), draft);
  assert.equal(takeDraft(), null);
  handDraft({ name: 'first' });
  handDraft({ name: 'second' });
  assert.deepEqual(takeDraft(), { name: 'second' });
  assert.equal(takeDraft(), null);
});

describe('the catalog', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  test('is fetched once and shared; a failed fetch is not kept, so the next call asks again', async () => {
    const urls = [];
    const replies = [
      { status: 503, body: { error: { code: 'unavailable', message: 'Try again.' } } },
      { status: 200, body: { nodes: [{ kind: 'trigger', service: 'webhook', task: 'receive', title: 'Webhook' }] } },
    ];
    globalThis.fetch = async (url) => {
      urls.push(url);
      const { status, body } = replies.shift();
      return { status, ok: status >= 200 && status < 300, text: async () => JSON.stringify(body) };
    };
    await assert.rejects(loadCatalog(), (e) => e.status === 503 && e.message === 'Try again.');
    const [a, b] = await Promise.all([loadCatalog(), loadCatalog()]);
    assert.equal(a, b);
    assert.equal(a.nodes[0].title, 'Webhook');
    assert.equal(await loadCatalog(), a);
    assert.deepEqual(urls, [API_PREFIX + path('workflowCatalog'), API_PREFIX + path('workflowCatalog')]);
  });
});

describe('the catalog in the reader\'s language', () => {
  const sample = {
    groups: ['Triggers', 'WhatsApp'],
    nodes: [
      { kind: 'trigger', service: 'webhook', task: 'receive', title: 'Webhook', group: 'Triggers',
        summary: "Start when another system POSTs JSON to this workflow's /hooks URL.",
        params: [{ name: 'signature_header', description: 'Header that carries the signature.' }],
        outputs: [] },
      { kind: 'action', service: 'whatsapp', task: 'send_message', title: 'Send WhatsApp message', group: 'WhatsApp',
        summary: 'Not in the file.',
        params: [{ name: 'items', description: 'Invoice lines.', fields: [{ name: 'unit_price', description: 'Price per unit in paise; empty = catalog price.' }] }],
        outputs: [{ name: 'status', description: 'queued, sent, delivered or failed.' }],
        output_variants: { param: 'output', outputs: { json: [{ name: 'json', description: 'The answer parsed as JSON (output json).' }] } } },
    ],
  };
  const hindi = JSON.parse(readFileSync(new URL('../../Public/i18n/steps.hi.json', import.meta.url), 'utf8'));

  test('translates every word a person reads, keeps what the file lacks in English, and changes nothing given', () => {
    const before = JSON.stringify(sample);
    const c = localizeCatalog(sample, hindi);
    assert.equal(JSON.stringify(sample), before);
    assert.deepEqual(c.groups, [hindi.Triggers, 'WhatsApp']);
    const [hook, send] = c.nodes;
    assert.equal(hook.title, hindi.Webhook);
    assert.equal(hook.group, hindi.Triggers);
    assert.equal(hook.summary, hindi["Start when another system POSTs JSON to this workflow's /hooks URL."]);
    assert.equal(hook.params[0].label, hindi['Signature header']);
    assert.equal(hook.params[0].name, 'signature_header');
    assert.equal(send.summary, 'Not in the file.');
    assert.equal(send.params[0].fields[0].label, hindi['Unit price']);
    assert.equal(send.outputs[0].description, hindi['queued, sent, delivered or failed.']);
    assert.equal(send.outputs[0].name, 'status');
    assert.equal(send.output_variants.outputs.json[0].description, hindi['The answer parsed as JSON (output json).']);
    assert.equal(send.output_variants.param, 'output');
    for (const text of [c.groups[0], hook.title, hook.params[0].label]) assert.match(text, /[\u0900-\u097F]/);
  });

  test('in English only labels are added', () => {
    const c = localizeCatalog(sample, null);
    assert.equal(c.nodes[0].title, 'Webhook');
    assert.equal(c.nodes[0].params[0].label, 'Signature header');
    assert.equal(humanize('unit_price'), 'Unit price');
  });

  test('is kept per language: Hindi fetches the step texts beside the catalog, and a failed text file leaves English', async () => {
    const realFetch = globalThis.fetch;
    const urls = [];
    let textsOk = false;
    globalThis.fetch = async (url) => {
      urls.push(String(url));
      if (String(url).startsWith('/i18n/')) {
        return textsOk ? { ok: true, status: 200, json: async () => hindi } : { ok: false, status: 404, json: async () => ({}) };
      }
      return { status: 200, ok: true, text: async () => JSON.stringify(sample) };
    };
    const warn = console.warn;
    console.warn = () => {};
    try {
      useCatalog('hi', {});
      const english = await loadCatalog();
      assert.equal(english.nodes[0].title, 'Webhook', 'no step texts: English words, not an error');
      textsOk = true;
      const translated = await loadCatalog();
      assert.equal(translated.nodes[0].title, hindi.Webhook, 'a failed text file is asked for again');
      const asked = urls.length;
      assert.equal(await loadCatalog(), translated);
      assert.equal(urls.length, asked, 'kept once it worked');
      useCatalog('en', {});
      assert.equal((await loadCatalog()).nodes[0].title, 'Webhook');
      assert.equal(urls.filter((u) => u === '/i18n/steps.hi.json').length, 2);
    } finally {
      globalThis.fetch = realFetch;
      console.warn = warn;
      useCatalog('en', {});
    }
  });
});

