// The builder's config panel: what is selected — a connection, or a step with its settings
// (builder/fields.js), its problems next to the fields they are about, the variable picker, its
// connections and, while a run is shown, what went in and came out of it in that run.
import { h, fill, toast, uid } from '../ui.js';
import { jsonBlock, stepMeta, approvalControls } from '../shared/workflows.js';
import {
  edgeKey, nodeById, triggerOf, nodeTitle, portsOf, variableGroups, issuesFor, problemCount, issueFitsField, stepFor,
} from './graph.js';
import { createFieldEditors } from './fields.js';
import { t, tn } from '../i18n.js';

/**
 * store: the builder's store; index: catalogIndex(catalog); canvas: the canvas's API (connect,
 * removeEdge, removeNode); channels: the business's channels.
 */
export function createPanel({ store, index, canvas, channels }) {
  const state = store.state;
  const { specOf } = index;
  const fields = createFieldEditors({ store, channels });
  const el = h('aside', { class: 'wf-panel', testid: 'wf-config', 'aria-label': t('Step settings') });

  let lastTextField = null; // where the variable picker inserts
  el.addEventListener('focusin', (ev) => {
    const t = ev.target;
    if ((t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && (t.type === 'text' || t.type === 'search'))) && t.dataset.vars === '1') lastTextField = t;
  });

  function render() {
    // A field being edited applies its value (JSON fields do so on blur) before it is replaced.
    const active = document.activeElement;
    if (active && el.contains(active) && typeof active.blur === 'function') active.blur();
    lastTextField = null;
    const { selected } = state;
    if (!selected) {
      fill(el, intro());
      return;
    }
    if (selected.type === 'edge') {
      const e = state.edges.find((x) => edgeKey(x) === selected.key);
      if (!e) {
        state.selected = null;
        fill(el, intro());
        return;
      }
      const del = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'wf-delete-edge' }, t('Delete connection'));
      del.addEventListener('click', () => canvas.removeEdge(state.selected.key));
      fill(el,
        h('h2', { class: 'wf-side-title' }, t('Connection')),
        h('p', {}, h('code', {}, e.source), ' → ', h('code', {}, e.target)),
        h('p', { class: 'muted' }, t('Taken when “{step}” leaves by its “{port}” port.', { step: e.source, port: e.source_port })),
        del,
        h('p', { class: 'field-hint' }, t('Or press Delete.')));
      return;
    }
    const node = nodeById(state.nodes, selected.id);
    if (!node) {
      state.selected = null;
      fill(el, intro());
      return;
    }
    fill(el, nodePanel(node));
    drawIssues();
    if (state.run) drawStepDetail();
  }

  function intro() {
    return h('div', { class: 'wf-panel-intro', testid: 'wf-panel-intro' },
      h('h2', { class: 'wf-side-title' }, t('Settings')),
      h('p', { class: 'muted' }, state.nodes.length ? t('Select a step on the canvas to change its settings.') : t('Add a trigger to start.')),
      triggerOf(state.nodes) ? null : h('p', { class: 'field-hint' }, t('Every workflow starts with exactly one trigger (Triggers in the palette).')),
      state.run ? h('p', { class: 'field-hint' }, t('While a run is shown, select a step to see what went in and came out.')) : null);
  }

  function nodePanel(node) {
    const spec = specOf(node);
    const del = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'wf-delete-node' }, t('Delete step'));
    del.addEventListener('click', () => canvas.removeNode(node.id));
    const form = h('form', { class: 'stack wf-params', novalidate: true, testid: 'wf-params', autocomplete: 'off' });
    form.addEventListener('submit', (ev) => ev.preventDefault());
    if (spec) {
      for (const p of spec.params || []) form.appendChild(fields.paramField(node, p));
      if (!(spec.params || []).length) form.appendChild(h('p', { class: 'muted' }, t('This step has no settings.')));
    } else {
      form.appendChild(h('p', { class: 'alert alert-warn' }, t('“{task}” is not in the catalog. Its settings are shown as JSON.', { task: `${node.service}/${node.task}` })));
      form.appendChild(fields.rawParamsField(node));
    }
    return [
      h('div', { class: 'wf-panel-head' },
        h('h2', { class: 'wf-side-title', testid: 'wf-config-title' }, nodeTitle(node, spec)),
        h('p', { class: 'wf-panel-sub' }, h('code', { testid: 'wf-config-id' }, node.id), ' · ', spec ? spec.group : node.service),
        spec && spec.summary ? h('p', { class: 'muted wf-panel-summary' }, spec.summary) : null),
      state.run ? h('section', { class: 'wf-step-detail', testid: 'wf-step-detail', 'aria-label': t('This step in the run') }) : null,
      h('div', { class: 'wf-panel-issues', testid: 'wf-node-issue-list', role: 'status', hidden: true }),
      form,
      node.kind !== 'trigger' ? variablePicker(node) : h('p', { class: 'field-hint' }, t('Trigger settings are read before a run exists, so they can’t use {{variables}}.')),
      connectionsSection(node),
      h('div', { class: 'wf-panel-foot' }, del),
    ];
  }

  /** The selected step's problems: listed at the top, and each next to the field it is about. */
  function drawIssues() {
    const { selected } = state;
    if (!selected || selected.type !== 'node') return;
    const box = el.querySelector('.wf-panel-issues');
    if (!box) return;
    const mine = issuesFor(state.issues, selected.id);
    box.hidden = !mine.length;
    fill(box, mine.length ? [h('p', { class: 'wf-panel-issues-title' }, t('{problems} in this step', { problems: problemCount(mine.length) })),
      h('ul', {}, mine.map((i) => h('li', { testid: 'wf-node-issue' }, i.message)))] : null);
    const slots = Array.from(el.querySelectorAll('.field-error[data-error-for^="params."]'));
    for (const s of slots) {
      s.textContent = '';
      const c = s.parentElement && s.parentElement.querySelector('input, select, textarea');
      if (c && !c.dataset.jsonError) c.removeAttribute('aria-invalid');
    }
    for (const i of mine) {
      if (!i.field) continue;
      const slot = slots.find((s) => issueFitsField(i.field, s.dataset.errorFor));
      if (!slot) continue;
      slot.textContent = slot.textContent ? `${slot.textContent} ${i.message}` : i.message;
      const c = slot.parentElement && slot.parentElement.querySelector('input, select, textarea');
      if (c) c.setAttribute('aria-invalid', 'true');
    }
  }

  /* ----- variable picker ----- */

  function variablePicker(node) {
    const groupsList = variableGroups(node, {
      nodes: state.nodes, edges: state.edges, specOf, businessVariables: index.businessVariables,
    });
    const details = h('details', { class: 'wf-vars', testid: 'wf-vars' }, h('summary', {}, t('Insert a variable')));
    details.appendChild(h('p', { class: 'field-hint' }, t('Click into a field, then pick a variable to insert it where the cursor is.')));
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
        })) : h('p', { class: 'field-hint' }, g.empty || t('Nothing to insert.'))));
    }
    return details;
  }

  function insertVariable(text) {
    const f = lastTextField;
    if (!f || !f.isConnected || !el.contains(f)) {
      toast(t('Click into a field first, then pick the variable.'), 'info');
      return;
    }
    const start = typeof f.selectionStart === 'number' ? f.selectionStart : f.value.length;
    const end = typeof f.selectionEnd === 'number' ? f.selectionEnd : start;
    f.value = f.value.slice(0, start) + text + f.value.slice(end);
    f.focus();
    f.setSelectionRange(start + text.length, start + text.length);
    f.dispatchEvent(new Event('input', { bubbles: true }));
    store.notify('say', t('Inserted {text}.', { text }));
  }

  /* ----- connections of the selected step ----- */

  function connectionsSection(node) {
    const outgoing = state.edges.filter((e) => e.source === node.id);
    const incoming = state.edges.filter((e) => e.target === node.id);
    const item = (e, text) => {
      const rm = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'wf-conn-remove', 'aria-label': t('Remove connection {text}', { text }) }, t('Remove'));
      rm.addEventListener('click', () => canvas.removeEdge(edgeKey(e)));
      return h('li', { class: 'wf-conn', testid: 'wf-conn' }, h('span', {}, text), rm);
    };
    const targets = state.nodes.filter((n) => n.id !== node.id && n.kind !== 'trigger');
    const portId = uid('wf-conn-port');
    const targetId = uid('wf-conn-target');
    const portSel = h('select', { id: portId, testid: 'wf-conn-port' }, portsOf(node, specOf(node), state.edges).map((p) => h('option', { value: p }, p)));
    const targetSel = h('select', { id: targetId, testid: 'wf-conn-target' }, targets.map((n) => h('option', { value: n.id }, `${n.id} (${nodeTitle(n, specOf(n))})`)));
    const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'wf-conn-add' }, t('Connect'));
    addBtn.addEventListener('click', () => {
      if (!targetSel.value) return;
      if (canvas.connect(node.id, portSel.value, targetSel.value, { selectEdge: false })) {
        render();
        const again = el.querySelector('[data-testid="wf-conn-add"]');
        if (again) again.focus();
      }
    });
    return h('section', { class: 'wf-conns', 'aria-label': t('Connections') },
      h('h3', { class: 'wf-vars-title' }, t('Connections')),
      outgoing.length || incoming.length ? h('ul', { class: 'wf-conn-list' },
        incoming.map((e) => item(e, `from ${e.source} (${e.source_port})`)),
        outgoing.map((e) => item(e, `${e.source_port} → ${e.target}`))) : h('p', { class: 'field-hint' }, t('No connections to or from this step.')),
      targets.length ? h('div', { class: 'wf-conn-add' },
        h('div', { class: 'field' }, h('label', { for: portId }, t('From port')), portSel),
        h('div', { class: 'field' }, h('label', { for: targetId }, t('To step')), targetSel),
        addBtn) : null);
  }

  /* ----- the selected step in the monitored run ----- */

  function drawStepDetail() {
    const { selected, run } = state;
    if (!selected || selected.type !== 'node' || !run) return;
    const box = el.querySelector('.wf-step-detail');
    if (!box) {
      render(); // the panel was drawn before the run was shown; this draws the box too
      return;
    }
    const step = stepFor(run, selected.id);
    const approval = Array.isArray(run.pending_approvals) ? run.pending_approvals.find((a) => a.node_id === selected.id) : null;
    const setRun = (r) => store.notify('run:set', r);
    fill(box,
      h('h3', { class: 'wf-vars-title' }, t('In this run')),
      step ? [
        stepMeta(step),
        step.error ? h('p', { class: 'alert alert-error', testid: 'wf-step-error' }, step.error) : null,
        h('details', { class: 'wf-block', open: true }, h('summary', {}, t('Input')), jsonBlock(step.input, 'wf-step-input')),
        h('details', { class: 'wf-block', open: true }, h('summary', {}, t('Output')), jsonBlock(step.output, 'wf-step-output')),
      ] : h('p', { class: 'muted', testid: 'wf-step-pending' }, t('Not reached (yet).')),
      approval ? approvalControls(run.id, approval, setRun, 'wf-step') : null);
  }

  /* ----- what other parts of the builder change ----- */

  store.subscribe('selection', render);
  store.subscribe('changed', (detail) => {
    if (detail && detail.panel) render();
  });
  store.subscribe('issues', drawIssues);
  store.subscribe('run', (detail) => {
    if (detail && detail.stopped) render();
    else if (state.selected && state.selected.type === 'node') drawStepDetail();
    else if (!state.selected) render();
  });

  return { el, render };
}
