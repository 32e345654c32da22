// The workflow builder (#/workflows/new, #/workflows/{id}, #/workflows/{id}?run={run_id}):
// a palette of every catalog node, a canvas of absolutely positioned step boxes over an SVG layer
// of connections (pan, zoom, drag to connect), a config panel generated from each node's param
// schema with a variable picker, server-side validation shown on the steps, save/activate/test
// run, and a monitor mode that colours each step by its run state, kept live over the event
// stream (docs/workflows-api.md).
//
// Geometry: node positions are canvas coordinates (the blueprint's `position`); the viewport is
// translated and scaled with a CSS transform, so on-screen = canvas × zoom + pan.
import { api, errorMessage } from './api.js';
import {
  h, fill, add, toast, busy, loadingState, errorState, emptyState, badge, field, uid, debounce, openDialog,
  formAlert, pageHeader,
} from './ui.js';
import { subscribe, isConnected } from './live.js';
import {
  loadCatalog, takeDraft, runStatusBadge, ACTIVE_RUN, jsonBlock, switchButton, setWorkflowActive, shortId,
  approvalControls, runActionButtons, stepMeta, formatDuration, issueLines,
} from './pages-workflows.js';
import { copyRow } from './shared/copy.js';
import { formatDateTime } from './format.js';
import { timeZone } from './session.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const NODE_W = 208; // keep in step with .wf-node's width in app.css
const IN_PORT_Y = 22; // centre of the input port below a node's top edge (.wf-port-in)
const COL_GAP = 96;
const ROW_GAP = 36;
const MIN_ZOOM = 0.3;
const MAX_ZOOM = 2;
const SVG_EXTENT = 20000; // the edge layer covers -10000…10000 in both directions
const DRAG_THRESHOLD = 4;
const OPERATORS = ['==', '!=', '>', '>=', '<', '<=', 'contains', 'starts_with', 'matches', 'exists', 'is_empty', 'in'];
const LEFT_ONLY = new Set(['exists', 'is_empty']);
const JSON_TYPES = new Set(['json', 'object', 'array', 'template_object']);
const SECRET_MASK = '********';

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  return el;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const humanize = (name) => {
  const s = String(name || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};
const isEditable = (el) => !!el && !!el.closest && !!el.closest('input, textarea, select, [contenteditable="true"]');

/** Text a person typed in a loose field → a JSON value: numbers, booleans, lists and objects as such, else text. */
function parseLoose(text) {
  const t = String(text).trim();
  if (t === '') return '';
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(t) || /^[[{"]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** The inverse of parseLoose for showing a value in a text field. */
function showLoose(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return parseLoose(v) === v ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/** A param value as a single {{placeholder}}: it keeps its JSON type at run time. */
const isPlaceholder = (s) => typeof s === 'string' && /^\s*\{\{[^{}]+\}\}\s*$/.test(s);

export function workflowBuilderPage(ctx) {
  const [id] = ctx.params;
  const draft = id ? null : takeDraft();
  fill(ctx.root, loadingState(id ? 'Opening the workflow…' : 'Opening the builder…'));
  Promise.all([
    loadCatalog(),
    id ? api.get(`/workflows/${encodeURIComponent(id)}`) : null,
    // The channel param offers the business's channels; without them it still offers "default".
    api.get('/channels').catch(() => ({ items: [] })),
  ]).then(([catalog, workflow, channels]) => {
    if (!ctx.root.isConnected) return;
    fill(ctx.root);
    createBuilder(ctx, { catalog, workflow, draft, channels: (channels && channels.items) || [] });
  }).catch((e) => {
    if (!ctx.root.isConnected) return;
    fill(ctx.root, pageHeader(id ? 'Workflow' : 'New workflow'),
      e.status === 404
        ? emptyState('This workflow does not exist (or you cannot see it).', h('a', { href: '#/workflows' }, 'All workflows'))
        : errorState(e, () => workflowBuilderPage(ctx)));
  });
}

function createBuilder(ctx, { catalog, workflow, draft, channels }) {
  const root = ctx.root;
  const specs = new Map((catalog.nodes || []).map((s) => [`${s.service}/${s.task}`, s]));
  const triggerSpecs = new Map((catalog.nodes || []).filter((s) => s.kind === 'trigger').map((s) => [s.service, s]));
  const taskCounts = new Map();
  for (const s of catalog.nodes || []) taskCounts.set(s.task, (taskCounts.get(s.task) || 0) + 1);

  let wf = workflow || null; // the server's copy (without unsaved edits)
  const source = wf ? wf.blueprint : (draft && draft.blueprint) || null;
  let nodes = normalizeNodes(source && source.nodes);
  let edges = normalizeEdges(source && source.edges);
  let dirty = !!draft;
  let selected = null; // {type: 'node', id} | {type: 'edge', key}
  let issues = [];
  let run = null; // the run being monitored
  const view = { x: 40, y: 40, zoom: 1 };
  const nodeEls = new Map();

  function normalizeNodes(list) {
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
  function normalizeEdges(list) {
    return (Array.isArray(list) ? list : []).filter(isObject).map((e) => ({
      source: String(e.source || ''), source_port: String(e.source_port || 'out'), target: String(e.target || ''),
    }));
  }

  const specOf = (node) => (node.kind === 'trigger' ? triggerSpecs.get(node.service) : specs.get(`${node.service}/${node.task}`)) || null;
  const nodeById = (nid) => nodes.find((n) => n.id === nid) || null;
  const edgeKey = (e) => `${e.source}\u0001${e.source_port}\u0001${e.target}`;
  const triggerNode = () => nodes.find((n) => n.kind === 'trigger') || null;
  const nodeTitle = (node) => {
    const spec = specOf(node);
    return spec ? spec.title : `${node.service}/${node.task}`;
  };

  /* ---------- graph helpers ---------- */

  function branchPorts(node) {
    const b = node.params && node.params.branches;
    return Array.isArray(b) ? b.map((x) => (x && typeof x.port === 'string' ? x.port.trim() : '')).filter(Boolean) : [];
  }

  /** The output ports a node shows: the spec's (or a router's branches + else), then "error". */
  function portsOf(node) {
    const spec = specOf(node);
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
  function ancestors(nid) {
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

  function reaches(from, to) {
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

  /** Readable unique ids: send_message, send_message_2; the first trigger is "trigger". */
  function newNodeId(spec) {
    let base;
    if (spec.kind === 'trigger') base = 'trigger';
    else if (spec.kind === 'router') base = 'router';
    else base = (taskCounts.get(spec.task) || 0) > 1 ? `${spec.service}_${spec.task}` : spec.task;
    base = base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56) || 'step';
    if (!nodeById(base)) return base;
    for (let i = 2; ; i++) if (!nodeById(`${base}_${i}`)) return `${base}_${i}`;
  }

  /** Output variables of a node for the picker: [{name, description}]. */
  function outputsOf(node) {
    const spec = specOf(node);
    if (!spec) return [];
    if (spec.dynamic_outputs) {
      const values = node.params && node.params.values;
      return isObject(values) ? Object.keys(values).map((k) => ({ name: k, description: 'A value this step sets.' })) : [];
    }
    const v = spec.output_variants;
    if (v && v.param && node.params && typeof node.params[v.param] === 'string' && v.outputs && Array.isArray(v.outputs[node.params[v.param]])) {
      return v.outputs[node.params[v.param]];
    }
    return Array.isArray(spec.outputs) ? spec.outputs : [];
  }

  function variableGroups(node) {
    const groups = [];
    const trig = triggerNode();
    if (trig && trig.id !== node.id) {
      let items = outputsOf(trig).map((o) => ({ path: `trigger.${o.name}`, description: o.description }));
      if (!items.length) {
        const sample = trig.params.sample_payload;
        if (isObject(sample)) {
          items = Object.keys(sample).map((k) => ({ path: `trigger.${k}`, description: `From the sample payload, e.g. ${JSON.stringify(sample[k]).slice(0, 40)}` }));
        }
      }
      groups.push({
        label: `Trigger (${nodeTitle(trig)})`,
        items,
        empty: items.length ? null : 'Give the trigger a sample payload (like {"amount": 1500}) to list its fields here.',
      });
    }
    for (const aid of ancestors(node.id)) {
      const anc = nodeById(aid);
      if (!anc || anc.kind === 'trigger') continue;
      const items = outputsOf(anc).map((o) => ({ path: `steps.${aid}.${o.name}`, description: o.description }));
      if (edges.some((e) => e.source === aid && e.source_port === 'error' && e.target === node.id)) {
        items.push({ path: `steps.${aid}.error`, description: 'Why the step failed.' });
      }
      if (items.length) groups.push({ label: `${nodeTitle(anc)} (${aid})`, items });
    }
    const biz = (catalog.business_variables || []).map((v) => ({ path: `business.${v}`, description: 'From your business profile.' }));
    if (biz.length) groups.push({ label: 'Your business', items: biz });
    return groups;
  }

  /* ---------- page structure ---------- */

  const heading = h('span', { testid: 'wf-heading' });
  const header = pageHeader(heading);
  const crumb = h('p', { class: 'breadcrumb' }, h('a', { href: '#/workflows', testid: 'wf-back' }, '← Workflows'));
  const announce = h('p', { class: 'visually-hidden', 'aria-live': 'polite', testid: 'wf-announce' });

  const nameId = uid('wf-name');
  const nameInput = h('input', {
    type: 'text', id: nameId, testid: 'wf-name', maxlength: 200, autocomplete: 'off', placeholder: 'e.g. Thank big orders',
    value: (wf && wf.name) || (source && source.name) || '',
  });
  const nameError = h('p', { class: 'field-error', testid: 'wf-name-error', id: uid('wf-name-err') });
  nameInput.setAttribute('aria-describedby', nameError.id);
  const versionBadge = badge('', 'neutral', 'wf-version');
  const saveState = h('span', { class: 'wf-save-state', testid: 'wf-save-state', 'aria-live': 'polite' });
  const validStatus = h('span', { class: 'wf-valid', testid: 'wf-valid-status', 'aria-live': 'polite' });
  const saveBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'wf-save' }, 'Save');
  const activeSwitch = switchButton({ label: 'Active', checked: !!(wf && wf.active), testid: 'wf-active' });
  const runBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'wf-run-test' }, 'Run with test data');
  const runsLink = h('a', { class: 'btn btn-ghost', testid: 'wf-runs-link', hidden: true }, 'Runs');

  const toolbar = h('div', { class: 'wf-toolbar', testid: 'wf-toolbar' },
    h('div', { class: 'field wf-name-field' }, h('label', { for: nameId }, 'Name', h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), nameInput, nameError),
    h('div', { class: 'wf-toolbar-status' }, versionBadge, saveState, validStatus),
    h('div', { class: 'wf-toolbar-actions' }, activeSwitch, runBtn, runsLink, saveBtn));

  const webhookBox = h('div', { class: 'wf-webhook', testid: 'wf-webhook', hidden: true });
  const draftBox = h('div', { class: 'alert alert-info wf-draft-info', testid: 'wf-draft-info', role: 'status', hidden: true });
  const banner = h('div', { class: 'alert alert-error wf-banner', testid: 'wf-issues-banner', role: 'alert', hidden: true });
  const monitorBar = h('section', { class: 'wf-monitor', testid: 'wf-monitor', 'aria-label': 'Run monitor', hidden: true });

  /* ----- palette ----- */

  const paletteSearchId = uid('wf-palette-search');
  const paletteSearch = h('input', { type: 'search', id: paletteSearchId, testid: 'wf-palette-search', placeholder: 'Find a step', autocomplete: 'off' });
  const paletteList = h('div', { class: 'wf-palette-groups' });
  const palette = h('aside', { class: 'wf-palette', testid: 'wf-palette', 'aria-label': 'Steps you can add' },
    h('h2', { class: 'wf-side-title' }, 'Add a step'),
    h('div', { class: 'field' }, h('label', { for: paletteSearchId, class: 'visually-hidden' }, 'Find a step'), paletteSearch),
    h('p', { class: 'field-hint' }, 'Click (or press Enter) to add, or drag onto the canvas.'),
    paletteList);

  const groups = Array.isArray(catalog.groups) && catalog.groups.length
    ? catalog.groups
    : Array.from(new Set((catalog.nodes || []).map((s) => s.group)));
  const paletteItems = [];
  for (const g of groups) {
    const items = (catalog.nodes || []).filter((s) => s.group === g);
    if (!items.length) continue;
    const gid = uid('wf-group');
    const buttons = items.map((spec) => {
      const btn = h('button', {
        type: 'button', class: `wf-palette-item wf-kind-${spec.kind}`, testid: 'palette-item',
        dataset: { key: `${spec.service}/${spec.task}`, kind: spec.kind }, title: spec.summary || '',
      }, h('span', { class: 'wf-palette-title' }, spec.title), h('span', { class: 'wf-palette-summary' }, spec.summary || ''));
      btn.addEventListener('click', () => {
        if (suppressPaletteClick) return;
        addNode(spec, null);
      });
      btn.addEventListener('pointerdown', (ev) => startPaletteDrag(ev, spec));
      paletteItems.push({ btn, spec });
      return h('li', {}, btn);
    });
    paletteList.appendChild(h('section', { class: 'wf-palette-group', 'aria-labelledby': gid, dataset: { group: g } },
      h('h3', { class: 'wf-palette-group-title', id: gid }, g),
      h('ul', { class: 'wf-palette-items' }, buttons)));
  }
  paletteSearch.addEventListener('input', () => {
    const q = paletteSearch.value.trim().toLowerCase();
    for (const { btn, spec } of paletteItems) {
      const hay = `${spec.title} ${spec.summary} ${spec.service} ${spec.task} ${spec.group}`.toLowerCase();
      btn.parentElement.hidden = !!q && !hay.includes(q);
    }
    for (const sec of paletteList.children) sec.hidden = !sec.querySelector('li:not([hidden])');
  });

  /* ----- canvas ----- */

  const edgeLayer = svg('g', { class: 'wf-edge-layer' });
  const tempPath = svg('path', { class: 'wf-edge-temp', d: '' });
  const half = SVG_EXTENT / 2;
  const edgeSvg = svg('svg', {
    class: 'wf-edges', width: SVG_EXTENT, height: SVG_EXTENT, viewBox: `${-half} ${-half} ${SVG_EXTENT} ${SVG_EXTENT}`,
    'aria-hidden': 'true', 'data-testid': 'wf-edges',
  });
  edgeSvg.append(edgeLayer, tempPath);
  const nodeLayer = h('div', { class: 'wf-node-layer' });
  const viewport = h('div', { class: 'wf-viewport' }, edgeSvg, nodeLayer);
  const canvasEmpty = h('div', { class: 'wf-canvas-empty', testid: 'wf-canvas-empty' },
    h('p', {}, 'Start with a trigger: drag one from the palette, or click it.'),
    h('p', { class: 'muted' }, 'Then add steps and drag from a step’s port (●) to the next step to connect them.'));
  const zoomOut = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-zoom-out', 'aria-label': 'Zoom out' }, '−');
  const zoomLabel = h('span', { class: 'wf-zoom-label', testid: 'wf-zoom-level', 'aria-live': 'polite' }, '100%');
  const zoomIn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-zoom-in', 'aria-label': 'Zoom in' }, '+');
  const fitBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-fit' }, 'Fit');
  const layoutBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-auto-layout' }, 'Auto-layout');
  const controls = h('div', { class: 'wf-canvas-controls', role: 'toolbar', 'aria-label': 'Canvas' }, layoutBtn, fitBtn, zoomOut, zoomLabel, zoomIn);
  const hintId = uid('wf-canvas-hint');
  const canvas = h('div', {
    class: 'wf-canvas', testid: 'wf-canvas', tabindex: '0', role: 'group', 'aria-label': 'Workflow canvas', 'aria-describedby': hintId,
  }, viewport, canvasEmpty);
  const canvasWrap = h('div', { class: 'wf-canvas-wrap' }, canvas, controls,
    h('p', { class: 'wf-canvas-hint muted', id: hintId },
      'Drag a step to move it, the background to pan, the wheel to zoom. Tab to a step and press Enter to select it; arrows move it, Delete removes it (or a selected connection), Esc clears the selection.'));

  /* ----- config panel ----- */

  const panel = h('aside', { class: 'wf-panel', testid: 'wf-config', 'aria-label': 'Step settings' });

  const layout = h('div', { class: 'wf-builder', testid: 'wf-builder' }, palette, canvasWrap, panel);
  add(root, header, crumb, toolbar, webhookBox, draftBox, banner, monitorBar, layout, announce);

  /* ---------- header, status and webhook ---------- */

  function drawHeader() {
    const name = nameInput.value.trim();
    heading.textContent = name || (wf ? 'Untitled workflow' : 'New workflow');
    ctx.setTitle(name ? `${name} · Workflows` : 'New workflow');
    versionBadge.hidden = !wf;
    versionBadge.textContent = wf ? `Version ${wf.version}` : '';
    saveState.textContent = dirty ? 'Unsaved changes' : (wf ? 'All changes saved' : 'Not saved yet');
    saveState.dataset.state = dirty ? 'dirty' : 'saved';
    activeSwitch.set(!!(wf && wf.active));
    runsLink.hidden = !wf;
    if (wf) runsLink.href = `#/workflows/${encodeURIComponent(wf.id)}/runs`;
    drawWebhook();
  }

  function drawWebhook() {
    const trig = triggerNode();
    if (!trig || trig.service !== 'webhook') {
      webhookBox.hidden = true;
      fill(webhookBox);
      return;
    }
    webhookBox.hidden = false;
    if (wf && wf.webhook_url) {
      fill(webhookBox,
        copyRow('Webhook URL (POST JSON here to start this workflow)', wf.webhook_url, 'wf-webhook-url'),
        wf.active ? null : h('p', { class: 'field-hint' }, 'The URL answers only while the workflow is active.'));
    } else {
      fill(webhookBox, h('p', { class: 'muted' }, 'Save the workflow to get its webhook URL.'));
    }
  }

  function drawDraftInfo() {
    if (!draft) return;
    const todo = Array.isArray(draft.todo) ? draft.todo.filter(Boolean) : [];
    fill(draftBox,
      h('p', { class: 'wf-draft-title' }, h('strong', {}, 'Drafted from: '), `“${draft.prompt || ''}”`,
        draft.source ? h('span', { class: 'muted' }, ` (${draft.source === 'llm' ? 'AI' : 'recipe'})`) : null),
      draft.explanation ? h('p', { testid: 'wf-draft-explanation' }, draft.explanation) : null,
      todo.length ? [h('p', { class: 'wf-draft-todo-title' }, 'Still to do before it can run:'),
        h('ul', { class: 'wf-draft-todo', testid: 'wf-draft-todo' }, todo.map((t) => h('li', {}, t)))] : null,
      h('p', { class: 'field-hint' }, 'Nothing is saved until you press Save.'));
    draftBox.hidden = false;
  }

  function setValidity(state, text) {
    validStatus.dataset.state = state; // idle | checking | ok | problems | error
    validStatus.textContent = text;
  }

  /* ---------- nodes on the canvas ---------- */

  function issuesFor(nid) {
    return issues.filter((i) => i.node_id === nid);
  }

  function stepFor(nid) {
    if (!run || !Array.isArray(run.steps)) return null;
    let found = null;
    for (const s of run.steps) if (s.node_id === nid) found = s; // the latest row wins
    return found;
  }

  function nodeContent(node) {
    const spec = specOf(node);
    const ports = portsOf(node);
    const count = issuesFor(node.id).length;
    const step = run ? stepFor(node.id) : null;
    const status = run ? (step ? step.status : 'pending') : null;
    return [
      node.kind !== 'trigger' ? h('span', { class: 'wf-port-in', testid: 'wf-port-in', title: 'Input: drop a connection here' }) : null,
      h('div', { class: 'wf-node-head' },
        h('span', { class: 'wf-node-group' }, spec ? spec.group : 'Unknown step'),
        h('span', { class: 'wf-node-title', testid: 'wf-node-title' }, nodeTitle(node)),
        h('code', { class: 'wf-node-id', testid: 'wf-node-id' }, node.id)),
      count ? h('span', {
        class: 'wf-node-issues', testid: 'wf-node-issues', title: issuesFor(node.id).map((i) => i.message).join('\n'),
      }, `${count} problem${count === 1 ? '' : 's'}`) : null,
      status ? h('span', { class: 'wf-node-status', testid: 'wf-node-status' }, runStatusLabel(status)) : null,
      h('ul', { class: 'wf-node-ports' }, ports.map((p) => h('li', { class: `wf-port-row${p === 'error' ? ' wf-port-row-error' : ''}`, dataset: { port: p } },
        h('span', { class: 'wf-port-label' }, p),
        h('span', { class: 'wf-port-out', testid: 'wf-port-out', dataset: { port: p }, title: `Drag from “${p}” to the next step` })))),
    ];
  }

  function runStatusLabel(status) {
    return { pending: 'Pending', queued: 'Queued', running: 'Running', waiting: 'Waiting', succeeded: 'Succeeded', failed: 'Failed', skipped: 'Skipped', cancelled: 'Cancelled' }[status] || status;
  }

  function ensureNodeEl(node) {
    let el = nodeEls.get(node.id);
    if (!el) {
      el = h('div', { class: 'wf-node', tabindex: '0', role: 'button', testid: 'wf-node' });
      el.addEventListener('keydown', (ev) => {
        if (ev.target !== el) return;
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          select({ type: 'node', id: el.dataset.nodeId });
        }
      });
      el.addEventListener('focus', () => {
        if (!dragging) revealNode(el.dataset.nodeId);
      });
      nodeLayer.appendChild(el);
      nodeEls.set(node.id, el);
    }
    return el;
  }

  function renderNode(node) {
    const el = ensureNodeEl(node);
    const step = run ? stepFor(node.id) : null;
    el.className = `wf-node wf-kind-${node.kind || 'unknown'}${isSelectedNode(node.id) ? ' is-selected' : ''}${issuesFor(node.id).length ? ' has-issues' : ''}`;
    el.dataset.nodeId = node.id;
    el.dataset.kind = node.kind;
    if (run) el.dataset.stepStatus = step ? step.status : 'pending';
    else delete el.dataset.stepStatus;
    el.setAttribute('aria-pressed', isSelectedNode(node.id) ? 'true' : 'false');
    const parts = [nodeTitle(node), node.id];
    if (run) parts.push(runStatusLabel(step ? step.status : 'pending'));
    const n = issuesFor(node.id).length;
    if (n) parts.push(`${n} problem${n === 1 ? '' : 's'}`);
    el.setAttribute('aria-label', parts.join(', '));
    fill(el, nodeContent(node));
    placeNode(node);
  }

  function placeNode(node) {
    const el = nodeEls.get(node.id);
    if (!el) return;
    el.style.left = `${node.position.x}px`;
    el.style.top = `${node.position.y}px`;
  }

  function renderAllNodes() {
    for (const [nid, el] of nodeEls) {
      if (!nodeById(nid)) {
        el.remove();
        nodeEls.delete(nid);
      }
    }
    nodes.forEach(renderNode);
    // Tab order follows the list of steps.
    nodes.forEach((n) => nodeLayer.appendChild(nodeEls.get(n.id)));
    canvasEmpty.hidden = nodes.length > 0;
    drawEdges();
  }

  /* ---------- connections ---------- */

  function portPoint(nid, port) {
    const node = nodeById(nid);
    const el = nodeEls.get(nid);
    if (!node || !el) return null;
    const row = el.querySelector(`.wf-port-row[data-port="${CSS.escape(port)}"]`);
    const w = el.offsetWidth || NODE_W;
    if (!row) return { x: node.position.x + w, y: node.position.y + IN_PORT_Y };
    // offsetTop counts from inside the node's border.
    return { x: node.position.x + w, y: node.position.y + el.clientTop + row.offsetTop + row.offsetHeight / 2 };
  }

  function inPoint(nid) {
    const node = nodeById(nid);
    return node ? { x: node.position.x, y: node.position.y + IN_PORT_Y } : null;
  }

  function curve(a, b) {
    const dx = Math.max(48, Math.abs(b.x - a.x) / 2);
    return `M ${a.x} ${a.y} C ${a.x + dx} ${a.y}, ${b.x - dx} ${b.y}, ${b.x} ${b.y}`;
  }

  function edgeTaken(e) {
    if (!run) return false;
    const step = stepFor(e.source);
    if (!step || (step.status !== 'succeeded' && step.status !== 'failed')) return false;
    if (step.port) return step.port === e.source_port;
    return e.source_port === (step.status === 'failed' ? 'error' : 'out');
  }

  function drawEdges() {
    const list = [];
    for (const e of edges) {
      const a = portPoint(e.source, e.source_port);
      const b = inPoint(e.target);
      if (!a || !b) continue;
      const key = edgeKey(e);
      const d = curve(a, b);
      const g = svg('g', {
        class: `wf-edge${selected && selected.type === 'edge' && selected.key === key ? ' is-selected' : ''}${e.source_port === 'error' ? ' wf-edge-error' : ''}${edgeTaken(e) ? ' is-taken' : ''}`,
        'data-testid': 'wf-edge', 'data-source': e.source, 'data-port': e.source_port, 'data-target': e.target, 'data-key': key,
      });
      const title = svg('title');
      title.textContent = `${e.source} (${e.source_port}) → ${e.target}`;
      g.append(title, svg('path', { class: 'wf-edge-hit', d }), svg('path', { class: 'wf-edge-line', d }));
      list.push(g);
    }
    edgeLayer.replaceChildren(...list);
  }

  function connect(sourceId, port, targetId, { selectEdge = true } = {}) {
    const target = nodeById(targetId);
    if (!target || sourceId === targetId) return false;
    if (target.kind === 'trigger') {
      toast('Nothing can connect into the trigger: it is where the workflow starts.', 'error');
      return false;
    }
    const edge = { source: sourceId, source_port: port, target: targetId };
    const key = edgeKey(edge);
    if (edges.some((e) => edgeKey(e) === key)) {
      if (selectEdge) select({ type: 'edge', key });
      return false;
    }
    if (reaches(targetId, sourceId)) {
      toast('That connection would make a loop. Workflows can’t loop — use a schedule to repeat.', 'error');
      return false;
    }
    edges.push(edge);
    say(`Connected ${sourceId} (${port}) to ${targetId}.`);
    changed();
    if (selectEdge) select({ type: 'edge', key });
    return true;
  }

  function removeEdge(key) {
    const before = edges.length;
    edges = edges.filter((e) => edgeKey(e) !== key);
    if (edges.length === before) return;
    if (selected && selected.type === 'edge' && selected.key === key) selected = null;
    say('Connection removed.');
    changed();
    renderPanel();
  }

  /* ---------- adding, removing, moving ---------- */

  /** Where a clicked palette step goes: right of the selected step, else below it, else mid-screen; never on top of another. */
  function freeSpot() {
    const r = canvas.getBoundingClientRect();
    const onScreen = (x, y) => {
      const sx = x * view.zoom + view.x;
      const sy = y * view.zoom + view.y;
      return sx >= 0 && sy >= 0 && sx + NODE_W * view.zoom <= r.width && sy + 90 * view.zoom <= r.height;
    };
    const free = (x, y) => !nodes.some((n) => Math.abs(n.position.x - x) < NODE_W * 0.75 && Math.abs(n.position.y - y) < 64);
    const centre = {
      x: (r.width / 2 - view.x) / view.zoom - NODE_W / 2,
      y: (Math.min(r.height, 400) / 3 - view.y) / view.zoom,
    };
    const candidates = [];
    const sel = selected && selected.type === 'node' ? nodeById(selected.id) : null;
    if (sel) {
      const el = nodeEls.get(sel.id);
      candidates.push({ x: sel.position.x + NODE_W + COL_GAP, y: sel.position.y });
      candidates.push({ x: sel.position.x, y: sel.position.y + ((el && el.offsetHeight) || 90) + ROW_GAP });
    }
    candidates.push(centre);
    let spot = candidates.find((c) => onScreen(c.x, c.y) && free(c.x, c.y)) || candidates.find((c) => onScreen(c.x, c.y)) || candidates[0];
    spot = { ...spot };
    for (let i = 0; i < 60 && !free(spot.x, spot.y); i++) spot.y += 80;
    return { x: Math.round(spot.x), y: Math.round(spot.y) };
  }

  function defaultParams(spec) {
    if (spec.kind === 'router') return { branches: [{ port: 'yes', when: { left: '', op: '==', right: '' } }] };
    return {};
  }

  function addNode(spec, at) {
    const node = {
      id: newNodeId(spec),
      kind: spec.kind,
      service: spec.service,
      task: spec.task,
      params: defaultParams(spec),
      position: at ? { x: Math.round(at.x), y: Math.round(at.y) } : freeSpot(),
    };
    nodes.push(node);
    renderNode(node);
    canvasEmpty.hidden = true;
    select({ type: 'node', id: node.id });
    revealNode(node.id);
    say(`Added ${spec.title} as ${node.id}.`);
    changed();
    return node;
  }

  function removeNode(nid) {
    const node = nodeById(nid);
    if (!node) return;
    nodes = nodes.filter((n) => n.id !== nid);
    edges = edges.filter((e) => e.source !== nid && e.target !== nid);
    const el = nodeEls.get(nid);
    if (el) el.remove();
    nodeEls.delete(nid);
    if (selected && selected.type === 'node' && selected.id === nid) selected = null;
    canvasEmpty.hidden = nodes.length > 0;
    say(`Removed ${nid}.`);
    changed();
    renderPanel();
    canvas.focus({ preventScroll: true });
  }

  function moveNode(nid, dx, dy) {
    const node = nodeById(nid);
    if (!node) return;
    node.position = { x: Math.round(node.position.x + dx), y: Math.round(node.position.y + dy) };
    placeNode(node);
    drawEdges();
    revealNode(nid);
    markDirty();
  }

  /* ---------- selection ---------- */

  const isSelectedNode = (nid) => !!selected && selected.type === 'node' && selected.id === nid;

  function select(next) {
    const prev = selected;
    selected = next;
    for (const n of nodes) {
      const el = nodeEls.get(n.id);
      if (!el) continue;
      const on = isSelectedNode(n.id);
      el.classList.toggle('is-selected', on);
      el.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    drawEdges();
    const same = !!prev && !!next && prev.type === next.type
      && ((prev.type === 'node' && prev.id === next.id) || (prev.type === 'edge' && prev.key === next.key));
    if (!same) renderPanel();
  }

  /* ---------- view: pan and zoom ---------- */

  function applyView() {
    viewport.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`;
    zoomLabel.textContent = `${Math.round(view.zoom * 100)}%`;
  }

  function zoomAt(z, px, py) {
    const next = clamp(z, MIN_ZOOM, MAX_ZOOM);
    const k = next / view.zoom;
    view.x = px - (px - view.x) * k;
    view.y = py - (py - view.y) * k;
    view.zoom = next;
    applyView();
  }

  function zoomCentre(factor) {
    const r = canvas.getBoundingClientRect();
    zoomAt(view.zoom * factor, r.width / 2, r.height / 2);
  }

  function bounds() {
    if (!nodes.length) return null;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const n of nodes) {
      const el = nodeEls.get(n.id);
      x0 = Math.min(x0, n.position.x);
      y0 = Math.min(y0, n.position.y);
      x1 = Math.max(x1, n.position.x + ((el && el.offsetWidth) || NODE_W));
      y1 = Math.max(y1, n.position.y + ((el && el.offsetHeight) || 80));
    }
    return { x0, y0, x1, y1 };
  }

  function fitView() {
    const b = bounds();
    const r = canvas.getBoundingClientRect();
    if (!b || !r.width || !r.height) {
      view.x = 40;
      view.y = 40;
      view.zoom = 1;
      applyView();
      return;
    }
    const pad = 40;
    const z = clamp(Math.min((r.width - pad * 2) / (b.x1 - b.x0), (r.height - pad * 2) / (b.y1 - b.y0), 1), MIN_ZOOM, MAX_ZOOM);
    view.zoom = z;
    view.x = (r.width - (b.x1 - b.x0) * z) / 2 - b.x0 * z;
    view.y = Math.max(pad, (r.height - (b.y1 - b.y0) * z) / 2) - b.y0 * z;
    applyView();
  }

  /** Pans just enough for a node to be fully on screen. */
  function revealNode(nid) {
    const node = nodeById(nid);
    const el = nodeEls.get(nid);
    if (!node || !el) return;
    const r = canvas.getBoundingClientRect();
    if (!r.width) return;
    const pad = 16;
    const left = node.position.x * view.zoom + view.x;
    const top = node.position.y * view.zoom + view.y;
    const right = left + el.offsetWidth * view.zoom;
    const bottom = top + el.offsetHeight * view.zoom;
    let dx = 0;
    let dy = 0;
    if (right > r.width - pad) dx = r.width - pad - right;
    if (left + dx < pad) dx = pad - left;
    if (bottom > r.height - pad) dy = r.height - pad - bottom;
    if (top + dy < pad) dy = pad - top;
    if (dx || dy) {
      view.x += dx;
      view.y += dy;
      applyView();
    }
  }

  const toCanvas = (clientX, clientY) => {
    const r = canvas.getBoundingClientRect();
    return { x: (clientX - r.left - view.x) / view.zoom, y: (clientY - r.top - view.y) / view.zoom };
  };

  zoomIn.addEventListener('click', () => zoomCentre(1.2));
  zoomOut.addEventListener('click', () => zoomCentre(1 / 1.2));
  fitBtn.addEventListener('click', fitView);
  layoutBtn.addEventListener('click', () => {
    if (!nodes.length) {
      toast('Add some steps first.', 'info');
      return;
    }
    autoLayout();
    markDirty();
    say('Steps arranged from left to right.');
  });

  canvas.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = canvas.getBoundingClientRect();
    const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
    zoomAt(view.zoom * Math.exp(-delta * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });

  /* ---------- pointer gestures on the canvas ---------- */

  let drag = null;
  let dragging = false;

  canvas.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || drag) return;
    const t = ev.target;
    const portEl = t.closest('.wf-port-out');
    const nodeEl = t.closest('.wf-node');
    const edgeEl = t.closest('.wf-edge');
    if (portEl && nodeEl) {
      ev.preventDefault();
      drag = { type: 'connect', source: nodeEl.dataset.nodeId, port: portEl.dataset.port, over: null };
      canvas.classList.add('is-connecting');
      drawTemp(ev);
    } else if (nodeEl) {
      ev.preventDefault();
      const node = nodeById(nodeEl.dataset.nodeId);
      if (!node) return;
      drag = { type: 'node', id: node.id, x: ev.clientX, y: ev.clientY, orig: { ...node.position }, moved: false };
      if (!isSelectedNode(node.id)) select({ type: 'node', id: node.id });
      dragging = true;
      nodeEl.focus({ preventScroll: true });
      dragging = false;
    } else if (edgeEl) {
      ev.preventDefault();
      select({ type: 'edge', key: edgeEl.getAttribute('data-key') });
      canvas.focus({ preventScroll: true });
      return;
    } else {
      ev.preventDefault();
      drag = { type: 'pan', x: ev.clientX, y: ev.clientY, orig: { x: view.x, y: view.y }, moved: false };
      canvas.focus({ preventScroll: true });
      canvas.classList.add('is-panning');
    }
    drag.pointerId = ev.pointerId;
    try {
      canvas.setPointerCapture(ev.pointerId);
    } catch {
      // a synthetic pointer cannot be captured; moves still arrive while over the canvas
    }
  });

  function drawTemp(ev) {
    const a = portPoint(drag.source, drag.port);
    const b = toCanvas(ev.clientX, ev.clientY);
    if (a) tempPath.setAttribute('d', curve(a, b));
    const over = document.elementFromPoint(ev.clientX, ev.clientY);
    const target = over && over.closest ? over.closest('.wf-node') : null;
    const tid = target && target.dataset.nodeId !== drag.source ? target.dataset.nodeId : null;
    if (tid !== drag.over) {
      if (drag.over && nodeEls.get(drag.over)) nodeEls.get(drag.over).classList.remove('is-drop-target');
      drag.over = tid;
      if (tid && nodeEls.get(tid) && nodeById(tid) && nodeById(tid).kind !== 'trigger') nodeEls.get(tid).classList.add('is-drop-target');
    }
  }

  canvas.addEventListener('pointermove', (ev) => {
    if (!drag || ev.pointerId !== drag.pointerId) return;
    if (drag.type === 'connect') {
      drawTemp(ev);
      return;
    }
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
    drag.moved = true;
    if (drag.type === 'node') {
      const node = nodeById(drag.id);
      if (!node) return;
      node.position = { x: Math.round(drag.orig.x + dx / view.zoom), y: Math.round(drag.orig.y + dy / view.zoom) };
      placeNode(node);
      drawEdges();
    } else if (drag.type === 'pan') {
      view.x = drag.orig.x + dx;
      view.y = drag.orig.y + dy;
      applyView();
    }
  });

  function endDrag(ev, cancelled) {
    if (!drag || ev.pointerId !== drag.pointerId) return;
    const d = drag;
    drag = null;
    canvas.classList.remove('is-connecting', 'is-panning');
    try {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
    } catch {
      // already released
    }
    if (d.type === 'connect') {
      tempPath.setAttribute('d', '');
      if (d.over && nodeEls.get(d.over)) nodeEls.get(d.over).classList.remove('is-drop-target');
      if (cancelled) return;
      const over = document.elementFromPoint(ev.clientX, ev.clientY);
      const target = over && over.closest ? over.closest('.wf-node') : null;
      if (target && target.dataset.nodeId !== d.source) connect(d.source, d.port, target.dataset.nodeId);
    } else if (d.type === 'node') {
      if (d.moved && !cancelled) markDirty();
    } else if (d.type === 'pan') {
      if (!d.moved && !cancelled) select(null);
    }
  }
  canvas.addEventListener('pointerup', (ev) => endDrag(ev, false));
  canvas.addEventListener('pointercancel', (ev) => endDrag(ev, true));

  /* ---------- dragging from the palette ---------- */

  let paletteDrag = null;
  let suppressPaletteClick = false;

  function startPaletteDrag(ev, spec) {
    if (ev.button !== 0 || ev.pointerType === 'touch') return; // touch: a tap adds the step
    paletteDrag = { spec, x: ev.clientX, y: ev.clientY, ghost: null, pointerId: ev.pointerId };
    window.addEventListener('pointermove', onPaletteMove);
    window.addEventListener('pointerup', onPaletteUp);
    window.addEventListener('pointercancel', onPaletteCancel);
  }

  function overCanvas(clientX, clientY) {
    const el = document.elementFromPoint(clientX, clientY);
    return !!el && (el === canvas || canvas.contains(el));
  }

  function onPaletteMove(ev) {
    const d = paletteDrag;
    if (!d || ev.pointerId !== d.pointerId) return;
    if (!d.ghost) {
      if (Math.hypot(ev.clientX - d.x, ev.clientY - d.y) < DRAG_THRESHOLD) return;
      d.ghost = h('div', { class: `wf-ghost wf-kind-${d.spec.kind}`, 'aria-hidden': 'true' }, d.spec.title);
      document.body.appendChild(d.ghost);
      document.body.classList.add('wf-dragging');
    }
    ev.preventDefault();
    d.ghost.style.left = `${ev.clientX + 8}px`;
    d.ghost.style.top = `${ev.clientY + 8}px`;
    canvas.classList.toggle('is-drop-target', overCanvas(ev.clientX, ev.clientY));
  }

  function endPaletteDrag() {
    window.removeEventListener('pointermove', onPaletteMove);
    window.removeEventListener('pointerup', onPaletteUp);
    window.removeEventListener('pointercancel', onPaletteCancel);
    if (paletteDrag && paletteDrag.ghost) paletteDrag.ghost.remove();
    document.body.classList.remove('wf-dragging');
    canvas.classList.remove('is-drop-target');
    paletteDrag = null;
  }

  function onPaletteUp(ev) {
    const d = paletteDrag;
    if (!d || ev.pointerId !== d.pointerId) return;
    const dropped = d.ghost && overCanvas(ev.clientX, ev.clientY);
    const wasDrag = !!d.ghost;
    endPaletteDrag();
    if (wasDrag) {
      // The click that may follow the drag must not add a second step.
      suppressPaletteClick = true;
      setTimeout(() => {
        suppressPaletteClick = false;
      }, 0);
    }
    if (dropped) {
      const p = toCanvas(ev.clientX, ev.clientY);
      addNode(d.spec, { x: p.x - NODE_W / 2, y: p.y - IN_PORT_Y });
      canvas.focus({ preventScroll: true });
    }
  }

  function onPaletteCancel(ev) {
    if (paletteDrag && ev.pointerId === paletteDrag.pointerId) endPaletteDrag();
  }

  /* ---------- keyboard ---------- */

  layout.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || isEditable(ev.target) || document.querySelector('dialog[open]')) return;
    const inCanvas = canvas.contains(ev.target);
    if (ev.key === 'Delete' || ev.key === 'Backspace') {
      if (!selected || !inCanvas) return;
      ev.preventDefault();
      if (selected.type === 'node') removeNode(selected.id);
      else removeEdge(selected.key);
    } else if (ev.key === 'Escape') {
      if (!selected) return;
      ev.preventDefault();
      const was = selected;
      select(null);
      if (was.type === 'node' && nodeEls.get(was.id)) nodeEls.get(was.id).focus({ preventScroll: true });
    } else if (inCanvas && selected && selected.type === 'node' && ev.key.startsWith('Arrow')) {
      ev.preventDefault();
      const step = ev.shiftKey ? 50 : 10;
      const dx = ev.key === 'ArrowLeft' ? -step : ev.key === 'ArrowRight' ? step : 0;
      const dy = ev.key === 'ArrowUp' ? -step : ev.key === 'ArrowDown' ? step : 0;
      moveNode(selected.id, dx, dy);
    } else if (inCanvas && (ev.key === '+' || ev.key === '=')) {
      ev.preventDefault();
      zoomCentre(1.2);
    } else if (inCanvas && ev.key === '-') {
      ev.preventDefault();
      zoomCentre(1 / 1.2);
    }
  });

  /* ---------- auto-layout ---------- */

  /** Layers left to right by the longest path from the trigger; branches keep their port order. */
  function autoLayout() {
    const ids = nodes.map((n) => n.id);
    const idSet = new Set(ids);
    const valid = edges.filter((e) => idSet.has(e.source) && idSet.has(e.target) && e.source !== e.target);
    const indeg = new Map(ids.map((i) => [i, 0]));
    for (const e of valid) indeg.set(e.target, indeg.get(e.target) + 1);
    const layer = new Map(ids.map((i) => [i, 0]));
    const trig = triggerNode();
    const queue = ids.filter((i) => indeg.get(i) === 0).sort((a, b) => (a === (trig && trig.id) ? -1 : b === (trig && trig.id) ? 1 : 0));
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
        col.sort((a, b) => (a === (trig && trig.id) ? -1 : b === (trig && trig.id) ? 1 : nodeById(a).position.y - nodeById(b).position.y));
      } else {
        const key = (nid) => {
          const ins = valid.filter((e) => e.target === nid && rank.has(e.source));
          if (!ins.length) return Number.MAX_SAFE_INTEGER;
          const src = ins.map((e) => rank.get(e.source) * 100 + Math.max(0, portsOf(nodeById(e.source)).indexOf(e.source_port)));
          return src.reduce((s, v) => s + v, 0) / src.length;
        };
        const keys = new Map(col.map((nid) => [nid, key(nid)]));
        col.sort((a, b) => keys.get(a) - keys.get(b) || nodeById(a).position.y - nodeById(b).position.y);
      }
      col.forEach((nid, i) => rank.set(nid, i));
    });
    const heights = columns.map((col) => (col || []).reduce((s, nid) => s + ((nodeEls.get(nid) && nodeEls.get(nid).offsetHeight) || 90) + ROW_GAP, -ROW_GAP));
    const tallest = Math.max(0, ...heights);
    columns.forEach((col, l) => {
      if (!col) return;
      let y = 40 + Math.round((tallest - heights[l]) / 2);
      for (const nid of col) {
        const node = nodeById(nid);
        node.position = { x: 40 + l * (NODE_W + COL_GAP), y };
        placeNode(node);
        y += ((nodeEls.get(nid) && nodeEls.get(nid).offsetHeight) || 90) + ROW_GAP;
      }
    });
    drawEdges();
    fitView();
  }

  /* ---------- config panel ---------- */

  let lastTextField = null; // where the variable picker inserts
  panel.addEventListener('focusin', (ev) => {
    const t = ev.target;
    if ((t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && (t.type === 'text' || t.type === 'search'))) && t.dataset.vars === '1') lastTextField = t;
  });

  function renderPanel() {
    // A field being edited applies its value (JSON fields do so on blur) before it is replaced.
    const active = document.activeElement;
    if (active && panel.contains(active) && typeof active.blur === 'function') active.blur();
    lastTextField = null;
    if (!selected) {
      fill(panel, panelIntro());
      return;
    }
    if (selected.type === 'edge') {
      const e = edges.find((x) => edgeKey(x) === selected.key);
      if (!e) {
        selected = null;
        fill(panel, panelIntro());
        return;
      }
      const del = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'wf-delete-edge' }, 'Delete connection');
      del.addEventListener('click', () => removeEdge(selected.key));
      fill(panel,
        h('h2', { class: 'wf-side-title' }, 'Connection'),
        h('p', {}, h('code', {}, e.source), ' → ', h('code', {}, e.target)),
        h('p', { class: 'muted' }, `Taken when “${e.source}” leaves by its “${e.source_port}” port.`),
        del,
        h('p', { class: 'field-hint' }, 'Or press Delete.'));
      return;
    }
    const node = nodeById(selected.id);
    if (!node) {
      selected = null;
      fill(panel, panelIntro());
      return;
    }
    fill(panel, nodePanel(node));
    drawPanelIssues();
    if (run) drawStepDetail();
  }

  function panelIntro() {
    const trig = triggerNode();
    return h('div', { class: 'wf-panel-intro', testid: 'wf-panel-intro' },
      h('h2', { class: 'wf-side-title' }, 'Settings'),
      h('p', { class: 'muted' }, nodes.length ? 'Select a step on the canvas to change its settings.' : 'Add a trigger to start.'),
      trig ? null : h('p', { class: 'field-hint' }, 'Every workflow starts with exactly one trigger (Triggers in the palette).'),
      run ? h('p', { class: 'field-hint' }, 'While a run is shown, select a step to see what went in and came out.') : null);
  }

  function nodePanel(node) {
    const spec = specOf(node);
    const del = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'wf-delete-node' }, 'Delete step');
    del.addEventListener('click', () => removeNode(node.id));
    const form = h('form', { class: 'stack wf-params', novalidate: true, testid: 'wf-params', autocomplete: 'off' });
    form.addEventListener('submit', (ev) => ev.preventDefault());
    if (spec) {
      for (const p of spec.params || []) form.appendChild(paramField(node, p));
      if (!(spec.params || []).length) form.appendChild(h('p', { class: 'muted' }, 'This step has no settings.'));
    } else {
      form.appendChild(h('p', { class: 'alert alert-warn' }, `“${node.service}/${node.task}” is not in the catalog. Its settings are shown as JSON.`));
      form.appendChild(rawParamsField(node));
    }
    return [
      h('div', { class: 'wf-panel-head' },
        h('h2', { class: 'wf-side-title', testid: 'wf-config-title' }, nodeTitle(node)),
        h('p', { class: 'wf-panel-sub' }, h('code', { testid: 'wf-config-id' }, node.id), ' · ', spec ? spec.group : node.service),
        spec && spec.summary ? h('p', { class: 'muted wf-panel-summary' }, spec.summary) : null),
      run ? h('section', { class: 'wf-step-detail', testid: 'wf-step-detail', 'aria-label': 'This step in the run' }) : null,
      h('div', { class: 'wf-panel-issues', testid: 'wf-node-issue-list', role: 'status', hidden: true }),
      form,
      node.kind !== 'trigger' ? variablePicker(node) : h('p', { class: 'field-hint' }, 'Trigger settings are read before a run exists, so they can’t use {{variables}}.'),
      connectionsSection(node),
      h('div', { class: 'wf-panel-foot' }, del),
    ];
  }

  function drawPanelIssues() {
    if (!selected || selected.type !== 'node') return;
    const box = panel.querySelector('.wf-panel-issues');
    if (!box) return;
    const mine = issuesFor(selected.id);
    box.hidden = !mine.length;
    fill(box, mine.length ? [h('p', { class: 'wf-panel-issues-title' }, `${mine.length} problem${mine.length === 1 ? '' : 's'} in this step`),
      h('ul', {}, mine.map((i) => h('li', { testid: 'wf-node-issue' }, i.message)))] : null);
    // Messages also go next to the field they are about.
    const slots = Array.from(panel.querySelectorAll('.field-error[data-error-for^="params."]'));
    for (const s of slots) {
      s.textContent = '';
      const c = s.parentElement && s.parentElement.querySelector('input, select, textarea');
      if (c && !c.dataset.jsonError) c.removeAttribute('aria-invalid');
    }
    for (const i of mine) {
      if (!i.field) continue;
      const slot = slots.find((s) => {
        const name = s.dataset.errorFor;
        return i.field === name || i.field.startsWith(`${name}.`) || i.field.startsWith(`${name}[`);
      });
      if (!slot) continue;
      slot.textContent = slot.textContent ? `${slot.textContent} ${i.message}` : i.message;
      const c = slot.parentElement && slot.parentElement.querySelector('input, select, textarea');
      if (c) c.setAttribute('aria-invalid', 'true');
    }
  }

  /* ----- param fields ----- */

  function setParam(node, name, value) {
    if (value === undefined) delete node.params[name];
    else node.params[name] = value;
    changed({ panel: false });
  }

  function paramField(node, p) {
    const name = `params.${p.name}`;
    const label = humanize(p.name);
    const value = node.params[p.name];
    const testid = `param-${p.name}`;
    const hint = [p.description, p.default !== undefined && p.default !== null && p.type !== 'boolean' ? `Default: ${typeof p.default === 'string' ? p.default : JSON.stringify(p.default)}.` : null]
      .filter(Boolean).join(' ');

    if (node.kind === 'router' && p.name === 'branches') return branchEditor(node, p);

    switch (p.type) {
      case 'boolean': {
        const on = typeof value === 'boolean' ? value : !!p.default;
        const f = field({ label, name, type: 'checkbox', value: on, testid, hint: p.description || null });
        f.control.addEventListener('change', () => setParam(node, p.name, f.control.checked));
        return f;
      }
      case 'enum': {
        const first = p.default !== undefined && p.default !== null ? `Default (${p.default})` : (p.required ? 'Choose…' : '—');
        const opts = [{ value: '', label: first }].concat((p.options || []).map((o) => ({ value: o, label: o })));
        if (typeof value === 'string' && value && !(p.options || []).includes(value)) opts.push({ value, label: value });
        const f = field({ label, name, type: 'select', options: opts, value: typeof value === 'string' ? value : '', required: !!p.required, testid, hint: p.description || null });
        f.control.addEventListener('change', () => {
          setParam(node, p.name, f.control.value || undefined);
          // The ledger trigger's outputs depend on its event: other steps' variables follow.
          if (node.kind === 'trigger') renderNode(node);
        });
        return f;
      }
      case 'channel': {
        const opts = [{ value: '', label: 'Default channel' }].concat(channels.map((c) => ({ value: c.id, label: `${c.name} (${c.kind})` })));
        if (typeof value === 'string' && value && !channels.some((c) => c.id === value)) opts.push({ value, label: `Unknown channel (${value})` });
        const f = field({ label, name, type: 'select', options: opts, value: typeof value === 'string' ? value : '', required: !!p.required, testid, hint: p.description || null });
        f.control.addEventListener('change', () => setParam(node, p.name, f.control.value || undefined));
        return f;
      }
      case 'secret': {
        const stored = value === SECRET_MASK;
        const f = field({
          label, name, type: 'password', value: stored ? '' : (typeof value === 'string' ? value : ''), required: !!p.required, testid,
          hint: stored ? `${p.description || ''} A secret is stored; it is never shown. Type a new one to replace it.`.trim() : (p.description || null),
          attrs: { autocomplete: 'new-password', spellcheck: 'false', placeholder: stored ? 'Stored (hidden)' : '' },
        });
        const original = value;
        f.control.addEventListener('input', () => {
          const v = f.control.value;
          setParam(node, p.name, v ? v : original);
        });
        if (stored) {
          const clear = h('button', { type: 'button', class: 'btn btn-ghost btn-small wf-secret-clear', testid: `${testid}-clear` }, 'Remove the stored secret');
          clear.addEventListener('click', () => {
            f.control.value = '';
            setParam(node, p.name, '');
            clear.replaceWith(h('p', { class: 'field-hint' }, 'The secret is removed when you save.'));
          });
          f.appendChild(clear);
        }
        return f;
      }
      default:
        break;
    }

    if (JSON_TYPES.has(p.type)) return jsonField(node, p, { label, name, testid, hint });

    const multiline = p.type === 'text';
    const shown = value === undefined || value === null ? '' : (typeof value === 'string' ? value : JSON.stringify(value));
    const placeholder = p.placeholder || (p.type === 'duration' ? 'e.g. 90s, 10m, 2h, 1d' : p.type === 'datetime' ? 'e.g. 2025-01-31T10:00:00+05:30' : '');
    const f = field({
      label, name, type: multiline ? 'textarea' : 'text', value: shown, required: !!p.required, testid, hint: hint || null,
      attrs: {
        placeholder: placeholder || null, spellcheck: multiline ? 'true' : 'false', rows: multiline ? 3 : null,
        inputmode: (p.type === 'integer' || p.type === 'number') ? 'decimal' : null,
      },
    });
    f.control.dataset.vars = '1';
    f.control.addEventListener('input', () => {
      const raw = f.control.value;
      if (raw.trim() === '') {
        setParam(node, p.name, undefined);
        return;
      }
      if ((p.type === 'integer' || p.type === 'number') && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) {
        setParam(node, p.name, Number(raw));
        return;
      }
      setParam(node, p.name, raw);
    });
    return f;
  }

  function jsonField(node, p, { label, name, testid, hint }) {
    const value = node.params[p.name];
    // A single {{placeholder}} is shown as typed; anything else as JSON (so text stays quoted).
    const shown = value === undefined ? '' : (isPlaceholder(value) ? value : JSON.stringify(value, null, 2));
    const example = p.placeholder || (p.type === 'array' ? '["a", "b"]' : '{"key": "value"}');
    const f = field({
      label, name, type: 'textarea', value: shown, required: !!p.required, testid, hint: `${hint ? `${hint} ` : ''}JSON.`,
      attrs: { rows: Math.min(8, Math.max(2, shown.split('\n').length)), spellcheck: 'false', placeholder: example, class: 'wf-code' },
    });
    const err = h('p', { class: 'field-error', testid: `${testid}-json-error`, role: 'alert' });
    f.appendChild(err);
    f.control.dataset.vars = '1';
    const apply = () => {
      const raw = f.control.value;
      err.textContent = '';
      delete f.control.dataset.jsonError;
      f.control.removeAttribute('aria-invalid');
      if (raw.trim() === '') {
        setParam(node, p.name, undefined);
        return;
      }
      if (isPlaceholder(raw)) {
        setParam(node, p.name, raw.trim());
        return;
      }
      let parsed;
      try {
        parsed = JSON.parse(raw);
      } catch (e) {
        err.textContent = `Not valid JSON: ${e.message.replace(/^JSON\.parse: /, '')}. The last valid value is kept.`;
        f.control.dataset.jsonError = '1';
        f.control.setAttribute('aria-invalid', 'true');
        return;
      }
      if ((p.type === 'object' || p.type === 'template_object' || p.name === 'sample_payload') && !isObject(parsed)) {
        err.textContent = 'This should be a JSON object, like {"amount": 1500}.';
        f.control.dataset.jsonError = '1';
        f.control.setAttribute('aria-invalid', 'true');
        return;
      }
      if (p.type === 'array' && !Array.isArray(parsed)) {
        err.textContent = 'This should be a JSON list, like ["a", "b"].';
        f.control.dataset.jsonError = '1';
        f.control.setAttribute('aria-invalid', 'true');
        return;
      }
      setParam(node, p.name, parsed);
      if (node.kind === 'trigger') renderNode(node);
    };
    f.control.addEventListener('blur', apply);
    f.control.addEventListener('input', () => {
      // Typing marks the workflow changed; the value itself is read when the field is left.
      if (!dirty) markDirty();
    });
    return f;
  }

  function rawParamsField(node) {
    const f = field({
      label: 'Settings (JSON)', name: 'params', type: 'textarea', value: JSON.stringify(node.params, null, 2), testid: 'param-raw',
      attrs: { rows: 8, spellcheck: 'false', class: 'wf-code' },
    });
    const err = h('p', { class: 'field-error', role: 'alert' });
    f.appendChild(err);
    f.control.addEventListener('blur', () => {
      err.textContent = '';
      try {
        const v = JSON.parse(f.control.value || '{}');
        if (!isObject(v)) throw new Error('Settings must be a JSON object.');
        node.params = v;
        changed({ panel: false });
      } catch (e) {
        err.textContent = e.message;
      }
    });
    return f;
  }

  /* ----- router branches ----- */

  function branchEditor(node, p) {
    const list = h('ol', { class: 'wf-branches', testid: 'wf-branches' });
    const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'branch-add' }, 'Add branch');
    const errorSlot = h('p', { class: 'field-error', dataset: { errorFor: 'params.branches' } });
    const branches = () => {
      if (!Array.isArray(node.params.branches)) node.params.branches = [];
      return node.params.branches;
    };

    function portsChanged() {
      renderNode(node);
      drawEdges();
      changed({ panel: false });
    }

    function row(b, i) {
      if (!isObject(b)) {
        branches()[i] = { port: '', when: { left: '', op: '==', right: '' } };
        b = branches()[i];
      }
      const portId = uid('branch-port');
      const port = h('input', { type: 'text', id: portId, testid: 'branch-port', value: typeof b.port === 'string' ? b.port : '', maxlength: 64, spellcheck: 'false', autocomplete: 'off' });
      port.addEventListener('input', () => {
        const old = typeof b.port === 'string' ? b.port.trim() : '';
        const next = port.value.trim();
        b.port = next;
        if (old && next && old !== next && !branches().some((x, j) => x !== b && isObject(x) && String(x.port || '').trim() === old)) {
          for (const e of edges) if (e.source === node.id && e.source_port === old) e.source_port = next;
        }
        portsChanged();
      });
      const simple = isObject(b.when) && typeof b.when.op === 'string' && Object.keys(b.when).every((k) => ['left', 'op', 'right'].includes(k));
      const whenBox = h('div', { class: 'wf-branch-when' });
      let asJson = !simple;

      function drawWhen() {
        if (!asJson) {
          const w = isObject(b.when) ? b.when : { left: '', op: '==', right: '' };
          const leftId = uid('branch-left');
          const opId = uid('branch-op');
          const rightId = uid('branch-right');
          const left = h('input', { type: 'text', id: leftId, testid: 'branch-left', value: showLoose(w.left), placeholder: '{{trigger.amount}}', spellcheck: 'false', autocomplete: 'off' });
          left.dataset.vars = '1';
          const op = h('select', { id: opId, testid: 'branch-op' }, OPERATORS.map((o) => h('option', { value: o, selected: o === w.op }, o)));
          const right = h('input', { type: 'text', id: rightId, testid: 'branch-right', value: showLoose(w.right), placeholder: '1000', spellcheck: 'false', autocomplete: 'off' });
          right.dataset.vars = '1';
          const rightWrap = h('div', { class: 'field' }, h('label', { for: rightId }, 'Value'), right);
          const update = () => {
            const cond = { left: parseLoose(left.value), op: op.value };
            if (!LEFT_ONLY.has(op.value)) cond.right = parseLoose(right.value);
            rightWrap.hidden = LEFT_ONLY.has(op.value);
            b.when = cond;
            changed({ panel: false });
          };
          rightWrap.hidden = LEFT_ONLY.has(w.op);
          left.addEventListener('input', update);
          op.addEventListener('change', update);
          right.addEventListener('input', update);
          const toJson = h('button', { type: 'button', class: 'btn-link wf-small-link', testid: 'branch-json-toggle' }, 'Edit as JSON (all / any groups)');
          toJson.addEventListener('click', () => {
            asJson = true;
            drawWhen();
          });
          fill(whenBox,
            h('div', { class: 'wf-branch-cond' },
              h('div', { class: 'field' }, h('label', { for: leftId }, 'When'), left),
              h('div', { class: 'field wf-branch-op' }, h('label', { for: opId }, 'is'), op),
              rightWrap),
            toJson);
        } else {
          const jid = uid('branch-when');
          const ta = h('textarea', { id: jid, testid: 'branch-when-json', rows: 4, spellcheck: 'false', class: 'wf-code' });
          ta.value = JSON.stringify(b.when ?? {}, null, 2);
          ta.dataset.vars = '1';
          const err = h('p', { class: 'field-error', role: 'alert' });
          ta.addEventListener('blur', () => {
            err.textContent = '';
            try {
              b.when = JSON.parse(ta.value);
              changed({ panel: false });
            } catch (e) {
              err.textContent = `Not valid JSON: ${e.message}. The last valid condition is kept.`;
            }
          });
          ta.addEventListener('input', () => {
            if (!dirty) markDirty();
          });
          const canSimple = () => isObject(b.when) && typeof b.when.op === 'string' && Object.keys(b.when).every((k) => ['left', 'op', 'right'].includes(k));
          const toSimple = h('button', { type: 'button', class: 'btn-link wf-small-link', testid: 'branch-simple-toggle' }, 'Simple condition');
          toSimple.addEventListener('click', () => {
            if (!canSimple()) {
              err.textContent = 'Only a single comparison {"left", "op", "right"} can be edited as a simple condition.';
              return;
            }
            asJson = false;
            drawWhen();
          });
          fill(whenBox,
            h('div', { class: 'field' }, h('label', { for: jid }, 'Condition (JSON)'), ta, err,
              h('p', { class: 'field-hint' }, '{"left": "{{trigger.amount}}", "op": ">=", "right": 1000}, or {"all": [...]} / {"any": [...]}.')),
            toSimple);
        }
      }
      drawWhen();

      const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'branch-remove', 'aria-label': `Remove branch ${i + 1}` }, 'Remove');
      remove.addEventListener('click', () => {
        const gone = typeof b.port === 'string' ? b.port.trim() : '';
        branches().splice(branches().indexOf(b), 1);
        if (gone && !branches().some((x) => isObject(x) && String(x.port || '').trim() === gone)) {
          edges = edges.filter((e) => !(e.source === node.id && e.source_port === gone));
        }
        draw();
        portsChanged();
      });
      return h('li', { class: 'wf-branch', testid: 'wf-branch' },
        h('div', { class: 'wf-branch-head' },
          h('div', { class: 'field' }, h('label', { for: portId }, `Branch ${i + 1} port`), port),
          remove),
        whenBox);
    }

    function draw() {
      fill(list, branches().map(row));
    }

    addBtn.addEventListener('click', () => {
      const taken = new Set(branchPorts(node));
      let n = branches().length + 1;
      while (taken.has(`branch_${n}`)) n++;
      branches().push({ port: `branch_${n}`, when: { left: '', op: '==', right: '' } });
      draw();
      portsChanged();
      const ports = list.querySelectorAll('[data-testid="branch-port"]');
      if (ports.length) ports[ports.length - 1].focus();
    });
    draw();
    return h('fieldset', { class: 'plain wf-branch-editor' },
      h('legend', { class: 'label-like' }, 'Branches', p.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      h('p', { class: 'field-hint' }, 'Tried in order; the first whose condition holds is taken, else the “else” port.'),
      list, errorSlot, addBtn);
  }

  /* ----- variable picker ----- */

  function variablePicker(node) {
    const groupsList = variableGroups(node);
    const details = h('details', { class: 'wf-vars', testid: 'wf-vars' }, h('summary', {}, 'Insert a variable'));
    details.appendChild(h('p', { class: 'field-hint' }, 'Click into a field, then pick a variable to insert it where the cursor is.'));
    for (const g of groupsList) {
      const gid = uid('wf-vars');
      details.appendChild(h('section', { class: 'wf-vars-group', 'aria-labelledby': gid },
        h('h3', { class: 'wf-vars-title', id: gid }, g.label),
        g.items.length ? h('ul', { class: 'wf-vars-list' }, g.items.map((v) => {
          const btn = h('button', { type: 'button', class: 'wf-var', testid: 'wf-var', dataset: { path: v.path }, title: v.description || '' }, `{{${v.path}}}`);
          // Keep the field's focus and cursor while the mouse presses the button.
          btn.addEventListener('mousedown', (ev) => ev.preventDefault());
          btn.addEventListener('click', () => insertVariable(`{{${v.path}}}`));
          return h('li', {}, btn);
        })) : h('p', { class: 'field-hint' }, g.empty || 'Nothing to insert.')));
    }
    return details;
  }

  function insertVariable(text) {
    const f = lastTextField;
    if (!f || !f.isConnected || !panel.contains(f)) {
      toast('Click into a field first, then pick the variable.', 'info');
      return;
    }
    const start = typeof f.selectionStart === 'number' ? f.selectionStart : f.value.length;
    const end = typeof f.selectionEnd === 'number' ? f.selectionEnd : start;
    f.value = f.value.slice(0, start) + text + f.value.slice(end);
    f.focus();
    f.setSelectionRange(start + text.length, start + text.length);
    f.dispatchEvent(new Event('input', { bubbles: true }));
    say(`Inserted ${text}.`);
  }

  /* ----- connections of the selected node ----- */

  function connectionsSection(node) {
    const outgoing = edges.filter((e) => e.source === node.id);
    const incoming = edges.filter((e) => e.target === node.id);
    const item = (e, text) => {
      const rm = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'wf-conn-remove', 'aria-label': `Remove connection ${text}` }, 'Remove');
      rm.addEventListener('click', () => removeEdge(edgeKey(e)));
      return h('li', { class: 'wf-conn', testid: 'wf-conn' }, h('span', {}, text), rm);
    };
    const targets = nodes.filter((n) => n.id !== node.id && n.kind !== 'trigger');
    const portId = uid('wf-conn-port');
    const targetId = uid('wf-conn-target');
    const portSel = h('select', { id: portId, testid: 'wf-conn-port' }, portsOf(node).map((p) => h('option', { value: p }, p)));
    const targetSel = h('select', { id: targetId, testid: 'wf-conn-target' }, targets.map((n) => h('option', { value: n.id }, `${n.id} (${nodeTitle(n)})`)));
    const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-conn-add' }, 'Connect');
    addBtn.addEventListener('click', () => {
      if (!targetSel.value) return;
      if (connect(node.id, portSel.value, targetSel.value, { selectEdge: false })) {
        renderPanel();
        const again = panel.querySelector('[data-testid="wf-conn-add"]');
        if (again) again.focus();
      }
    });
    return h('section', { class: 'wf-conns', 'aria-label': 'Connections' },
      h('h3', { class: 'wf-vars-title' }, 'Connections'),
      outgoing.length || incoming.length ? h('ul', { class: 'wf-conn-list' },
        incoming.map((e) => item(e, `from ${e.source} (${e.source_port})`)),
        outgoing.map((e) => item(e, `${e.source_port} → ${e.target}`))) : h('p', { class: 'field-hint' }, 'No connections to or from this step.'),
      targets.length ? h('div', { class: 'wf-conn-add' },
        h('div', { class: 'field' }, h('label', { for: portId }, 'From port'), portSel),
        h('div', { class: 'field' }, h('label', { for: targetId }, 'To step'), targetSel),
        addBtn) : null);
  }

  /* ---------- changes, validation ---------- */

  function say(text) {
    announce.textContent = text;
  }

  function markDirty() {
    if (!dirty) {
      dirty = true;
      drawHeader();
    }
  }

  /** Something in the blueprint changed: redraw what depends on it and check it again. */
  function changed({ panel: redrawPanel = false } = {}) {
    dirty = true;
    drawHeader();
    drawEdges();
    if (redrawPanel) renderPanel();
    scheduleValidate();
  }

  function blueprint() {
    return {
      name: nameInput.value.trim(),
      nodes: nodes.map((n) => ({
        id: n.id, kind: n.kind, service: n.service, task: n.task, params: n.params,
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      })),
      edges: edges.map((e) => ({ source: e.source, source_port: e.source_port, target: e.target })),
    };
  }

  let validateGen = 0;
  const scheduleValidate = debounce(() => validateNow(), 500);

  async function validateNow() {
    const mine = ++validateGen;
    setValidity('checking', 'Checking…');
    try {
      const res = await api.post('/workflows/validate', { blueprint: blueprint() });
      if (mine !== validateGen || !root.isConnected) return res;
      setIssues((res && res.errors) || []);
      return res;
    } catch (e) {
      if (mine === validateGen && root.isConnected) setValidity('error', `Could not check: ${errorMessage(e)}`);
      return null;
    }
  }

  function setIssues(list) {
    issues = (Array.isArray(list) ? list : []).filter((i) => i && typeof i.message === 'string');
    const known = new Set(nodes.map((n) => n.id));
    const general = issues.filter((i) => !i.node_id || !known.has(i.node_id));
    const onSteps = issues.length - general.length;
    if (!issues.length) setValidity('ok', 'No problems found');
    else setValidity('problems', `${issues.length} problem${issues.length === 1 ? '' : 's'}${onSteps ? ' (marked on the steps)' : ''}`);
    banner.hidden = !general.length;
    fill(banner, general.length ? h('ul', { class: 'wf-banner-list' }, general.map((i) => h('li', { testid: 'wf-issue' },
      i.node_id ? [h('code', {}, i.node_id), ': '] : null, i.message))) : null);
    nameError.textContent = issues.filter((i) => !i.node_id && i.field === 'name').map((i) => i.message).join(' ');
    nodes.forEach(renderNode);
    drawEdges();
    drawPanelIssues();
  }

  nameInput.addEventListener('input', () => {
    nameError.textContent = '';
    changed({ panel: false });
  });

  /* ---------- save, activate, run ---------- */

  function applyWorkflow(next) {
    const isNew = !wf;
    wf = next;
    if (isNew || !location.hash.startsWith(`#/workflows/${wf.id}`)) {
      // The address follows the saved workflow without reloading the page.
      history.replaceState(null, '', `#/workflows/${encodeURIComponent(wf.id)}${run ? `?run=${encodeURIComponent(run.id)}` : ''}`);
    }
    drawHeader();
  }

  async function save() {
    const bp = blueprint();
    if (!bp.name) {
      nameError.textContent = 'Give the workflow a name.';
      nameInput.setAttribute('aria-invalid', 'true');
      nameInput.focus();
      toast('Give the workflow a name before saving.', 'error');
      return false;
    }
    nameInput.removeAttribute('aria-invalid');
    // Check first: the server refuses a workflow with problems, and they show on the steps.
    const check = await validateNow();
    if (check && check.valid === false && Array.isArray(check.errors) && check.errors.length) {
      const n = check.errors.length;
      toast(`Not saved: the workflow has ${n} problem${n === 1 ? '' : 's'}, marked on the steps. ${issueLines(check.errors)[0]}`, 'error');
      return false;
    }
    try {
      const saved = wf
        ? await api.put(`/workflows/${encodeURIComponent(wf.id)}`, { name: bp.name, blueprint: bp })
        : await api.create('/workflows', { name: bp.name, blueprint: bp });
      dirty = JSON.stringify(blueprint()) !== JSON.stringify(bp); // edits made while saving stay unsaved
      applyWorkflow(saved);
      draftBox.hidden = true;
      toast(`Saved — version ${saved.version}.`, 'success');
      say(`Saved as version ${saved.version}.`);
      return true;
    } catch (e) {
      if (e.status === 422 && e.details && Array.isArray(e.details.errors)) {
        setIssues(e.details.errors);
        toast(e.message, 'error');
      } else {
        toast(errorMessage(e), 'error');
      }
      return false;
    }
  }

  saveBtn.addEventListener('click', () => busy([saveBtn, runBtn], save));

  activeSwitch.addEventListener('click', () => busy([activeSwitch, saveBtn], async () => {
    const turnOn = !(wf && wf.active);
    if (turnOn && (!wf || dirty)) {
      if (!(await save())) return;
    }
    if (!wf) return;
    try {
      const next = await setWorkflowActive(wf.id, turnOn);
      wf = { ...wf, ...next };
      drawHeader();
      toast(turnOn ? 'The workflow is active: its trigger now starts runs.' : 'The workflow is off.', 'info');
    } catch (e) {
      if (e.status === 422 && e.details && Array.isArray(e.details.errors)) setIssues(e.details.errors);
    }
  }));

  function runDialog() {
    const trig = triggerNode();
    const sample = trig && isObject(trig.params.sample_payload) ? trig.params.sample_payload : {};
    const alert = formAlert('run-error');
    const payload = field({
      label: 'Test data (JSON)', name: 'payload', type: 'textarea', testid: 'run-payload',
      value: JSON.stringify(sample, null, 2),
      hint: 'The trigger’s data for this run, as a JSON object. Prefilled from the trigger’s sample payload.',
      attrs: { rows: 8, spellcheck: 'false', class: 'wf-code' },
    });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'run-submit' }, dirty || !wf ? 'Save and run' : 'Start run');
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
    const form = h('form', { class: 'stack', novalidate: true, testid: 'run-form' },
      payload, alert.el,
      dirty || !wf ? h('p', { class: 'field-hint' }, 'The workflow is saved first (a new version), then run.') : null,
      h('div', { class: 'form-actions' }, cancel, submit));
    const { close } = openDialog({ title: 'Run with test data', body: form, testid: 'run-dialog' });
    cancel.addEventListener('click', close);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy([submit], async () => {
        alert.clear();
        let data;
        try {
          data = JSON.parse(payload.control.value.trim() || '{}');
        } catch (e) {
          alert.show(`The test data is not valid JSON: ${e.message}`);
          payload.control.focus();
          return;
        }
        if (!isObject(data)) {
          alert.show('The test data should be a JSON object, like {"amount": 1500}.');
          return;
        }
        if (!wf || dirty) {
          if (!(await save())) {
            alert.show('The workflow could not be saved; fix the problems shown on the steps and try again.');
            return;
          }
        }
        try {
          const r = await api.create(`/workflows/${encodeURIComponent(wf.id)}/runs`, { payload: data });
          close();
          startMonitor(r);
          refreshRun(0);
          toast('Run started. The steps light up as they run.', 'success');
        } catch (e) {
          alert.show(errorMessage(e));
        }
      });
    });
    payload.control.focus();
  }

  runBtn.addEventListener('click', () => {
    if (!triggerNode()) {
      toast('Add a trigger first: it is where a run starts.', 'error');
      return;
    }
    runDialog();
  });

  /* ---------- monitor mode ---------- */

  let runTimer = null;
  let runInFlight = false;
  let runAgain = false;

  function startMonitor(r) {
    run = r;
    history.replaceState(null, '', `#/workflows/${encodeURIComponent(wf.id)}?run=${encodeURIComponent(r.id)}`);
    drawRun();
  }

  function stopMonitor() {
    run = null;
    clearTimeout(runTimer);
    if (wf) history.replaceState(null, '', `#/workflows/${encodeURIComponent(wf.id)}`);
    monitorBar.hidden = true;
    fill(monitorBar);
    root.classList.remove('wf-monitoring');
    nodes.forEach(renderNode);
    drawEdges();
    renderPanel();
  }

  function setRun(r) {
    if (!r || !run || r.id !== run.id) return;
    run = r;
    drawRun();
  }

  function drawRun() {
    root.classList.add('wf-monitoring');
    const r = run;
    const approvals = Array.isArray(r.pending_approvals) ? r.pending_approvals : [];
    const exit = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'wf-monitor-exit' }, 'Back to editing');
    exit.addEventListener('click', stopMonitor);
    const versionNote = wf && r.version && r.version !== wf.version
      ? h('p', { class: 'field-hint' }, `This run used version ${r.version}; the canvas shows version ${wf.version}${dirty ? ' with unsaved changes' : ''}.`)
      : null;
    fill(monitorBar,
      h('div', { class: 'wf-monitor-head' },
        h('p', { class: 'wf-monitor-title' },
          'Run ', h('a', { href: `#/runs/${encodeURIComponent(r.id)}`, class: 'wf-mono', testid: 'wf-monitor-run-link' }, shortId(r.id)), ' ',
          runStatusBadge(r.status, 'wf-run-status'),
          h('span', { class: 'muted wf-monitor-time' },
            r.started_at ? ` started ${formatDateTime(r.started_at, timeZone())}` : ' waiting to start',
            r.finished_at ? ` · took ${formatDuration(r.started_at || r.created_at, r.finished_at)}` : '')),
        h('div', { class: 'btn-row' }, runActionButtons(r, (next) => (next ? setRun(next) : refreshRun(0)), 'wf-monitor'), exit)),
      r.error ? h('p', { class: 'alert alert-error wf-monitor-error', testid: 'wf-monitor-error' }, r.error) : null,
      versionNote,
      approvals.length ? h('div', { class: 'wf-approvals', testid: 'wf-approvals' },
        approvals.map((a) => approvalControls(r.id, a, setRun, 'wf'))) : null);
    monitorBar.hidden = false;
    nodes.forEach(renderNode);
    drawEdges();
    if (selected && selected.type === 'node') drawStepDetail();
    else if (!selected) renderPanel();
  }

  /** The selected step's part of the monitored run, in the config panel. */
  function drawStepDetail() {
    if (!selected || selected.type !== 'node' || !run) return;
    const box = panel.querySelector('.wf-step-detail');
    if (!box) {
      renderPanel(); // the panel was drawn before the run was shown; this draws the box too
      return;
    }
    const step = stepFor(selected.id);
    const approval = run && Array.isArray(run.pending_approvals) ? run.pending_approvals.find((a) => a.node_id === selected.id) : null;
    fill(box,
      h('h3', { class: 'wf-vars-title' }, 'In this run'),
      step ? [
        stepMeta(step),
        step.error ? h('p', { class: 'alert alert-error', testid: 'wf-step-error' }, step.error) : null,
        h('details', { class: 'wf-block', open: true }, h('summary', {}, 'Input'), jsonBlock(step.input, 'wf-step-input')),
        h('details', { class: 'wf-block', open: true }, h('summary', {}, 'Output'), jsonBlock(step.output, 'wf-step-output')),
      ] : h('p', { class: 'muted', testid: 'wf-step-pending' }, 'Not reached (yet).'),
      approval ? approvalControls(run.id, approval, setRun, 'wf-step') : null);
  }

  async function fetchRun() {
    if (!run) return;
    if (runInFlight) {
      runAgain = true;
      return;
    }
    runInFlight = true;
    const rid = run.id;
    try {
      const r = await api.get(`/runs/${encodeURIComponent(rid)}`);
      if (root.isConnected && run && run.id === rid) setRun(r);
    } catch (e) {
      console.warn('could not refresh the run', e);
    } finally {
      runInFlight = false;
      if (runAgain) {
        runAgain = false;
        refreshRun(100);
      }
    }
  }

  /** Coalesces bursts of step events into one GET /runs/{id}. */
  function refreshRun(delay = 150) {
    clearTimeout(runTimer);
    runTimer = setTimeout(fetchRun, delay);
  }

  function applyStepEvent(p) {
    if (!run || !p.node_id) return;
    const steps = Array.isArray(run.steps) ? run.steps : (run.steps = []);
    const existing = stepFor(p.node_id);
    if (existing) {
      existing.status = p.status || existing.status;
      if (p.port !== undefined) existing.port = p.port;
      if (p.error !== undefined) existing.error = p.error;
    } else {
      const node = nodeById(p.node_id);
      steps.push({
        node_id: p.node_id, service: node ? node.service : '', task: node ? node.task : '', status: p.status, port: p.port ?? null,
        input: null, output: null, error: p.error ?? null, attempts: 0, created_at: new Date().toISOString(), started_at: null, finished_at: null, wake_at: null,
      });
    }
    const node = nodeById(p.node_id);
    if (node) renderNode(node);
    drawEdges();
  }

  subscribe(['run.updated', 'run.step', 'workflow.updated'], (type, p) => {
    if (!root.isConnected) return;
    if (type === 'workflow.updated') {
      if (wf && p.id === wf.id) {
        if (typeof p.active === 'boolean') wf.active = p.active;
        if (p.version && !dirty) wf.version = p.version;
        drawHeader();
      }
      return;
    }
    const rid = type === 'run.updated' ? p.id : p.run_id;
    if (!run || rid !== run.id) return;
    if (type === 'run.step') applyStepEvent(p);
    else if (p.status && run.status !== p.status) {
      run.status = p.status;
      drawRun();
    }
    refreshRun();
  }, { root, onReconnect: () => run && refreshRun(0) });

  // Without the live stream, a running run is polled.
  const poll = setInterval(() => {
    if (!root.isConnected) {
      clearInterval(poll);
      return;
    }
    if (run && ACTIVE_RUN.has(run.status) && !isConnected()) refreshRun(0);
  }, 3000);

  /* ---------- leaving with unsaved changes ---------- */

  const onBeforeUnload = (ev) => {
    if (!root.isConnected) {
      window.removeEventListener('beforeunload', onBeforeUnload);
      return;
    }
    if (dirty) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  ctx.setLeaveGuard(() => dirty && root.isConnected);

  /* ---------- start ---------- */

  applyView();
  drawHeader();
  drawDraftInfo();
  renderAllNodes();
  renderPanel();
  const unplaced = nodes.length > 1 && nodes.every((n) => n.position.x === nodes[0].position.x && n.position.y === nodes[0].position.y);
  if (unplaced) autoLayout();
  else fitView();
  if (nodes.length) validateNow();
  else setValidity('idle', '');

  const runId = ctx.query.run;
  if (runId && wf) {
    api.get(`/runs/${encodeURIComponent(runId)}`).then((r) => {
      if (!root.isConnected) return;
      if (r.workflow_id !== wf.id) {
        toast('That run belongs to another workflow.', 'error');
        return;
      }
      run = r;
      drawRun();
      if (ACTIVE_RUN.has(r.status)) refreshRun(0);
    }).catch((e) => toast(`Could not open the run: ${errorMessage(e)}`, 'error'));
  }
  if (!wf && !draft) nameInput.focus({ preventScroll: true });
  else heading.closest('h1')?.focus({ preventScroll: true });
}
