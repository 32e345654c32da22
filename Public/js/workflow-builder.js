// The workflow builder (#/workflows/new, #/workflows/{id}, #/workflows/{id}?run={run_id}):
// a palette of every catalog node, a canvas of absolutely positioned step boxes over an SVG layer
// of connections (pan, zoom, drag to connect), a config panel generated from each node's param
// schema with a variable picker, server-side validation shown on the steps, save/activate/test
// run, and a monitor mode that colours each step by its run state, kept live over the event
// stream (docs/workflows-api.md).
//
// This file loads what the builder needs and wires its parts (issue 15 §6), which share
// builder/store.js: builder/toolbar.js (name, validation, save, activate), builder/palette.js,
// builder/canvas.js, builder/panel.js (with builder/fields.js) and builder/monitor.js. The pure
// graph logic is builder/graph.js and builder/values.js.
import { api } from './api.js';
import { path } from './routes.js';
import { h, fill, add, loadingState, errorState, emptyState, pageHeader } from './ui.js';
import { loadCatalog, takeDraft } from './shared/workflows.js';
import { createStore } from './builder/store.js';
import { catalogIndex, normalizeNodes, normalizeEdges, isUnplaced } from './builder/graph.js';
import { createToolbar } from './builder/toolbar.js';
import { createCanvas } from './builder/canvas.js';
import { createPalette } from './builder/palette.js';
import { createPanel } from './builder/panel.js';
import { createMonitor } from './builder/monitor.js';
import { t, tn } from './i18n.js';

const isEditable = (el) => !!el && !!el.closest && !!el.closest('input, textarea, select, [contenteditable="true"]');

export function workflowBuilderPage(ctx) {
  const [id] = ctx.params;
  const draft = id ? null : takeDraft();
  fill(ctx.root, loadingState(id ? t('Opening the workflow…') : t('Opening the builder…')));
  Promise.all([
    loadCatalog(),
    id ? api.get(path('workflow', id)) : null,
    // The channel param offers the business's channels; without them it still offers "default".
    api.get(path('channels')).catch(() => ({ items: [] })),
  ]).then(([catalog, workflow, channels]) => {
    if (!ctx.root.isConnected) return;
    fill(ctx.root);
    createBuilder(ctx, { catalog, workflow, draft, channels: (channels && channels.items) || [] });
  }).catch((e) => {
    if (!ctx.root.isConnected) return;
    fill(ctx.root, pageHeader(id ? t('Workflow') : t('New workflow')),
      e.status === 404
        ? emptyState(t('This workflow does not exist (or you cannot see it).'), h('a', { href: '#/workflows' }, t('All workflows')))
        : errorState(e, () => workflowBuilderPage(ctx)));
  });
}

function createBuilder(ctx, { catalog, workflow, draft, channels }) {
  const root = ctx.root;
  const wf = workflow || null;
  const source = wf ? wf.blueprint : (draft && draft.blueprint) || null;
  const store = createStore({
    wf, // the server's copy (without unsaved edits)
    nodes: normalizeNodes(source && source.nodes),
    edges: normalizeEdges(source && source.edges),
    dirty: !!draft,
    selected: null,
    issues: [],
    run: null, // the run being monitored
  });
  const index = catalogIndex(catalog);

  // The toolbar subscribes first: a change marks the workflow unsaved before the rest redraws.
  const toolbar = createToolbar({ ctx, store, draft, source });
  const canvas = createCanvas({ store, index });
  const palette = createPalette({ index, canvas });
  const panel = createPanel({ store, index, canvas, channels });
  const monitor = createMonitor({ ctx, store, save: toolbar.save });

  const announce = h('p', { class: 'visually-hidden', 'aria-live': 'polite', testid: 'wf-announce' });
  store.subscribe('say', (text) => {
    announce.textContent = text;
  });

  const layout = h('div', { class: 'wf-builder', testid: 'wf-builder' }, palette.el, canvas.el, panel.el);
  add(root, ...toolbar.els, monitor.el, layout, announce);

  layout.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || isEditable(ev.target) || document.querySelector('dialog[open]')) return;
    canvas.onKeyDown(ev);
  });
  toolbar.runBtn.addEventListener('click', monitor.runWithTestData);

  /* ---------- leaving with unsaved changes ---------- */

  const onBeforeUnload = (ev) => {
    if (!root.isConnected) {
      window.removeEventListener('beforeunload', onBeforeUnload);
      return;
    }
    if (store.state.dirty) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  ctx.setLeaveGuard(() => store.state.dirty && root.isConnected);

  /* ---------- start ---------- */

  toolbar.start();
  canvas.start();
  panel.render();
  if (isUnplaced(store.state.nodes)) canvas.autoLayout();
  else canvas.fitView();
  toolbar.checkOnOpen();
  monitor.open(ctx.query.run);
  toolbar.focusStart();
}
