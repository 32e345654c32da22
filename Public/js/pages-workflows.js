// Workflows (docs/workflows-api.md): the list of workflows with "draft from a sentence", the runs
// list (all runs, or one workflow's) and one run's detail page with its steps, approvals, cancel
// and retry. The builder itself lives in workflow-builder.js; the helpers it shares with these
// pages (catalog, status badges, JSON blocks, the active switch, the draft hand-off) live in
// shared/workflows.js.
//
// Routes: #/workflows, #/workflows/{id}/runs, #/runs, #/runs/{id}.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, field, formAlert, toast, loadingState, errorState, emptyState, confirmDialog,
  fill, add, busy, uid, debounce, linkButton, navigate, dataTable, pagedList,
} from './ui.js';
import { formatDateTime, relativeTime } from './format.js';
import { timeZone } from './session.js';
import { subscribe, isConnected } from './live.js';
import {
  RUN_STATUS, ACTIVE_RUN, runStatusBadge, loadCatalog, jsonBlock, shortId, formatDuration, switchButton,
  setWorkflowActive, handDraft, approvalControls, runActionButtons, stepMeta,
} from './shared/workflows.js';
import { t, tn } from './i18n.js';

/* ---------- helpers of these pages ---------- */

/** The catalog entry for a trigger {service, task} (triggers are known by their service). */
export function triggerSpec(catalog, trigger) {
  if (!catalog || !trigger) return null;
  return (catalog.nodes || []).find((s) => s.kind === 'trigger' && s.service === trigger.service) || null;
}

export function triggerLabel(catalog, trigger) {
  if (!trigger) return '—';
  const spec = triggerSpec(catalog, trigger);
  return spec ? spec.title : `${trigger.service}/${trigger.task}`;
}

export function timeCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: formatDateTime(iso, timeZone()) }, relativeTime(iso, timeZone()));
}

/* ---------- #/workflows ---------- */

export function workflowsPage(ctx) {
  let catalog = null; // for trigger titles; the list shows service/task without it

  const newBtn = linkButton('#/workflows/new', t('New workflow'), { testid: 'wf-new' });
  const runsBtn = linkButton('#/runs', t('All runs'), { kind: 'secondary', testid: 'wf-all-runs' });

  /* ----- draft from a sentence ----- */

  const prompt = field({
    label: t('Describe what should happen'), name: 'prompt', type: 'textarea', testid: 'wf-draft-prompt',
    hint: t('For example: “When a payment is recorded, thank the customer on WhatsApp.” Munim drafts the steps; you check them in the builder before saving.'),
    attrs: { rows: 2, maxlength: 2000 },
  });
  const draftAlert = formAlert('wf-draft-error');
  const draftBtn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'wf-draft-submit' }, t('Draft workflow'));
  const draftForm = h('form', { class: 'stack', novalidate: true, testid: 'wf-draft-form' },
    prompt, draftAlert.el, h('div', { class: 'form-actions' }, draftBtn));
  draftForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([draftBtn], async () => {
      draftAlert.clear();
      const text = prompt.control.value.trim();
      if (!text) {
        draftAlert.show(t('Write a sentence about what the workflow should do.'));
        prompt.control.focus();
        return;
      }
      fill(draftBtn, h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), ' Drafting…');
      try {
        const res = await api.post(path('workflowDraft'), { prompt: text });
        handDraft({ ...res, prompt: text });
        navigate('/workflows/new');
      } catch (e) {
        draftAlert.show(errorMessage(e)); // no_recipe's message suggests sentences that work
      } finally {
        fill(draftBtn, t('Draft workflow'));
      }
    });
  });
  prompt.control.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      draftForm.requestSubmit();
    }
  });

  /* ----- filters ----- */

  const searchId = uid('wf-search');
  const search = h('input', { type: 'search', id: searchId, testid: 'wf-search', placeholder: t('Name'), autocomplete: 'off', value: ctx.query.q || '' });
  const activeId = uid('wf-active-filter');
  const activeFilter = h('select', { id: activeId, testid: 'wf-filter-active' },
    h('option', { value: '' }, t('All workflows')),
    h('option', { value: 'true' }, t('Active')),
    h('option', { value: 'false' }, t('Inactive')));
  const toolbar = h('div', { class: 'toolbar', role: 'search', 'aria-label': t('Filter workflows') },
    h('div', { class: 'field grow' }, h('label', { for: searchId }, t('Search')), search),
    h('div', { class: 'field' }, h('label', { for: activeId }, t('Show')), activeFilter));

  /* ----- list ----- */

  const rows = new Map(); // workflow id -> {item, activeSwitch, versionCell, lastRunCell}

  function lastRunContent(r) {
    if (!r) return h('span', { class: 'muted' }, t('Never run'));
    return h('a', { href: `#/runs/${encodeURIComponent(r.id)}`, class: 'wf-last-run', testid: 'wf-last-run' },
      runStatusBadge(r.status), ' ', timeCell(r.created_at));
  }

  function render(items) {
    rows.clear();
    return dataTable({
      caption: t('Workflows'),
      testid: 'wf-table',
      rowTestid: 'wf-row',
      items,
      columns: [
        {
          label: t('Name'),
          render: (w) => [
            h('a', { href: `#/workflows/${encodeURIComponent(w.id)}`, class: 'cell-title', testid: 'wf-row-name' }, w.name || t('Untitled')),
            h('span', { class: 'cell-sub' }, t('Updated {time}', { time: relativeTime(w.updated_at, timeZone()) })),
          ],
        },
        { label: t('Trigger'), render: (w) => h('span', { testid: 'wf-row-trigger' }, triggerLabel(catalog, w.trigger)) },
        {
          label: t('Active'),
          render: (w) => {
            const sw = switchButton({ label: t('Active'), checked: !!w.active, testid: 'wf-row-active' });
            sw.setAttribute('aria-label', `${w.name || 'Workflow'} active`);
            sw.addEventListener('click', () => busy([sw], async () => {
              try {
                const updated = await setWorkflowActive(w.id, !w.active);
                Object.assign(w, updated);
                sw.set(!!w.active);
                toast(w.active ? t('{name} is active.', { name: w.name }) : t('{name} is off.', { name: w.name }), 'info');
              } catch {
                // shown by setWorkflowActive
              }
            }));
            const entry = rows.get(w.id) || {};
            rows.set(w.id, { ...entry, item: w, activeSwitch: sw });
            return sw;
          },
        },
        {
          label: t('Version'),
          className: 'num',
          render: (w) => {
            const el = h('span', { testid: 'wf-row-version' }, `v${w.version ?? 1}`);
            rows.set(w.id, { ...(rows.get(w.id) || {}), versionCell: el });
            return el;
          },
        },
        {
          label: t('Last run'),
          render: (w) => {
            const el = h('span', {}, lastRunContent(w.last_run));
            rows.set(w.id, { ...(rows.get(w.id) || {}), lastRunCell: el });
            return el;
          },
        },
        {
          label: '',
          className: 'actions',
          render: (w) => {
            const del = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'wf-row-delete', 'aria-label': t('Delete {name}', { name: w.name }) }, t('Delete'));
            del.addEventListener('click', async () => {
              const ok = await confirmDialog({
                title: t('Delete {name}?', { name: w.name }),
                message: t('The workflow and its versions are removed; runs still in progress are cancelled.'),
                confirmText: t('Delete workflow'),
                danger: true,
                action: () => api.del(path('workflowDelete', w.id)),
              });
              if (!ok) return;
              toast(t('{name} was deleted.', { name: w.name }), 'success');
              list.reload();
            });
            return h('div', { class: 'btn-row' },
              h('a', { href: `#/workflows/${encodeURIComponent(w.id)}/runs`, class: 'btn btn-ghost btn-small', testid: 'wf-row-runs' }, t('Runs')),
              del);
          },
        },
      ],
    });
  }

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('workflows'), { q: search.value.trim(), active: activeFilter.value, cursor, limit: 50 }),
    render,
    empty: () => {
      if (search.value.trim() || activeFilter.value) return emptyState(t('No workflows match these filters.'));
      return emptyState(t('No workflows yet. Start from an empty canvas, or describe one in a sentence above.'),
        linkButton('#/workflows/new', t('New workflow'), { testid: 'wf-empty-new' }));
    },
  });
  list.el.setAttribute('data-testid', 'wf-list');

  search.addEventListener('input', debounce(() => list.reload(), 300));
  activeFilter.addEventListener('change', () => list.reload());

  subscribe(['workflow.updated', 'run.updated'], (type, p) => {
    if (type === 'workflow.updated') {
      const row = rows.get(p.id);
      if (!row || !row.item) return;
      if (typeof p.active === 'boolean') {
        row.item.active = p.active;
        row.activeSwitch?.set(p.active);
      }
      if (p.version && row.versionCell) row.versionCell.textContent = `v${p.version}`;
      return;
    }
    const row = rows.get(p.workflow_id);
    if (!row || !row.item || !row.lastRunCell) return;
    const last = row.item.last_run;
    let next;
    if (last && last.id === p.id) next = { ...last, status: p.status };
    else if (p.status === 'queued' || p.status === 'running') next = { id: p.id, status: p.status, created_at: new Date().toISOString() };
    else return; // an older run finishing: the newest one stays "last"
    row.item.last_run = next;
    fill(row.lastRunCell, lastRunContent(next));
  }, { root: ctx.root, onReconnect: () => list.reload() });

  add(ctx.root,
    pageHeader(t('Workflows'), runsBtn, newBtn),
    h('p', { class: 'muted lead' }, t('Automate payment links, reminders, order logging and social posts. Each workflow starts with a trigger and runs its steps in order.')),
    h('section', { class: 'card wf-draft-card', 'aria-labelledby': 'wf-draft-title' },
      h('h2', { class: 'card-title', id: 'wf-draft-title' }, t('Draft from a sentence')),
      draftForm),
    h('section', { 'aria-labelledby': 'wf-list-title' },
      h('h2', { class: 'subhead', id: 'wf-list-title' }, t('Your workflows')),
      toolbar,
      list.el));
  loadCatalog().then((c) => {
    catalog = c;
  }).catch(() => {}).finally(() => {
    if (ctx.root.isConnected) list.reload();
  });
}

/* ---------- #/runs and #/workflows/{id}/runs ---------- */

export function runsPage(ctx) {
  runsView(ctx, null);
}

export function workflowRunsPage(ctx) {
  runsView(ctx, ctx.params[0]);
}

const RUN_FILTERS = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'];

function runsView(ctx, workflowId) {
  const title = h('span', {}, t('Runs'));
  const header = pageHeader(title);
  const crumb = h('p', { class: 'breadcrumb' }, h('a', { href: '#/workflows' }, t('← Workflows')));
  if (workflowId) {
    api.get(path('workflow', workflowId)).then((w) => {
      if (!ctx.root.isConnected) return;
      title.textContent = t('Runs of {name}', { name: w.name });
      ctx.setTitle(t('Runs of {name}', { name: w.name }));
      add(crumb, ' · ', h('a', { href: `#/workflows/${encodeURIComponent(workflowId)}`, testid: 'runs-open-builder' }, t('Open {name} in the builder', { name: w.name })));
    }).catch(() => {});
  }

  const statusId = uid('run-status');
  const status = h('select', { id: statusId, testid: 'runs-filter-status' },
    h('option', { value: '' }, t('Any status')),
    RUN_FILTERS.map((s) => h('option', { value: s, selected: ctx.query.status === s }, t(RUN_STATUS[s][0]))));
  const toolbar = h('div', { class: 'toolbar', role: 'search', 'aria-label': t('Filter runs') },
    h('div', { class: 'field' }, h('label', { for: statusId }, t('Status')), status));

  const badges = new Map(); // run id -> cell holding its status badge

  function render(items) {
    badges.clear();
    const columns = [
      {
        label: t('Run'),
        render: (r) => [
          h('a', { href: `#/runs/${encodeURIComponent(r.id)}`, class: 'cell-title wf-mono', testid: 'run-row-link' }, shortId(r.id)),
          h('span', { class: 'cell-sub' }, formatDateTime(r.created_at, timeZone())),
        ],
      },
      workflowId ? null : {
        label: t('Workflow'),
        render: (r) => h('a', { href: `#/workflows/${encodeURIComponent(r.workflow_id)}`, testid: 'run-row-workflow' }, r.workflow_name || shortId(r.workflow_id)),
      },
      {
        label: t('Status'),
        render: (r) => {
          const cell = h('span', {}, runStatusBadge(r.status));
          badges.set(r.id, { cell, run: r });
          return cell;
        },
      },
      { label: t('Version'), className: 'num', render: (r) => `v${r.version ?? '?'}` },
      { label: t('Trigger'), render: (r) => r.trigger_service || '—' },
      { label: t('Took'), className: 'num', render: (r) => formatDuration(r.started_at, r.finished_at) || '—' },
      {
        label: t('Error'),
        render: (r) => (r.error ? h('span', { class: 'wf-run-error', testid: 'run-row-error', title: r.error }, r.error) : h('span', { class: 'muted' }, '—')),
      },
    ].filter(Boolean);
    return dataTable({ caption: t('Runs'), testid: 'runs-table', rowTestid: 'run-row', items, columns });
  }

  const list = pagedList({
    fetchPage: (cursor) => api.get(path('runs'), { workflow_id: workflowId, status: status.value, cursor, limit: 30 }),
    render,
    empty: () => (status.value
      ? emptyState(t('No runs with this status.'))
      : emptyState(workflowId
        ? t('This workflow has not run yet. Open it in the builder and use “Run with test data”.')
        : t('No runs yet. Runs appear here when a workflow starts.'),
      workflowId ? linkButton(`#/workflows/${encodeURIComponent(workflowId)}`, t('Open the builder'), { kind: 'secondary' }) : null)),
  });
  list.el.setAttribute('data-testid', 'runs-list');
  status.addEventListener('change', () => list.reload());

  const reloadSoon = debounce(() => list.reload(), 800);
  subscribe(['run.updated'], (type, p) => {
    if (workflowId && p.workflow_id !== workflowId) return;
    const known = badges.get(p.id);
    if (known) {
      known.run.status = p.status;
      fill(known.cell, runStatusBadge(p.status));
      if (status.value && status.value !== p.status) reloadSoon();
      return;
    }
    if (!status.value || status.value === p.status) reloadSoon();
  }, { root: ctx.root, onReconnect: () => list.reload() });

  add(ctx.root, header, crumb, toolbar, list.el);
  list.reload();
}

/* ---------- #/runs/{id} ---------- */

/** Steps in the order they ran (created_at, then started_at). */
export function orderedSteps(run) {
  return (Array.isArray(run && run.steps) ? run.steps.slice() : []).sort((a, b) => (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0)
    || (Date.parse(a.started_at) || 0) - (Date.parse(b.started_at) || 0));
}

export function runDetailPage(ctx) {
  const [id] = ctx.params;
  let run = null;
  const openDetails = new Set(); // "node:section" keys of expanded blocks, kept across refreshes
  const body = h('div', { class: 'wf-run-detail', testid: 'run-detail' }, loadingState(t('Loading the run…')));
  const titleText = h('span', {}, t('Run {id}', { id: shortId(id) }));
  const statusSlot = h('span', { testid: 'run-detail-status' });
  const header = pageHeader(h('span', { class: 'wf-run-title' }, titleText, statusSlot));
  const crumb = h('p', { class: 'breadcrumb' }, h('a', { href: '#/workflows' }, t('← Workflows')));
  add(ctx.root, header, crumb, body);

  function details(key, label, content, testid) {
    const d = h('details', { class: 'wf-block', testid, open: openDetails.has(key) }, h('summary', {}, label), content);
    d.addEventListener('toggle', () => {
      if (d.open) openDetails.add(key);
      else openDetails.delete(key);
    });
    return d;
  }

  // Step names from the catalog ("Send WhatsApp message"), the node id beside them for {{steps.…}}.
  let catalog = null;
  loadCatalog().then((c) => {
    catalog = c;
    if (run && ctx.root.isConnected) draw();
  }).catch(() => {});
  const specOf = (step) => (catalog && Array.isArray(catalog.nodes) ? catalog.nodes.find((n) => n.service === step.service
    && (n.kind === 'trigger' || n.task === step.task)) : null) || null;

  function stepCard(step) {
    const key = step.node_id;
    const failed = step.status === 'failed';
    const spec = specOf(step);
    return h('article', { class: `wf-step wf-step-${step.status}`, testid: 'run-step', dataset: { nodeId: step.node_id, status: step.status } },
      h('div', { class: 'wf-step-head' },
        h('h3', { class: 'wf-step-title', testid: 'run-step-title' }, spec ? spec.title : step.node_id),
        h('span', { class: 'cell-sub' }, h('code', { testid: 'run-step-node' }, step.node_id), spec ? null : ` · ${step.service}/${step.task}`),
        runStatusBadge(step.status, 'run-step-status')),
      stepMeta(step),
      step.error ? h('p', { class: 'alert alert-error wf-step-error', testid: 'run-step-error' }, step.error) : null,
      h('div', { class: 'wf-step-io' },
        details(`${key}:input`, t('Input'), jsonBlock(step.input, 'run-step-input'), 'run-step-input-block'),
        details(`${key}:output`, t('Output'), jsonBlock(step.output, 'run-step-output'), 'run-step-output-block'),
        failed && !step.error ? details(`${key}:error`, t('Error'), jsonBlock(step.error), null) : null));
  }

  function draw() {
    const r = run;
    const tz = timeZone();
    ctx.setTitle(`${t('Run {id}', { id: shortId(r.id) })} · ${r.workflow_name || t('Workflow')}`);
    titleText.textContent = t('Run {id}', { id: shortId(r.id) });
    fill(statusSlot, runStatusBadge(r.status, 'run-status'));
    fill(crumb, h('a', { href: '#/workflows' }, t('← Workflows')), ' · ',
      h('a', { href: `#/workflows/${encodeURIComponent(r.workflow_id)}/runs`, testid: 'run-workflow-runs' }, t('Runs of {name}', { name: r.workflow_name || t('this workflow') })));
    const steps = orderedSteps(r);
    const approvals = Array.isArray(r.pending_approvals) ? r.pending_approvals : [];
    fill(body,
      h('div', { class: 'wf-run-actions' },
        h('a', {
          href: `#/workflows/${encodeURIComponent(r.workflow_id)}?run=${encodeURIComponent(r.id)}`, class: 'btn btn-secondary btn-small', testid: 'run-open-builder',
        }, t('Watch in the builder')),
        runActionButtons(r, (next) => (next ? setRun(next) : refresh()), 'run', (fresh) => { location.hash = `#/runs/${encodeURIComponent(fresh.id)}`; })),
      r.error ? h('p', { class: 'alert alert-error', testid: 'run-error', role: 'status' }, r.error) : null,
      approvals.length ? h('section', { class: 'card wf-approvals', testid: 'run-approvals', 'aria-label': t('Waiting for approval') },
        h('h2', { class: 'card-title' }, t('Waiting for approval')),
        approvals.map((a) => approvalControls(r.id, a, setRun))) : null,
      h('section', { class: 'card' },
        h('dl', { class: 'meta' },
          h('dt', {}, t('Workflow')), h('dd', {}, h('a', { href: `#/workflows/${encodeURIComponent(r.workflow_id)}`, testid: 'run-workflow' }, r.workflow_name || shortId(r.workflow_id))),
          h('dt', {}, t('Version')), h('dd', {}, `v${r.version ?? '?'}`),
          h('dt', {}, t('Trigger')), h('dd', {}, (triggerSpec(catalog, { service: r.trigger_service }) || {}).title || r.trigger_service || '—'),
          h('dt', {}, t('Created')), h('dd', {}, formatDateTime(r.created_at, tz)),
          h('dt', {}, t('Started')), h('dd', {}, r.started_at ? formatDateTime(r.started_at, tz) : '—'),
          h('dt', {}, t('Finished')), h('dd', {}, r.finished_at ? formatDateTime(r.finished_at, tz) : '—'),
          r.started_at && r.finished_at ? [h('dt', {}, t('Took')), h('dd', {}, formatDuration(r.started_at, r.finished_at))] : null)),
      h('div', { class: 'grid-2 wf-run-io' },
        h('section', { class: 'card' }, h('h2', { class: 'card-title' }, t('Trigger payload')), jsonBlock(r.trigger_payload, 'run-payload')),
        h('section', { class: 'card' }, h('h2', { class: 'card-title' }, t('Response')), jsonBlock(r.response, 'run-response'))),
      h('section', { 'aria-labelledby': 'run-steps-title' },
        h('h2', { class: 'subhead', id: 'run-steps-title' }, t('Steps ({count})', { count: steps.length })),
        steps.length
          ? h('div', { class: 'wf-steps', testid: 'run-steps' }, steps.map(stepCard))
          : emptyState(ACTIVE_RUN.has(r.status) ? t('No step has started yet.') : t('This run has no steps.'))));
  }

  function setRun(r) {
    if (!r || r.id !== id) return;
    run = r;
    draw();
  }

  let inFlight = false;
  let again = false;
  let timer = null;
  async function refresh() {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const r = await api.get(path('run', id));
      if (ctx.root.isConnected) setRun(r);
    } catch (e) {
      if (!run && ctx.root.isConnected) {
        fill(body, e.status === 404
          ? emptyState(t('This run does not exist (or you cannot see it).'), h('a', { href: '#/runs' }, t('All runs')))
          : errorState(e, refresh));
      } else {
        console.warn('could not refresh the run', e);
      }
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        refreshSoon();
      }
    }
  }
  // Steps finish in bursts (a router and its branches within milliseconds): one fetch per burst.
  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }

  subscribe(['run.updated', 'run.step'], (type, p) => {
    const rid = type === 'run.updated' ? p.id : p.run_id;
    if (rid === id) refreshSoon();
  }, { root: ctx.root, onReconnect: refreshSoon });

  const poll = setInterval(() => {
    if (!ctx.root.isConnected) {
      clearInterval(poll);
      return;
    }
    if (run && ACTIVE_RUN.has(run.status) && !isConnected()) refresh();
  }, 5000);

  refresh();
}
