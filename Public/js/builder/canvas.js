// The builder's canvas: step boxes absolutely positioned over an SVG layer of connections, pan
// and zoom, dragging steps and connections, selection and the canvas's keyboard. Node positions
// are canvas coordinates (the blueprint's `position`); the viewport is translated and scaled with
// a CSS transform, so on-screen = canvas × zoom + pan.
import { h, fill, toast, uid } from '../ui.js';
import {
  NODE_W, NODE_H, IN_PORT_Y, curve, edgeKey, nodeById, nodeTitle, portsOf, issuesFor, problemCount,
  stepFor, edgeTaken, runStatusLabel, connectionProblem, newNodeId, defaultParams, layoutPositions,
  bounds, fitTransform, zoomAround, revealDelta, freeSpot,
} from './graph.js';
import { t, tn } from '../i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_EXTENT = 20000; // the edge layer covers -10000…10000 in both directions
const DRAG_THRESHOLD = 4;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  return el;
}

export { DRAG_THRESHOLD };

/** store: the builder's store (builder/store.js); index: catalogIndex(catalog). */
export function createCanvas({ store, index }) {
  const state = store.state;
  const { specOf } = index;
  const view = { x: 40, y: 40, zoom: 1 };
  const nodeEls = new Map();
  const say = (text) => store.notify('say', text);

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
    h('p', {}, t('Start with a trigger: drag one from the palette, or click it.')),
    h('p', { class: 'muted' }, t('Then add steps and drag from a step’s port (●) to the next step to connect them.')));
  const zoomOut = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-zoom-out', 'aria-label': t('Zoom out') }, '−');
  const zoomLabel = h('span', { class: 'wf-zoom-label', testid: 'wf-zoom-level', 'aria-live': 'polite' }, '100%');
  const zoomIn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-zoom-in', 'aria-label': t('Zoom in') }, '+');
  const fitBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-fit' }, t('Fit'));
  const layoutBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-auto-layout' }, t('Auto-layout'));
  const controls = h('div', { class: 'wf-canvas-controls', role: 'toolbar', 'aria-label': t('Canvas') }, layoutBtn, fitBtn, zoomOut, zoomLabel, zoomIn);
  const hintId = uid('wf-canvas-hint');
  const canvas = h('div', {
    class: 'wf-canvas', testid: 'wf-canvas', tabindex: '0', role: 'group', 'aria-label': t('Workflow canvas'), 'aria-describedby': hintId,
  }, viewport, canvasEmpty);
  const el = h('div', { class: 'wf-canvas-wrap' }, canvas, controls,
    h('p', { class: 'wf-canvas-hint muted', id: hintId },
      t('Drag a step to move it, the background to pan, the wheel to zoom. Tab to a step and press Enter to select it; arrows move it, Delete removes it (or a selected connection), Esc clears the selection.')));

  const findNode = (nid) => nodeById(state.nodes, nid);
  const isSelectedNode = (nid) => !!state.selected && state.selected.type === 'node' && state.selected.id === nid;

  /* ---------- nodes ---------- */

  function nodeContent(node) {
    const spec = specOf(node);
    const ports = portsOf(node, spec, state.edges);
    const mine = issuesFor(state.issues, node.id);
    const step = state.run ? stepFor(state.run, node.id) : null;
    const status = state.run ? (step ? step.status : 'pending') : null;
    return [
      node.kind !== 'trigger' ? h('span', { class: 'wf-port-in', testid: 'wf-port-in', title: t('Input: drop a connection here') }) : null,
      h('div', { class: 'wf-node-head' },
        h('span', { class: 'wf-node-group' }, spec ? spec.group : t('Unknown step')),
        h('span', { class: 'wf-node-title', testid: 'wf-node-title' }, nodeTitle(node, spec)),
        h('code', { class: 'wf-node-id', testid: 'wf-node-id' }, node.id)),
      mine.length ? h('span', {
        class: 'wf-node-issues', testid: 'wf-node-issues', title: mine.map((i) => i.message).join('\n'),
      }, problemCount(mine.length)) : null,
      status ? h('span', { class: 'wf-node-status', testid: 'wf-node-status' }, runStatusLabel(status)) : null,
      h('ul', { class: 'wf-node-ports' }, ports.map((p) => h('li', { class: `wf-port-row${p === 'error' ? ' wf-port-row-error' : ''}`, dataset: { port: p } },
        h('span', { class: 'wf-port-label' }, p),
        h('span', { class: 'wf-port-out', testid: 'wf-port-out', dataset: { port: p }, title: t('Drag from “{port}” to the next step', { port: p }) })))),
    ];
  }

  function ensureNodeEl(node) {
    let nodeEl = nodeEls.get(node.id);
    if (!nodeEl) {
      nodeEl = h('div', { class: 'wf-node', tabindex: '0', role: 'button', testid: 'wf-node' });
      const target = nodeEl;
      target.addEventListener('keydown', (ev) => {
        if (ev.target !== target) return;
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          select({ type: 'node', id: target.dataset.nodeId });
        }
      });
      target.addEventListener('focus', () => {
        if (!dragging) revealNode(target.dataset.nodeId);
      });
      nodeLayer.appendChild(target);
      nodeEls.set(node.id, target);
    }
    return nodeEl;
  }

  function renderNode(node) {
    const nodeEl = ensureNodeEl(node);
    const { run } = state;
    const step = run ? stepFor(run, node.id) : null;
    const issueCount = issuesFor(state.issues, node.id).length;
    nodeEl.className = `wf-node wf-kind-${node.kind || 'unknown'}${isSelectedNode(node.id) ? ' is-selected' : ''}${issueCount ? ' has-issues' : ''}`;
    nodeEl.dataset.nodeId = node.id;
    nodeEl.dataset.kind = node.kind;
    if (run) nodeEl.dataset.stepStatus = step ? step.status : 'pending';
    else delete nodeEl.dataset.stepStatus;
    nodeEl.setAttribute('aria-pressed', isSelectedNode(node.id) ? 'true' : 'false');
    const parts = [nodeTitle(node, specOf(node)), node.id];
    if (run) parts.push(runStatusLabel(step ? step.status : 'pending'));
    if (issueCount) parts.push(problemCount(issueCount));
    nodeEl.setAttribute('aria-label', parts.join(', '));
    fill(nodeEl, nodeContent(node));
    placeNode(node);
  }

  function placeNode(node) {
    const nodeEl = nodeEls.get(node.id);
    if (!nodeEl) return;
    nodeEl.style.left = `${node.position.x}px`;
    nodeEl.style.top = `${node.position.y}px`;
  }

  function renderAllNodes() {
    for (const [nid, nodeEl] of nodeEls) {
      if (!findNode(nid)) {
        nodeEl.remove();
        nodeEls.delete(nid);
      }
    }
    state.nodes.forEach(renderNode);
    // Tab order follows the list of steps.
    state.nodes.forEach((n) => nodeLayer.appendChild(nodeEls.get(n.id)));
    canvasEmpty.hidden = state.nodes.length > 0;
    drawEdges();
  }

  /* ---------- connections ---------- */

  function portPoint(nid, port) {
    const node = findNode(nid);
    const nodeEl = nodeEls.get(nid);
    if (!node || !nodeEl) return null;
    const row = nodeEl.querySelector(`.wf-port-row[data-port="${CSS.escape(port)}"]`);
    const w = nodeEl.offsetWidth || NODE_W;
    if (!row) return { x: node.position.x + w, y: node.position.y + IN_PORT_Y };
    // offsetTop counts from inside the node's border.
    return { x: node.position.x + w, y: node.position.y + nodeEl.clientTop + row.offsetTop + row.offsetHeight / 2 };
  }

  function inPoint(nid) {
    const node = findNode(nid);
    return node ? { x: node.position.x, y: node.position.y + IN_PORT_Y } : null;
  }

  function drawEdges() {
    const { selected, run } = state;
    const list = [];
    for (const e of state.edges) {
      const a = portPoint(e.source, e.source_port);
      const b = inPoint(e.target);
      if (!a || !b) continue;
      const key = edgeKey(e);
      const d = curve(a, b);
      const g = svg('g', {
        class: `wf-edge${selected && selected.type === 'edge' && selected.key === key ? ' is-selected' : ''}${e.source_port === 'error' ? ' wf-edge-error' : ''}${edgeTaken(run, e) ? ' is-taken' : ''}`,
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
    const edge = { source: sourceId, source_port: port, target: targetId };
    const problem = connectionProblem(state.nodes, state.edges, sourceId, port, targetId);
    if (problem === 'missing' || problem === 'self') return false;
    if (problem === 'trigger') {
      toast(t('Nothing can connect into the trigger: it is where the workflow starts.'), 'error');
      return false;
    }
    if (problem === 'duplicate') {
      if (selectEdge) select({ type: 'edge', key: edgeKey(edge) });
      return false;
    }
    if (problem === 'loop') {
      toast(t('That connection would make a loop. Workflows can’t loop — use a schedule to repeat.'), 'error');
      return false;
    }
    state.edges.push(edge);
    say(t('Connected {from} ({port}) to {to}.', { from: sourceId, port, to: targetId }));
    store.notify('changed', { panel: false });
    if (selectEdge) select({ type: 'edge', key: edgeKey(edge) });
    return true;
  }

  function removeEdge(key) {
    const before = state.edges.length;
    state.edges = state.edges.filter((e) => edgeKey(e) !== key);
    if (state.edges.length === before) return;
    if (state.selected && state.selected.type === 'edge' && state.selected.key === key) state.selected = null;
    say(t('Connection removed.'));
    store.notify('changed', { panel: true });
  }

  /* ---------- adding, removing, moving ---------- */

  function addNode(spec, at) {
    const selNode = state.selected && state.selected.type === 'node' ? findNode(state.selected.id) : null;
    const selEl = selNode && nodeEls.get(selNode.id);
    const node = {
      id: newNodeId(spec, state.nodes, index.taskCounts),
      kind: spec.kind,
      service: spec.service,
      task: spec.task,
      params: defaultParams(spec),
      position: at ? { x: Math.round(at.x), y: Math.round(at.y) } : freeSpot({
        nodes: state.nodes,
        selected: selNode ? { node: selNode, height: selEl && selEl.offsetHeight } : null,
        rect: canvas.getBoundingClientRect(),
        view,
      }),
    };
    state.nodes.push(node);
    renderNode(node);
    canvasEmpty.hidden = true;
    select({ type: 'node', id: node.id });
    revealNode(node.id);
    say(t('Added {step} as {id}.', { step: spec.title, id: node.id }));
    store.notify('changed', { panel: false });
    return node;
  }

  function removeNode(nid) {
    if (!findNode(nid)) return;
    state.nodes = state.nodes.filter((n) => n.id !== nid);
    state.edges = state.edges.filter((e) => e.source !== nid && e.target !== nid);
    const nodeEl = nodeEls.get(nid);
    if (nodeEl) nodeEl.remove();
    nodeEls.delete(nid);
    if (state.selected && state.selected.type === 'node' && state.selected.id === nid) state.selected = null;
    canvasEmpty.hidden = state.nodes.length > 0;
    say(t('Removed {id}.', { id: nid }));
    store.notify('changed', { panel: true });
    canvas.focus({ preventScroll: true });
  }

  function moveNode(nid, dx, dy) {
    const node = findNode(nid);
    if (!node) return;
    node.position = { x: Math.round(node.position.x + dx), y: Math.round(node.position.y + dy) };
    placeNode(node);
    drawEdges();
    revealNode(nid);
    store.notify('dirty');
  }

  /* ---------- selection ---------- */

  function select(next) {
    const prev = state.selected;
    state.selected = next;
    for (const n of state.nodes) {
      const nodeEl = nodeEls.get(n.id);
      if (!nodeEl) continue;
      const on = isSelectedNode(n.id);
      nodeEl.classList.toggle('is-selected', on);
      nodeEl.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    drawEdges();
    const same = !!prev && !!next && prev.type === next.type
      && ((prev.type === 'node' && prev.id === next.id) || (prev.type === 'edge' && prev.key === next.key));
    if (!same) store.notify('selection');
  }

  /* ---------- view: pan and zoom ---------- */

  function applyView() {
    viewport.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`;
    zoomLabel.textContent = `${Math.round(view.zoom * 100)}%`;
  }

  function zoomAt(z, px, py) {
    Object.assign(view, zoomAround(view, z, px, py));
    applyView();
  }

  function zoomCentre(factor) {
    const r = canvas.getBoundingClientRect();
    zoomAt(view.zoom * factor, r.width / 2, r.height / 2);
  }

  function fitView() {
    const b = bounds(state.nodes, (nid) => {
      const nodeEl = nodeEls.get(nid);
      return { w: (nodeEl && nodeEl.offsetWidth) || NODE_W, h: (nodeEl && nodeEl.offsetHeight) || 80 };
    });
    Object.assign(view, fitTransform(b, canvas.getBoundingClientRect()));
    applyView();
  }

  /** Pans just enough for a node to be fully on screen. */
  function revealNode(nid) {
    const node = findNode(nid);
    const nodeEl = nodeEls.get(nid);
    if (!node || !nodeEl) return;
    const r = canvas.getBoundingClientRect();
    if (!r.width) return;
    const left = node.position.x * view.zoom + view.x;
    const top = node.position.y * view.zoom + view.y;
    const { dx, dy } = revealDelta({
      left, top, right: left + nodeEl.offsetWidth * view.zoom, bottom: top + nodeEl.offsetHeight * view.zoom,
    }, r);
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

  function overCanvas(clientX, clientY) {
    const over = document.elementFromPoint(clientX, clientY);
    return !!over && (over === canvas || canvas.contains(over));
  }

  zoomIn.addEventListener('click', () => zoomCentre(1.2));
  zoomOut.addEventListener('click', () => zoomCentre(1 / 1.2));
  fitBtn.addEventListener('click', fitView);
  layoutBtn.addEventListener('click', () => {
    if (!state.nodes.length) {
      toast(t('Add some steps first.'), 'info');
      return;
    }
    autoLayout();
    store.notify('dirty');
    say(t('Steps arranged from left to right.'));
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
      const node = findNode(nodeEl.dataset.nodeId);
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
      if (tid && nodeEls.get(tid) && findNode(tid) && findNode(tid).kind !== 'trigger') nodeEls.get(tid).classList.add('is-drop-target');
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
      const node = findNode(drag.id);
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
      if (d.moved && !cancelled) store.notify('dirty');
    } else if (d.type === 'pan') {
      if (!d.moved && !cancelled) select(null);
    }
  }
  canvas.addEventListener('pointerup', (ev) => endDrag(ev, false));
  canvas.addEventListener('pointercancel', (ev) => endDrag(ev, true));

  /* ---------- keyboard (listened for on the whole builder) ---------- */

  function onKeyDown(ev) {
    const { selected } = state;
    const inCanvas = canvas.contains(ev.target);
    if (ev.key === 'Delete' || ev.key === 'Backspace') {
      if (!selected || !inCanvas) return;
      ev.preventDefault();
      if (selected.type === 'node') removeNode(selected.id);
      else removeEdge(selected.key);
    } else if (ev.key === 'Escape') {
      if (!selected) return;
      ev.preventDefault();
      select(null);
      if (selected.type === 'node' && nodeEls.get(selected.id)) nodeEls.get(selected.id).focus({ preventScroll: true });
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
  }

  /* ---------- auto-layout ---------- */

  function autoLayout() {
    const heightOf = (nid) => (nodeEls.get(nid) && nodeEls.get(nid).offsetHeight) || NODE_H;
    const portIndex = (nid, port) => {
      const node = findNode(nid);
      return portsOf(node, specOf(node), state.edges).indexOf(port);
    };
    const positions = layoutPositions(state.nodes, state.edges, { portIndex, heightOf });
    for (const node of state.nodes) {
      const p = positions.get(node.id);
      if (!p) continue;
      node.position = p;
      placeNode(node);
    }
    drawEdges();
    fitView();
  }

  /* ---------- what other parts of the builder change ---------- */

  const redrawAll = () => {
    state.nodes.forEach(renderNode);
    drawEdges();
  };
  store.subscribe('changed', drawEdges);
  store.subscribe('node', (node) => {
    renderNode(node);
    drawEdges();
  });
  store.subscribe('issues', redrawAll);
  store.subscribe('run', redrawAll);

  return {
    el,
    canvas,
    start() {
      applyView();
      renderAllNodes();
    },
    autoLayout,
    fitView,
    addNode,
    removeNode,
    removeEdge,
    connect,
    onKeyDown,
    toCanvas,
    overCanvas,
    focus: () => canvas.focus({ preventScroll: true }),
  };
}
