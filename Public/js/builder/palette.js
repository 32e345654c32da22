// The builder's palette: every catalog node by group, with a search; a click (or Enter) adds a
// step, a drag drops it where the pointer lets go on the canvas.
import { h, uid } from '../ui.js';
import { NODE_W, IN_PORT_Y } from './graph.js';
import { DRAG_THRESHOLD } from './canvas.js';
import { t, tn } from '../i18n.js';

/** index: catalogIndex(catalog); canvas: createCanvas(…)'s API (addNode, toCanvas, overCanvas). */
export function createPalette({ index, canvas }) {
  const searchId = uid('wf-palette-search');
  const search = h('input', { type: 'search', id: searchId, testid: 'wf-palette-search', placeholder: t('Find a step'), autocomplete: 'off' });
  const groupsEl = h('div', { class: 'wf-palette-groups' });
  const el = h('aside', { class: 'wf-palette', testid: 'wf-palette', 'aria-label': t('Steps you can add') },
    h('h2', { class: 'wf-side-title' }, t('Add a step')),
    h('div', { class: 'field' }, h('label', { for: searchId, class: 'visually-hidden' }, t('Find a step')), search),
    h('p', { class: 'field-hint' }, t('Click (or press Enter) to add, or drag onto the canvas.')),
    groupsEl);

  let drag = null;
  let suppressClick = false;

  const items = [];
  for (const { group, items: specs } of index.groups) {
    const gid = uid('wf-group');
    const buttons = specs.map((spec) => {
      const btn = h('button', {
        type: 'button', class: `wf-palette-item wf-kind-${spec.kind}`, testid: 'palette-item',
        dataset: { key: `${spec.service}/${spec.task}`, kind: spec.kind }, title: spec.summary || '',
      }, h('span', { class: 'wf-palette-title' }, spec.title), h('span', { class: 'wf-palette-summary' }, spec.summary || ''));
      btn.addEventListener('click', () => {
        if (suppressClick) return;
        canvas.addNode(spec, null);
      });
      btn.addEventListener('pointerdown', (ev) => startDrag(ev, spec));
      items.push({ btn, spec });
      return h('li', {}, btn);
    });
    groupsEl.appendChild(h('section', { class: 'wf-palette-group', 'aria-labelledby': gid, dataset: { group } },
      h('h3', { class: 'wf-palette-group-title', id: gid }, group),
      h('ul', { class: 'wf-palette-items' }, buttons)));
  }
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase();
    for (const { btn, spec } of items) {
      const hay = `${spec.title} ${spec.summary} ${spec.service} ${spec.task} ${spec.group}`.toLowerCase();
      btn.parentElement.hidden = !!q && !hay.includes(q);
    }
    for (const sec of groupsEl.children) sec.hidden = !sec.querySelector('li:not([hidden])');
  });

  /* ---------- dragging onto the canvas ---------- */

  function startDrag(ev, spec) {
    if (ev.button !== 0 || ev.pointerType === 'touch') return; // touch: a tap adds the step
    drag = { spec, x: ev.clientX, y: ev.clientY, ghost: null, pointerId: ev.pointerId };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    window.addEventListener('pointercancel', onCancel);
  }

  function onMove(ev) {
    const d = drag;
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
    canvas.canvas.classList.toggle('is-drop-target', canvas.overCanvas(ev.clientX, ev.clientY));
  }

  function endDrag() {
    window.removeEventListener('pointermove', onMove);
    window.removeEventListener('pointerup', onUp);
    window.removeEventListener('pointercancel', onCancel);
    if (drag && drag.ghost) drag.ghost.remove();
    document.body.classList.remove('wf-dragging');
    canvas.canvas.classList.remove('is-drop-target');
    drag = null;
  }

  function onUp(ev) {
    const d = drag;
    if (!d || ev.pointerId !== d.pointerId) return;
    const dropped = d.ghost && canvas.overCanvas(ev.clientX, ev.clientY);
    const wasDrag = !!d.ghost;
    endDrag();
    if (wasDrag) {
      // The click that may follow the drag must not add a second step.
      suppressClick = true;
      setTimeout(() => {
        suppressClick = false;
      }, 0);
    }
    if (dropped) {
      const p = canvas.toCanvas(ev.clientX, ev.clientY);
      canvas.addNode(d.spec, { x: p.x - NODE_W / 2, y: p.y - IN_PORT_Y });
      canvas.focus();
    }
  }

  function onCancel(ev) {
    if (drag && ev.pointerId === drag.pointerId) endDrag();
  }

  return { el };
}
