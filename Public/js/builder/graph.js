// The workflow blueprint as a graph, and the builder's geometry: pure functions with no DOM and
// no fetch, so they can be tested with `node --test` (tests/js/builder-graph.test.js).
//
// A node is {id, kind, service, task, params, position: {x, y}}; an edge is {source, source_port,
// target}. `specOf(node)` finds a node's catalog entry (catalogIndex below).
import { clamp, clone, isObject } from './values.js';
import { t, tn, mark } from '../i18n.js';

export const NODE_W = 208; // keep in step with .wf-node's width in app.css
export const NODE_H = 90; // a node's height before it is drawn
export const IN_PORT_Y = 22; // centre of the input port below a node's top edge (.wf-port-in)
export const COL_GAP = 96;
export const ROW_GAP = 36;
export const MIN_ZOOM = 0.3;
export const MAX_ZOOM = 2;

/* ---------- reading a blueprint ---------- */

export function normalizeNodes(list) {
  return (Array.isArray(list) ? list : []).filter(isObject).map((n) => ({
    id: String(n.id || ''),
    kind: String(n.kind || ''),
    service: String(n.service || ''),
    task: String(n.task || ''),
    params: isObject(n.params) ? clone(n.params) : {},
    position: {
      x: Number.isFinite(Number(n.position && n.position.x)) ? Number(n.position.x) : 0,
      y: Number.isFinite(Number(n.position && n.position.y)) ? Number(n.position.y) : 0,
    },
  }));
}

export function normalizeEdges(list) {
  return (Array.isArray(list) ? list : []).filter(isObject).map((e) => ({
    source: String(e.source || ''), source_port: String(e.source_port || 'out'), target: String(e.target || ''),
  }));
}

/** The blueprint as saved and validated: positions rounded, nothing but the known fields. */
export function blueprintOf(name, nodes, edges) {
  return {
    name,
    nodes: nodes.map((n) => ({
      id: n.id, kind: n.kind, service: n.service, task: n.task, params: n.params,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: edges.map((e) => ({ source: e.source, source_port: e.source_port, target: e.target })),
  };
}

/** More than one step, all at the same spot: a drafted blueprint that still needs a layout. */
export const isUnplaced = (nodes) => nodes.length > 1
  && nodes.every((n) => n.position.x === nodes[0].position.x && n.position.y === nodes[0].position.y);

export const edgeKey = (e) => `${e.source}\u0001${e.source_port}\u0001${e.target}`;
export const nodeById = (nodes, nid) => nodes.find((n) => n.id === nid) || null;
export const triggerOf = (nodes) => nodes.find((n) => n.kind === 'trigger') || null;

/* ---------- the catalog ---------- */

/** Lookups over GET /workflows/catalog: specOf(node), how often each task name occurs, palette groups. */
export function catalogIndex(catalog) {
  const all = (catalog && catalog.nodes) || [];
  const specs = new Map(all.map((s) => [`${s.service}/${s.task}`, s]));
  const triggerSpecs = new Map(all.filter((s) => s.kind === 'trigger').map((s) => [s.service, s]));
  const taskCounts = new Map();
  for (const s of all) taskCounts.set(s.task, (taskCounts.get(s.task) || 0) + 1);
  const names = Array.isArray(catalog && catalog.groups) && catalog.groups.length
    ? catalog.groups
    : Array.from(new Set(all.map((s) => s.group)));
  const groups = names.map((g) => ({ group: g, items: all.filter((s) => s.group === g) })).filter((g) => g.items.length);
  return {
    specOf: (node) => (node.kind === 'trigger' ? triggerSpecs.get(node.service) : specs.get(`${node.service}/${node.task}`)) || null,
    taskCounts,
    groups,
    businessVariables: (catalog && catalog.business_variables) || [],
  };
}

export const nodeTitle = (node, spec) => (spec ? spec.title : `${node.service}/${node.task}`);

/* ---------- ports and paths ---------- */

export function branchPorts(node) {
  const b = node.params && node.params.branches;
  return Array.isArray(b) ? b.map((x) => (x && typeof x.port === 'string' ? x.port.trim() : '')).filter(Boolean) : [];
}

/** The output ports a node shows: the spec's (or a router's branches + else), then "error". */
export function portsOf(node, spec, edges) {
  let list;
  if (node.kind === 'trigger') list = spec ? spec.ports.slice() : ['out'];
  else if (node.kind === 'router') list = branchPorts(node).concat(['else']);
  else list = spec && Array.isArray(spec.ports) ? spec.ports.slice() : ['out'];
  // A connection from a port the node no longer has stays visible, so it can be seen and removed.
  for (const e of edges) if (e.source === node.id && e.source_port !== 'error' && !list.includes(e.source_port)) list.push(e.source_port);
  if (node.kind !== 'trigger') list.push('error');
  return Array.from(new Set(list));
}

/** Ancestors of a node, nearest first. */
export function ancestors(edges, nid) {
  const seen = new Set();
  const order = [];
  let frontier = [nid];
  while (frontier.length) {
    const next = [];
    for (const cur of frontier) {
      for (const e of edges) {
        if (e.target === cur && !seen.has(e.source) && e.source !== nid) {
          seen.add(e.source);
          order.push(e.source);
          next.push(e.source);
        }
      }
    }
    frontier = next;
  }
  return order;
}

/** True when `to` can be reached from `from` along the edges (a node reaches itself). */
export function reaches(edges, from, to) {
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    const cur = stack.pop();
    if (cur === to) return true;
    for (const e of edges) {
      if (e.source === cur && !seen.has(e.target)) {
        seen.add(e.target);
        stack.push(e.target);
      }
    }
  }
  return false;
}

/**
 * Why source.port → target cannot be added: 'missing' (no such target), 'self', 'trigger' (into
 * the trigger), 'duplicate' or 'loop'; null when it can.
 */
export function connectionProblem(nodes, edges, source, port, target) {
  const t = nodeById(nodes, target);
  if (!t) return 'missing';
  if (source === target) return 'self';
  if (t.kind === 'trigger') return 'trigger';
  const key = edgeKey({ source, source_port: port, target });
  if (edges.some((e) => edgeKey(e) === key)) return 'duplicate';
  if (reaches(edges, target, source)) return 'loop';
  return null;
}

/* ---------- adding steps ---------- */

/** Readable unique ids: send_message, send_message_2; the first trigger is "trigger". */
export function newNodeId(spec, nodes, taskCounts) {
  let base;
  if (spec.kind === 'trigger') base = 'trigger';
  else if (spec.kind === 'router') base = 'router';
  else base = (taskCounts.get(spec.task) || 0) > 1 ? `${spec.service}_${spec.task}` : spec.task;
  base = base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56) || 'step';
  if (!nodeById(nodes, base)) return base;
  for (let i = 2; ; i++) if (!nodeById(nodes, `${base}_${i}`)) return `${base}_${i}`;
}

export function defaultParams(spec) {
  if (spec.kind === 'router') return { branches: [{ port: 'yes', when: { left: '', op: '==', right: '' } }] };
  return {};
}

/* ---------- variables ---------- */

/** Output variables of a node for the picker: [{name, description}]. */
export function outputsOf(node, spec) {
  if (!spec) return [];
  if (spec.dynamic_outputs) {
    const values = node.params && node.params.values;
    return isObject(values) ? Object.keys(values).map((k) => ({ name: k, description: t('A value this step sets.') })) : [];
  }
  const v = spec.output_variants;
  if (v && v.param && node.params && typeof node.params[v.param] === 'string' && v.outputs && Array.isArray(v.outputs[node.params[v.param]])) {
    return v.outputs[node.params[v.param]];
  }
  return Array.isArray(spec.outputs) ? spec.outputs : [];
}

/** The variables a step may use, grouped: the trigger's, each ancestor's (nearest first), the business's. */
export function variableGroups(node, { nodes, edges, specOf, businessVariables = [] }) {
  const groups = [];
  const trig = triggerOf(nodes);
  if (trig && trig.id !== node.id) {
    let items = outputsOf(trig, specOf(trig)).map((o) => ({ path: `trigger.${o.name}`, description: o.description }));
    if (!items.length) {
      const sample = trig.params.sample_payload;
      if (isObject(sample)) {
        items = Object.keys(sample).map((k) => ({ path: `trigger.${k}`, description: t('From the sample payload, e.g. {value}', { value: JSON.stringify(sample[k]).slice(0, 40) }) }));
      }
    }
    groups.push({
      label: t('Trigger ({step})', { step: nodeTitle(trig, specOf(trig)) }),
      items,
      empty: items.length ? null : t('Give the trigger a sample payload (like a JSON object with an amount) to list its fields here.'),
    });
  }
  for (const aid of ancestors(edges, node.id)) {
    const anc = nodeById(nodes, aid);
    if (!anc || anc.kind === 'trigger') continue;
    const items = outputsOf(anc, specOf(anc)).map((o) => ({ path: `steps.${aid}.${o.name}`, description: o.description }));
    if (edges.some((e) => e.source === aid && e.source_port === 'error' && e.target === node.id)) {
      items.push({ path: `steps.${aid}.error`, description: t('Why the step failed.') });
    }
    if (items.length) groups.push({ label: `${nodeTitle(anc, specOf(anc))} (${aid})`, items });
  }
  const biz = businessVariables.map((v) => ({ path: `business.${v}`, description: t('From your business profile.') }));
  if (biz.length) groups.push({ label: t('Your business'), items: biz });
  return groups;
}

/* ---------- validation results ---------- */

export const issuesFor = (issues, nid) => issues.filter((i) => i.node_id === nid);

/** "1 problem", "3 problems". */
export const problemCount = (n) => tn(n, '{count} problem', '{count} problems');

/**
 * A validation reply's errors, sorted for display: `issues` (the usable ones), `general` (not
 * about a step on the canvas: the banner), the status line and the message for the name field.
 */
export function summarizeIssues(list, nodeIds) {
  const issues = (Array.isArray(list) ? list : []).filter((i) => i && typeof i.message === 'string');
  const known = new Set(nodeIds);
  const general = issues.filter((i) => !i.node_id || !known.has(i.node_id));
  const onSteps = issues.length - general.length;
  return {
    issues,
    general,
    state: issues.length ? 'problems' : 'ok',
    text: issues.length ? (onSteps ? t('{problems} (marked on the steps)', { problems: problemCount(issues.length) }) : problemCount(issues.length)) : t('No problems found'),
    nameMessage: issues.filter((i) => !i.node_id && i.field === 'name').map((i) => i.message).join(' '),
  };
}

/** Whether an issue's field ("params.url", "params.branches[0].when") belongs to the field slot `name`. */
export const issueFitsField = (field, name) => field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`);

/* ---------- a run laid over the graph ---------- */

export function runStatusLabel(status) {
  const label = { pending: mark('Pending'), queued: mark('Queued'), running: mark('Running'), waiting: mark('Waiting'), succeeded: mark('Succeeded'), failed: mark('Failed'), skipped: mark('Skipped'), cancelled: mark('Cancelled') }[status];
  return label ? t(label) : status;
}

/** A node's step in the run: the latest row wins. */
export function stepFor(run, nid) {
  if (!run || !Array.isArray(run.steps)) return null;
  let found = null;
  for (const s of run.steps) if (s.node_id === nid) found = s;
  return found;
}

/** Whether the run left the edge's source by the edge's port. */
export function edgeTaken(run, e) {
  if (!run) return false;
  const step = stepFor(run, e.source);
  if (!step || (step.status !== 'succeeded' && step.status !== 'failed')) return false;
  if (step.port) return step.port === e.source_port;
  return e.source_port === (step.status === 'failed' ? 'error' : 'out');
}

/** Applies a run.step event {node_id, status, port?, error?} to the run held (the full copy follows). */
export function mergeStepEvent(run, p, node, nowIso) {
  const steps = Array.isArray(run.steps) ? run.steps : (run.steps = []);
  const existing = stepFor(run, p.node_id);
  if (existing) {
    existing.status = p.status || existing.status;
    if (p.port !== undefined) existing.port = p.port;
    if (p.error !== undefined) existing.error = p.error;
  } else {
    steps.push({
      node_id: p.node_id, service: node ? node.service : '', task: node ? node.task : '', status: p.status, port: p.port ?? null,
      input: null, output: null, error: p.error ?? null, attempts: 0, created_at: nowIso, started_at: null, finished_at: null, wake_at: null,
    });
  }
}

/* ---------- geometry ---------- */

/** The SVG path of a connection from an output port to an input port. */
export function curve(a, b) {
  const dx = Math.max(48, Math.abs(b.x - a.x) / 2);
  return `M ${a.x} ${a.y} C ${a.x + dx} ${a.y}, ${b.x - dx} ${b.y}, ${b.x} ${b.y}`;
}

/**
 * Auto-layout: layers left to right by the longest path from the trigger; branches keep their port
 * order. portIndex(nodeId, port) orders branches, heightOf(nodeId) spaces a column. Returns a Map
 * of node id → {x, y}.
 */
export function layoutPositions(nodes, edges, { portIndex, heightOf = () => NODE_H }) {
  const byId = (nid) => nodeById(nodes, nid);
  const ids = nodes.map((n) => n.id);
  const idSet = new Set(ids);
  const valid = edges.filter((e) => idSet.has(e.source) && idSet.has(e.target) && e.source !== e.target);
  const indeg = new Map(ids.map((i) => [i, 0]));
  for (const e of valid) indeg.set(e.target, indeg.get(e.target) + 1);
  const layer = new Map(ids.map((i) => [i, 0]));
  const trig = triggerOf(nodes);
  const trigId = trig && trig.id;
  const queue = ids.filter((i) => indeg.get(i) === 0).sort((a, b) => (a === trigId ? -1 : b === trigId ? 1 : 0));
  const done = new Set();
  while (queue.length) {
    const cur = queue.shift();
    done.add(cur);
    for (const e of valid) {
      if (e.source !== cur) continue;
      layer.set(e.target, Math.max(layer.get(e.target), layer.get(cur) + 1));
      indeg.set(e.target, indeg.get(e.target) - 1);
      if (indeg.get(e.target) === 0) queue.push(e.target);
    }
  }
  let maxLayer = Math.max(0, ...Array.from(layer.values()));
  for (const i of ids) if (!done.has(i)) layer.set(i, ++maxLayer); // steps caught in a loop go last
  const columns = [];
  for (const i of ids) {
    const l = layer.get(i);
    (columns[l] = columns[l] || []).push(i);
  }
  const rank = new Map();
  columns.forEach((col, l) => {
    if (!col) return;
    if (l === 0) {
      col.sort((a, b) => (a === trigId ? -1 : b === trigId ? 1 : byId(a).position.y - byId(b).position.y));
    } else {
      const key = (nid) => {
        const ins = valid.filter((e) => e.target === nid && rank.has(e.source));
        if (!ins.length) return Number.MAX_SAFE_INTEGER;
        const src = ins.map((e) => rank.get(e.source) * 100 + Math.max(0, portIndex(e.source, e.source_port)));
        return src.reduce((s, v) => s + v, 0) / src.length;
      };
      const keys = new Map(col.map((nid) => [nid, key(nid)]));
      col.sort((a, b) => keys.get(a) - keys.get(b) || byId(a).position.y - byId(b).position.y);
    }
    col.forEach((nid, i) => rank.set(nid, i));
  });
  const heights = columns.map((col) => (col || []).reduce((s, nid) => s + heightOf(nid) + ROW_GAP, -ROW_GAP));
  const tallest = Math.max(0, ...heights);
  const out = new Map();
  columns.forEach((col, l) => {
    if (!col) return;
    let y = 40 + Math.round((tallest - heights[l]) / 2);
    for (const nid of col) {
      out.set(nid, { x: 40 + l * (NODE_W + COL_GAP), y });
      y += heightOf(nid) + ROW_GAP;
    }
  });
  return out;
}

/** The box around every node; sizeOf(id) → {w, h}. null with no nodes. */
export function bounds(nodes, sizeOf) {
  if (!nodes.length) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    const { w, h } = sizeOf(n.id);
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + w);
    y1 = Math.max(y1, n.position.y + h);
  }
  return { x0, y0, x1, y1 };
}

/** The view {x, y, zoom} that shows the box b in a canvas of rect {width, height} (never above 100 %). */
export function fitTransform(b, rect) {
  if (!b || !rect.width || !rect.height) return { x: 40, y: 40, zoom: 1 };
  const pad = 40;
  const z = clamp(Math.min((rect.width - pad * 2) / (b.x1 - b.x0), (rect.height - pad * 2) / (b.y1 - b.y0), 1), MIN_ZOOM, MAX_ZOOM);
  return {
    zoom: z,
    x: (rect.width - (b.x1 - b.x0) * z) / 2 - b.x0 * z,
    y: Math.max(pad, (rect.height - (b.y1 - b.y0) * z) / 2) - b.y0 * z,
  };
}

/** Zooms to z (clamped) keeping the screen point (px, py) over the same canvas point. */
export function zoomAround(view, z, px, py) {
  const next = clamp(z, MIN_ZOOM, MAX_ZOOM);
  const k = next / view.zoom;
  return { x: px - (px - view.x) * k, y: py - (py - view.y) * k, zoom: next };
}

/** How far to pan so a box {left, top, right, bottom} (screen) is fully inside the canvas rect. */
export function revealDelta(box, rect, pad = 16) {
  let dx = 0;
  let dy = 0;
  if (box.right > rect.width - pad) dx = rect.width - pad - box.right;
  if (box.left + dx < pad) dx = pad - box.left;
  if (box.bottom > rect.height - pad) dy = rect.height - pad - box.bottom;
  if (box.top + dy < pad) dy = pad - box.top;
  return { dx, dy };
}

/**
 * Where a clicked palette step goes: right of the selected step, else below it, else mid-screen;
 * never on top of another. selected: {node, height} or null; rect: the canvas's size.
 */
export function freeSpot({ nodes, selected, rect, view }) {
  const onScreen = (x, y) => {
    const sx = x * view.zoom + view.x;
    const sy = y * view.zoom + view.y;
    return sx >= 0 && sy >= 0 && sx + NODE_W * view.zoom <= rect.width && sy + NODE_H * view.zoom <= rect.height;
  };
  const free = (x, y) => !nodes.some((n) => Math.abs(n.position.x - x) < NODE_W * 0.75 && Math.abs(n.position.y - y) < 64);
  const centre = {
    x: (rect.width / 2 - view.x) / view.zoom - NODE_W / 2,
    y: (Math.min(rect.height, 400) / 3 - view.y) / view.zoom,
  };
  const candidates = [];
  if (selected) {
    const sel = selected.node;
    candidates.push({ x: sel.position.x + NODE_W + COL_GAP, y: sel.position.y });
    candidates.push({ x: sel.position.x, y: sel.position.y + (selected.height || NODE_H) + ROW_GAP });
  }
  candidates.push(centre);
  let spot = candidates.find((c) => onScreen(c.x, c.y) && free(c.x, c.y)) || candidates.find((c) => onScreen(c.x, c.y)) || candidates[0];
  spot = { ...spot };
  for (let i = 0; i < 60 && !free(spot.x, spot.y); i++) spot.y += 80;
  return { x: Math.round(spot.x), y: Math.round(spot.y) };
}
