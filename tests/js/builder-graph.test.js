// The builder's pure graph module (Public/js/builder/graph.js): the blueprint as a graph, the
// layout and the geometry, and a run laid over the steps.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  NODE_W, NODE_H, ROW_GAP, MIN_ZOOM, MAX_ZOOM,
  normalizeNodes, normalizeEdges, blueprintOf, isUnplaced, edgeKey, catalogIndex, portsOf, ancestors, reaches,
  connectionProblem, newNodeId, defaultParams, outputsOf, variableGroups, summarizeIssues, issueFitsField,
  stepFor, edgeTaken, mergeStepEvent, curve, layoutPositions, bounds, fitTransform, zoomAround, revealDelta, freeSpot,
} from '../../Public/js/builder/graph.js';

const n = (id, kind = 'action', extra = {}) => ({
  id, kind, service: kind === 'trigger' ? 'manual' : 'whatsapp', task: kind === 'trigger' ? 'start' : 'send_message',
  params: {}, position: { x: 0, y: 0 }, ...extra,
});
const e = (source, target, port = 'out') => ({ source, source_port: port, target });

// trigger → a, trigger → b, a → d, b → d: a diamond.
const diamond = {
  nodes: [n('trigger', 'trigger'), n('a'), n('b'), n('d')],
  edges: [e('trigger', 'a'), e('trigger', 'b'), e('a', 'd'), e('b', 'd')],
};

const CATALOG = {
  groups: ['Triggers', 'Messages', 'Logic'],
  business_variables: ['name', 'upi_id'],
  nodes: [
    { kind: 'trigger', service: 'manual', task: 'start', group: 'Triggers', title: 'Manual start', ports: ['out'], outputs: [] },
    { kind: 'trigger', service: 'ledger', task: 'event', group: 'Triggers', title: 'Ledger event', ports: ['out'],
      output_variants: { param: 'event', outputs: { 'payment.recorded': [{ name: 'amount', description: 'Paise' }] } } },
    { kind: 'action', service: 'whatsapp', task: 'send_message', group: 'Messages', title: 'Send WhatsApp', ports: ['out'],
      outputs: [{ name: 'message_id', description: 'The message' }] },
    { kind: 'action', service: 'bluesky', task: 'send_message', group: 'Messages', title: 'Send Bluesky DM', ports: ['out'], outputs: [] },
    { kind: 'router', service: 'router', task: 'route', group: 'Logic', title: 'Router', ports: [] },
    { kind: 'action', service: 'vars', task: 'set', group: 'Logic', title: 'Set values', ports: ['out'], dynamic_outputs: true },
    { kind: 'action', service: 'approval', task: 'request', group: 'Empty group?', title: 'Approval', ports: ['approved', 'rejected'] },
  ],
};

describe('paths', () => {
  test('ancestors of the diamond’s sink: both sides, then the trigger, each once', () => {
    assert.deepEqual(ancestors(diamond.edges, 'd'), ['a', 'b', 'trigger']);
    assert.deepEqual(ancestors(diamond.edges, 'a'), ['trigger']);
    assert.deepEqual(ancestors(diamond.edges, 'trigger'), []);
  });

  test('ancestors stop at the node itself in a loop', () => {
    const loop = [e('x', 'y'), e('y', 'z'), e('z', 'x')];
    assert.deepEqual(ancestors(loop, 'x'), ['z', 'y']);
  });

  test('reachability follows edge direction; a step with no path from the trigger is unreachable', () => {
    const edges = diamond.edges.concat([e('lonely', 'd')]);
    assert.equal(reaches(edges, 'trigger', 'd'), true);
    assert.equal(reaches(edges, 'd', 'trigger'), false);
    assert.equal(reaches(edges, 'trigger', 'lonely'), false);
    const unreachable = ['a', 'b', 'd', 'lonely'].filter((id) => !reaches(edges, 'trigger', id));
    assert.deepEqual(unreachable, ['lonely']);
  });

  test('a connection is refused into the trigger, onto itself, twice, or when it would close a loop', () => {
    const { nodes, edges } = diamond;
    assert.equal(connectionProblem(nodes, edges, 'a', 'out', 'trigger'), 'trigger');
    assert.equal(connectionProblem(nodes, edges, 'a', 'out', 'a'), 'self');
    assert.equal(connectionProblem(nodes, edges, 'a', 'out', 'ghost'), 'missing');
    assert.equal(connectionProblem(nodes, edges, 'a', 'out', 'd'), 'duplicate');
    assert.equal(connectionProblem(nodes, edges, 'd', 'out', 'a'), 'loop');
    assert.equal(connectionProblem(nodes, edges, 'a', 'error', 'd'), null, 'another port is another connection');
    assert.equal(connectionProblem(nodes, edges, 'a', 'out', 'b'), null);
  });
});

describe('ports and ids', () => {
  const index = catalogIndex(CATALOG);

  test('a router shows its branches, then else and error; a trigger has no error port', () => {
    const router = n('router', 'router', { service: 'router', task: 'route', params: { branches: [{ port: ' big ' }, { port: '' }, { port: 'small' }] } });
    assert.deepEqual(portsOf(router, index.specOf(router), []), ['big', 'small', 'else', 'error']);
    const trig = n('trigger', 'trigger');
    assert.deepEqual(portsOf(trig, index.specOf(trig), []), ['out']);
  });

  test('a connection from a port the step no longer has keeps that port visible', () => {
    const router = n('router', 'router', { service: 'router', task: 'route', params: { branches: [{ port: 'big' }] } });
    const ports = portsOf(router, index.specOf(router), [e('router', 'x', 'gone'), e('router', 'y', 'error')]);
    assert.deepEqual(ports, ['big', 'else', 'gone', 'error']);
  });

  test('new ids are readable and unique; an ambiguous task name gets its service', () => {
    const wa = CATALOG.nodes[2];
    const trig = CATALOG.nodes[0];
    assert.equal(newNodeId(trig, [], index.taskCounts), 'trigger');
    assert.equal(newNodeId(wa, [], index.taskCounts), 'whatsapp_send_message', 'send_message exists in two services');
    const taken = [{ id: 'whatsapp_send_message' }, { id: 'whatsapp_send_message_2' }];
    assert.equal(newNodeId(wa, taken, index.taskCounts), 'whatsapp_send_message_3');
    assert.equal(newNodeId(CATALOG.nodes[5], [], index.taskCounts), 'set');
  });

  test('a new router starts with one branch; other steps with no params', () => {
    assert.deepEqual(defaultParams(CATALOG.nodes[4]), { branches: [{ port: 'yes', when: { left: '', op: '==', right: '' } }] });
    assert.deepEqual(defaultParams(CATALOG.nodes[2]), {});
  });

  test('the catalog index drops empty groups and finds triggers by service', () => {
    assert.deepEqual(index.groups.map((g) => g.group), ['Triggers', 'Messages', 'Logic']);
    assert.equal(index.specOf({ kind: 'trigger', service: 'ledger', task: 'anything' }).title, 'Ledger event');
    assert.equal(index.specOf({ kind: 'action', service: 'nope', task: 'x' }), null);
  });
});

describe('variables', () => {
  const index = catalogIndex(CATALOG);

  test('outputs follow the variant param, or the values a step sets', () => {
    const ledger = { kind: 'trigger', service: 'ledger', task: 'event', params: { event: 'payment.recorded' } };
    assert.deepEqual(outputsOf(ledger, index.specOf(ledger)).map((o) => o.name), ['amount']);
    const setter = { kind: 'action', service: 'vars', task: 'set', params: { values: { total: 1, note: 'x' } } };
    assert.deepEqual(outputsOf(setter, index.specOf(setter)).map((o) => o.name), ['total', 'note']);
    assert.deepEqual(outputsOf(setter, null), []);
  });

  test('a step sees the trigger’s sample fields, its ancestors nearest first, an error edge’s error, and the business', () => {
    const nodes = [
      n('trigger', 'trigger', { params: { sample_payload: { amount: 1500, customer: 'Asha' } } }),
      n('first'), n('second'), n('last'), n('elsewhere'),
    ];
    const edges = [e('trigger', 'first'), e('first', 'second'), e('second', 'last', 'error')];
    const groups = variableGroups(nodes[3], { nodes, edges, specOf: index.specOf, businessVariables: index.businessVariables });
    assert.deepEqual(groups.map((g) => g.label), ['Trigger (Manual start)', 'Send WhatsApp (second)', 'Send WhatsApp (first)', 'Your business']);
    assert.deepEqual(groups[0].items.map((i) => i.path), ['trigger.amount', 'trigger.customer']);
    assert.deepEqual(groups[1].items.map((i) => i.path), ['steps.second.message_id', 'steps.second.error']);
    assert.deepEqual(groups[2].items.map((i) => i.path), ['steps.first.message_id']);
    assert.deepEqual(groups[3].items.map((i) => i.path), ['business.name', 'business.upi_id']);
  });

  test('without a sample payload the trigger group says how to get one', () => {
    const nodes = [n('trigger', 'trigger'), n('a')];
    const [trig] = variableGroups(nodes[1], { nodes, edges: [e('trigger', 'a')], specOf: index.specOf });
    assert.equal(trig.items.length, 0);
    assert.match(trig.empty, /sample payload/);
  });
});

describe('validation results', () => {
  test('problems on known steps are marked there; the rest go to the banner', () => {
    const sum = summarizeIssues([
      { node_id: 'a', field: 'params.to', message: 'To is required.' },
      { node_id: 'ghost', message: 'Unknown step.' },
      { field: 'name', message: 'Name is required.' },
      { node_id: 'a' }, // no message: dropped
      null,
    ], ['a', 'b']);
    assert.equal(sum.issues.length, 3);
    assert.deepEqual(sum.general.map((i) => i.message), ['Unknown step.', 'Name is required.']);
    assert.equal(sum.state, 'problems');
    assert.equal(sum.text, '3 problems (marked on the steps)');
    assert.equal(sum.nameMessage, 'Name is required.');
  });

  test('no problems reads as such; a single general one is not "marked on the steps"', () => {
    assert.deepEqual([summarizeIssues([], []).state, summarizeIssues([], []).text], ['ok', 'No problems found']);
    assert.equal(summarizeIssues([{ message: 'No trigger.' }], []).text, '1 problem');
  });

  test('an issue about a nested field lands in the slot of its param', () => {
    assert.equal(issueFitsField('params.branches[0].when', 'params.branches'), true);
    assert.equal(issueFitsField('params.headers.x', 'params.headers'), true);
    assert.equal(issueFitsField('params.to', 'params.to'), true);
    assert.equal(issueFitsField('params.total', 'params.to'), false);
  });
});

describe('a run over the graph', () => {
  test('the latest step row of a node wins; taken edges follow the port or the outcome', () => {
    const run = {
      steps: [
        { node_id: 'router', status: 'failed' },
        { node_id: 'router', status: 'succeeded', port: 'big' },
        { node_id: 'a', status: 'failed' },
        { node_id: 'b', status: 'running' },
      ],
    };
    assert.equal(stepFor(run, 'router').port, 'big');
    assert.equal(stepFor(run, 'nobody'), null);
    assert.equal(edgeTaken(run, e('router', 'x', 'big')), true);
    assert.equal(edgeTaken(run, e('router', 'x', 'else')), false);
    assert.equal(edgeTaken(run, e('a', 'x', 'error')), true);
    assert.equal(edgeTaken(run, e('a', 'x', 'out')), false);
    assert.equal(edgeTaken(run, e('b', 'x', 'out')), false, 'a running step has not left yet');
    assert.equal(edgeTaken(null, e('router', 'x', 'big')), false);
  });

  test('a step event updates the row it is about, or adds one', () => {
    const run = { steps: [{ node_id: 'a', status: 'running', port: null, error: null }] };
    mergeStepEvent(run, { node_id: 'a', status: 'failed', error: 'boom' }, null, 'now');
    assert.deepEqual(run.steps[0], { node_id: 'a', status: 'failed', port: null, error: 'boom' });
    mergeStepEvent(run, { node_id: 'b', status: 'queued' }, { service: 'whatsapp', task: 'send_message' }, '2025-01-01T00:00:00Z');
    assert.equal(run.steps.length, 2);
    assert.deepEqual([run.steps[1].service, run.steps[1].status, run.steps[1].created_at], ['whatsapp', 'queued', '2025-01-01T00:00:00Z']);
    const empty = {};
    mergeStepEvent(empty, { node_id: 'c', status: 'running' }, null, 'now');
    assert.equal(empty.steps.length, 1);
  });
});

describe('layout', () => {
  const portIndex = () => 0;
  const overlaps = (p, q, h = NODE_H) => p.x < q.x + NODE_W && q.x < p.x + NODE_W && p.y < q.y + h && q.y < p.y + h;

  test('layers follow the longest path from the trigger and no two steps overlap', () => {
    const nodes = diamond.nodes.concat([n('tail')]);
    const edges = diamond.edges.concat([e('trigger', 'tail'), e('d', 'tail')]);
    const pos = layoutPositions(nodes, edges, { portIndex });
    const x = (id) => pos.get(id).x;
    assert.ok(x('trigger') < x('a'));
    assert.equal(x('a'), x('b'));
    assert.ok(x('a') < x('d') && x('d') < x('tail'), 'tail sits after d, its longest path');
    const all = Array.from(pos.values());
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) assert.equal(overlaps(all[i], all[j]), false);
  });

  test('a column is spaced by the real heights of its steps', () => {
    const heights = { a: 200, b: 50 };
    const pos = layoutPositions(diamond.nodes, diamond.edges, { portIndex, heightOf: (id) => heights[id] || NODE_H });
    const [upper, lower] = ['a', 'b'].sort((p, q) => pos.get(p).y - pos.get(q).y);
    assert.equal(pos.get(lower).y - pos.get(upper).y, heights[upper] + ROW_GAP);
  });

  test('branches are stacked in the order of their ports', () => {
    const nodes = [n('trigger', 'trigger'), n('router', 'router'), n('second'), n('first')];
    const edges = [e('trigger', 'router'), e('router', 'second', 'no'), e('router', 'first', 'yes')];
    const order = ['yes', 'no'];
    const pos = layoutPositions(nodes, edges, { portIndex: (id, port) => order.indexOf(port) });
    assert.ok(pos.get('first').y < pos.get('second').y);
  });

  test('steps caught in a loop go after the rest, each in its own column', () => {
    const nodes = [n('trigger', 'trigger'), n('a'), n('x'), n('y')];
    const edges = [e('trigger', 'a'), e('x', 'y'), e('y', 'x')];
    const pos = layoutPositions(nodes, edges, { portIndex });
    assert.ok(pos.get('x').x > pos.get('a').x && pos.get('y').x > pos.get('x').x);
  });

  test('an unplaced draft is recognised', () => {
    assert.equal(isUnplaced(diamond.nodes), true);
    assert.equal(isUnplaced([n('solo')]), false);
    assert.equal(isUnplaced([n('a'), n('b', 'action', { position: { x: 1, y: 0 } })]), false);
  });
});

describe('geometry', () => {
  test('bounds enclose every step with its size', () => {
    const nodes = [n('a', 'action', { position: { x: -10, y: 5 } }), n('b', 'action', { position: { x: 300, y: 200 } })];
    assert.deepEqual(bounds(nodes, () => ({ w: 100, h: 50 })), { x0: -10, y0: 5, x1: 400, y1: 250 });
    assert.equal(bounds([], () => ({ w: 1, h: 1 })), null);
  });

  test('fitting never zooms past 100 %, shrinks a wide graph, and centres it', () => {
    const rect = { width: 1000, height: 600 };
    const small = fitTransform({ x0: 0, y0: 0, x1: 200, y1: 100 }, rect);
    assert.equal(small.zoom, 1);
    assert.equal(small.x, 400);
    const wide = fitTransform({ x0: 0, y0: 0, x1: 2000, y1: 100 }, rect);
    assert.ok(Math.abs(wide.zoom - 0.46) < 1e-9, 'the width less the padding, over the graph');
    assert.ok(Math.abs(wide.x - 40) < 1e-9 && 2000 * wide.zoom + wide.x <= rect.width - 40 + 1e-9);
    assert.equal(fitTransform({ x0: 0, y0: 0, x1: 40000, y1: 100 }, rect).zoom, MIN_ZOOM, 'never below the minimum');
    assert.deepEqual(fitTransform(null, rect), { x: 40, y: 40, zoom: 1 });
  });

  test('zooming keeps the point under the pointer in place and stays within the limits', () => {
    const view = { x: 50, y: 20, zoom: 1 };
    const next = zoomAround(view, 1.5, 300, 200);
    const canvasPoint = { x: (300 - view.x) / view.zoom, y: (200 - view.y) / view.zoom };
    assert.ok(Math.abs(canvasPoint.x * next.zoom + next.x - 300) < 1e-9);
    assert.ok(Math.abs(canvasPoint.y * next.zoom + next.y - 200) < 1e-9);
    assert.equal(zoomAround(view, 99, 0, 0).zoom, MAX_ZOOM);
    assert.equal(zoomAround(view, 0.01, 0, 0).zoom, MIN_ZOOM);
  });

  test('revealing pans only as far as needed', () => {
    const rect = { width: 800, height: 600 };
    assert.deepEqual(revealDelta({ left: 100, top: 100, right: 300, bottom: 200 }, rect), { dx: 0, dy: 0 });
    assert.deepEqual(revealDelta({ left: 700, top: 100, right: 900, bottom: 200 }, rect), { dx: -116, dy: 0 });
    assert.deepEqual(revealDelta({ left: -50, top: -20, right: 150, bottom: 80 }, rect), { dx: 66, dy: 36 });
  });

  test('a clicked step goes right of the selected one, or somewhere free, never on top of another', () => {
    const view = { x: 0, y: 0, zoom: 1 };
    const rect = { width: 1200, height: 800 };
    const sel = n('a', 'action', { position: { x: 40, y: 40 } });
    const right = freeSpot({ nodes: [sel], selected: { node: sel, height: 90 }, rect, view });
    assert.deepEqual(right, { x: 40 + NODE_W + 96, y: 40 });
    const crowded = [n('c', 'action', { position: { x: 496, y: 133 } })];
    const spot = freeSpot({ nodes: crowded, selected: null, rect, view });
    assert.ok(crowded.every((o) => Math.abs(o.position.x - spot.x) >= NODE_W * 0.75 || Math.abs(o.position.y - spot.y) >= 64));
  });

  test('a connection curve starts at the port and ends at the input', () => {
    assert.equal(curve({ x: 0, y: 0 }, { x: 200, y: 100 }), 'M 0 0 C 100 0, 100 100, 200 100');
    assert.match(curve({ x: 0, y: 0 }, { x: 10, y: 0 }), /C 48 0, -38 0/, 'short hops still bend by 48');
  });
});

describe('reading and writing a blueprint', () => {
  test('junk is dropped or defaulted; params are copied, not shared', () => {
    const params = { to: '+91' };
    const nodes = normalizeNodes([null, 'x', { id: 7, kind: 'action', params, position: { x: '12', y: 'north' } }]);
    assert.equal(nodes.length, 1);
    assert.deepEqual(nodes[0].position, { x: 12, y: 0 });
    assert.equal(nodes[0].id, '7');
    assert.notEqual(nodes[0].params, params);
    assert.deepEqual(normalizeEdges([{ source: 'a', target: 'b' }, 3]), [{ source: 'a', source_port: 'out', target: 'b' }]);
    assert.deepEqual(normalizeNodes(undefined), []);
  });

  test('the saved blueprint rounds positions and keeps only known fields', () => {
    const nodes = [{ ...n('a'), position: { x: 10.6, y: -0.4 }, extra: true }];
    const bp = blueprintOf('Thanks', nodes, [{ ...e('a', 'b'), selected: true }]);
    assert.deepEqual(bp.nodes[0].position, { x: 11, y: -0 });
    assert.equal('extra' in bp.nodes[0], false);
    assert.deepEqual(bp.edges, [{ source: 'a', source_port: 'out', target: 'b' }]);
    assert.equal(edgeKey(bp.edges[0]), 'a\u0001out\u0001b');
  });
});
