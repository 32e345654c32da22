// The builder's run monitor: "Run with test data", then a bar with the run's status, approvals,
// cancel and retry while every step on the canvas is coloured by its state. Kept live over the
// event stream (run.updated, run.step), polled while the stream is down.
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { h, fill, toast, busy, field, formAlert, openDialog } from '../ui.js';
import { subscribe, isConnected } from '../live.js';
import { formatDateTime } from '../format.js';
import { timeZone } from '../session.js';
import {
  runStatusBadge, ACTIVE_RUN, shortId, approvalControls, runActionButtons, formatDuration,
} from '../shared/workflows.js';
import { isObject } from './values.js';
import { triggerOf, nodeById, mergeStepEvent, blueprintOf } from './graph.js';
import { t, tn } from '../i18n.js';

/** save(): the toolbar's save, run first when the workflow has unsaved changes. */
export function createMonitor({ ctx, store, save }) {
  const state = store.state;
  const root = ctx.root;
  const el = h('section', { class: 'wf-monitor', testid: 'wf-monitor', 'aria-label': t('Run monitor'), hidden: true });

  let runTimer = null;
  let runInFlight = false;
  let runAgain = false;

  /* ---------- starting a run ---------- */

  /** Where the prefilled test data came from (POST /workflows/test-data's `source`). */
  function testDataNote(source) {
    switch (source) {
      case 'last_run': return t('Prefilled with the data this workflow last ran with.');
      case 'sample_payload': return t('Prefilled from the trigger’s sample payload.');
      case 'recent_event': return t('Prefilled with the latest real event of this kind in your books.');
      case 'recent_message': return t('Prefilled with the latest message a customer sent.');
      case 'schedule': return t('Prefilled with a schedule tick for now.');
      default: return t('Built from the trigger fields this workflow uses; change them to real values. Phone numbers are your own, so a test message reaches you.');
    }
  }

  function runDialog() {
    const trig = triggerOf(state.nodes);
    const sample = trig && isObject(trig.params.sample_payload) ? trig.params.sample_payload : {};
    const alert = formAlert('run-error');
    const payload = field({
      label: t('Test data (JSON)'), name: 'payload', type: 'textarea', testid: 'run-payload',
      value: '',
      hint: t('Loading test data…'),
      attrs: { rows: 8, spellcheck: 'false', class: 'wf-code' },
    });
    const hint = payload.querySelector('.field-hint');
    const unsaved = state.dirty || !state.wf;
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'run-submit' }, unsaved ? t('Save and run') : t('Start run'));
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
    const form = h('form', { class: 'stack', novalidate: true, testid: 'run-form' },
      payload, alert.el,
      unsaved ? h('p', { class: 'field-hint' }, t('The workflow is saved first (a new version), then run.')) : null,
      h('div', { class: 'form-actions' }, cancel, submit));
    const { close } = openDialog({ title: t('Run with test data'), body: form, testid: 'run-dialog' });
    cancel.addEventListener('click', close);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy([submit], async () => {
        alert.clear();
        let data;
        try {
          data = JSON.parse(payload.control.value.trim() || '{}');
        } catch (e) {
          alert.show(t('The test data is not valid JSON: {reason}', { reason: e.message }));
          payload.control.focus();
          return;
        }
        if (!isObject(data)) {
          alert.show(t('The test data should be a JSON object, like {"amount": 1500}.'));
          return;
        }
        if (!state.wf || state.dirty) {
          if (!(await save())) {
            alert.show(t('The workflow could not be saved; fix the problems shown on the steps and try again.'));
            return;
          }
        }
        try {
          const r = await api.create(path('workflowStartRun', state.wf.id), { payload: data });
          close();
          startMonitor(r);
          refreshRun(0);
          toast(t('Run started. The steps light up as they run.'), 'success');
        } catch (e) {
          alert.show(errorMessage(e));
        }
      });
    });
    // The data the trigger would really carry: the last run's, the sample, a real recent event,
    // or one built from the fields the workflow uses.
    payload.control.disabled = true;
    submit.disabled = true;
    payload.control.setAttribute('aria-busy', 'true');
    api.post(path('workflowTestData'), {
      blueprint: blueprintOf(state.wf ? state.wf.name : t('Draft'), state.nodes, state.edges),
      workflow_id: state.wf ? state.wf.id : null,
    }).then((r) => {
      payload.control.value = JSON.stringify(isObject(r.payload) ? r.payload : {}, null, 2);
      hint.textContent = `${t('The trigger’s data for this run, as a JSON object.')} ${testDataNote(r.source)}`;
    }, (e) => {
      payload.control.value = JSON.stringify(sample, null, 2);
      hint.textContent = t('The trigger’s data for this run, as a JSON object. Test data could not be prepared: {reason}', { reason: errorMessage(e) });
    }).finally(() => {
      payload.control.disabled = false;
      submit.disabled = false;
      payload.control.removeAttribute('aria-busy');
      if (payload.isConnected) payload.control.focus();
    });
  }

  /** "Run with test data": a run starts at the trigger. */
  function runWithTestData() {
    if (!triggerOf(state.nodes)) {
      toast(t('Add a trigger first: it is where a run starts.'), 'error');
      return;
    }
    runDialog();
  }

  /* ---------- showing a run ---------- */

  function startMonitor(r) {
    state.run = r;
    history.replaceState(null, '', `#/workflows/${encodeURIComponent(state.wf.id)}?run=${encodeURIComponent(r.id)}`);
    drawRun();
  }

  function stopMonitor() {
    state.run = null;
    clearTimeout(runTimer);
    if (state.wf) history.replaceState(null, '', `#/workflows/${encodeURIComponent(state.wf.id)}`);
    el.hidden = true;
    fill(el);
    root.classList.remove('wf-monitoring');
    store.notify('run', { stopped: true });
  }

  function setRun(r) {
    if (!r || !state.run || r.id !== state.run.id) return;
    state.run = r;
    drawRun();
  }

  function drawRun() {
    root.classList.add('wf-monitoring');
    const { run: r, wf, dirty } = state;
    const approvals = Array.isArray(r.pending_approvals) ? r.pending_approvals : [];
    const exit = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'wf-monitor-exit' }, t('Back to editing'));
    exit.addEventListener('click', stopMonitor);
    const versionNote = wf && r.version && r.version !== wf.version
      ? h('p', { class: 'field-hint' }, (dirty ? t('This run used version {run}; the canvas shows version {canvas} with unsaved changes.', { run: r.version, canvas: wf.version }) : t('This run used version {run}; the canvas shows version {canvas}.', { run: r.version, canvas: wf.version })))
      : null;
    fill(el,
      h('div', { class: 'wf-monitor-head' },
        h('p', { class: 'wf-monitor-title' },
          t('Run '), h('a', { href: `#/runs/${encodeURIComponent(r.id)}`, class: 'wf-mono', testid: 'wf-monitor-run-link' }, shortId(r.id)), ' ',
          runStatusBadge(r.status, 'wf-run-status'),
          h('span', { class: 'muted wf-monitor-time' },
            r.started_at ? ` ${t('started {time}', { time: formatDateTime(r.started_at, timeZone()) })}` : ` ${t('waiting to start')}`,
            r.finished_at ? ` · took ${formatDuration(r.started_at || r.created_at, r.finished_at)}` : '')),
        h('div', { class: 'btn-row' }, runActionButtons(r, (next) => (next ? setRun(next) : refreshRun(0)), 'wf-monitor', (fresh) => { startMonitor(fresh); refreshRun(0); }), exit)),
      r.error ? h('p', { class: 'alert alert-error wf-monitor-error', testid: 'wf-monitor-error' }, r.error) : null,
      versionNote,
      approvals.length ? h('div', { class: 'wf-approvals', testid: 'wf-approvals' },
        approvals.map((a) => approvalControls(r.id, a, setRun, 'wf'))) : null);
    el.hidden = false;
    store.notify('run', { stopped: false });
  }

  /* ---------- keeping it current ---------- */

  async function fetchRun() {
    if (!state.run) return;
    if (runInFlight) {
      runAgain = true;
      return;
    }
    runInFlight = true;
    const rid = state.run.id;
    try {
      const r = await api.get(path('run', rid));
      if (root.isConnected && state.run && state.run.id === rid) setRun(r);
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
    if (!state.run || !p.node_id) return;
    const node = nodeById(state.nodes, p.node_id);
    mergeStepEvent(state.run, p, node, new Date().toISOString());
    // Only the step's box changes; the panel follows with the full run.
    if (node) store.notify('node', node);
  }

  subscribe(['run.updated', 'run.step'], (type, p) => {
    if (!root.isConnected) return;
    const { run } = state;
    const rid = type === 'run.updated' ? p.id : p.run_id;
    if (!run || rid !== run.id) return;
    if (type === 'run.step') applyStepEvent(p);
    else if (p.status && run.status !== p.status) {
      run.status = p.status;
      drawRun();
    }
    refreshRun();
  }, { root, onReconnect: () => state.run && refreshRun(0) });

  // Without the live stream, a running run is polled.
  const poll = setInterval(() => {
    if (!root.isConnected) {
      clearInterval(poll);
      return;
    }
    if (state.run && ACTIVE_RUN.has(state.run.status) && !isConnected()) refreshRun(0);
  }, 3000);

  store.subscribe('run:set', setRun);

  return {
    el,
    runWithTestData,
    /** Shows ?run={id} of this workflow when the builder opens. */
    open(runId) {
      const { wf } = state;
      if (!runId || !wf) return;
      api.get(path('run', runId)).then((r) => {
        if (!root.isConnected) return;
        if (r.workflow_id !== wf.id) {
          toast(t('That run belongs to another workflow.'), 'error');
          return;
        }
        state.run = r;
        drawRun();
        if (ACTIVE_RUN.has(r.status)) refreshRun(0);
      }).catch((e) => toast(t('Could not open the run: {reason}', { reason: errorMessage(e) }), 'error'));
    },
  };
}
