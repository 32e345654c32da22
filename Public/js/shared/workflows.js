// Workflow helpers shared by the workflows pages (pages-workflows.js: list, runs, run detail) and
// the builder (workflow-builder.js, builder/*.js): run status badges, the node catalog, JSON blocks,
// durations, the active switch, approval and cancel/retry controls, and the unsaved draft handed
// from the list page to the builder (issue 15 §6: pages share helpers through shared modules,
// never by importing each other).
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { h, toast, badge, busy, confirmDialog } from '../ui.js';
import { formatDateTime } from '../format.js';
import { timeZone } from '../session.js';
import { t, tn, mark, language } from '../i18n.js';
import { localizeCatalog } from './step-texts.js';

/* ---------- run status ---------- */

export const RUN_STATUS = {
  pending: [mark('Pending'), 'neutral'],
  queued: [mark('Queued'), 'neutral'],
  running: [mark('Running'), 'info'],
  waiting: [mark('Waiting'), 'warn'],
  succeeded: [mark('Succeeded'), 'success'],
  failed: [mark('Failed'), 'danger'],
  skipped: [mark('Skipped'), 'neutral'],
  cancelled: [mark('Cancelled'), 'neutral'],
};

/** Run states that can still change (and can be cancelled). */
export const ACTIVE_RUN = new Set(['queued', 'running', 'waiting']);

export function runStatusBadge(status, testid = 'run-status') {
  const [text, kind] = RUN_STATUS[status] || [status || t('Unknown'), 'neutral'];
  const el = badge(RUN_STATUS[status] ? t(text) : text, kind, testid);
  el.dataset.status = status || '';
  return el;
}

/* ---------- the catalog ---------- */

const catalogs = new Map(); // language → promise of the catalog in it

/** GET /workflows/catalog once per page load and language (it only changes with a new server
 * version), its words in the language on screen (shared/step-texts.js). A failure is not kept. */
export function loadCatalog() {
  const lang = language();
  if (!catalogs.has(lang)) {
    const promise = Promise.all([api.get(path('workflowCatalog')), stepTexts(lang)])
      .then(([catalog, texts]) => {
        if (texts === undefined) catalogs.delete(lang); // shown in English this time; asked again next time
        return localizeCatalog(catalog, texts);
      });
    promise.catch(() => catalogs.delete(lang));
    catalogs.set(lang, promise);
  }
  return catalogs.get(lang);
}

/** Public/i18n/steps.<lang>.json; null for English; undefined when it cannot be had (English
 * words rather than no builder). */
async function stepTexts(lang) {
  if (lang === 'en') return null;
  try {
    const res = await fetch(`/i18n/steps.${lang}.json`, { credentials: 'same-origin' });
    if (res.ok) return await res.json();
    console.warn(`the ${lang} step texts could not be loaded (HTTP ${res.status})`);
  } catch (e) {
    console.warn(`the ${lang} step texts could not be loaded`, e);
  }
  return undefined;
}

/** Pretty JSON in a scrolling <pre>; "—" for null/undefined. */
export function jsonBlock(value, testid = null) {
  if (value === null || value === undefined) return h('p', { class: 'muted wf-json-empty', testid }, '—');
  let text;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  } catch {
    text = String(value);
  }
  return h('pre', { class: 'wf-json', testid, tabindex: '0' }, text);
}

// The end of an id: run ids are time-ordered (their start is shared by runs made close together),
// their end is random — and a WhatsApp approval code is its last 6 characters.
export const shortId = (id) => String(id || '').slice(-8);

/** "850 ms", "12.4 s", "3 min 5 s", "2 h 10 min"; '' when either end is missing. */
export function formatDuration(startIso, endIso) {
  const a = Date.parse(startIso || '');
  const b = Date.parse(endIso || '');
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return '';
  const ms = b - a;
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** An on/off switch button (role=switch) like the inbox's bot toggle. .set(on) updates it. */
export function switchButton({ label, checked = false, testid = null }) {
  const state = h('span', { class: 'switch-state', 'aria-hidden': 'true' });
  const el = h('button', {
    type: 'button', class: 'switch', role: 'switch', 'aria-checked': 'false', testid,
  }, h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
  h('span', { class: 'switch-label' }, label), state);
  el.set = (on) => {
    el.setAttribute('aria-checked', on ? 'true' : 'false');
    state.textContent = on ? t('On') : t('Off');
  };
  el.set(checked);
  return el;
}

/** Messages of a 422 invalid_blueprint reply, as "step: message" lines. */
export function issueLines(errors) {
  return (Array.isArray(errors) ? errors : []).map((e) => (e && e.node_id ? `${e.node_id}: ${e.message}` : (e && e.message) || ''))
    .filter(Boolean);
}

/** Activates or deactivates a workflow; returns the updated Workflow, or null after showing why not. */
export async function setWorkflowActive(id, active) {
  try {
    return await api.post(path(active ? 'workflowActivate' : 'workflowDeactivate', id), {});
  } catch (e) {
    // A 422's message already names the problems; the builder also marks them on the steps.
    toast(errorMessage(e), 'error');
    throw e;
  }
}

/* ---------- the unsaved draft handed from the list page to the builder ---------- */

let pendingDraft = null;

/** Keeps the draft from POST /workflows/draft for the builder of #/workflows/new (the list page). */
export function handDraft(draft) {
  pendingDraft = draft;
}

/** The draft from POST /workflows/draft, taken once by the builder of #/workflows/new. */
export function takeDraft() {
  const d = pendingDraft;
  pendingDraft = null;
  return d;
}

/* ---------- run controls ---------- */

/** Approve / Reject buttons for one pending approval; onDone(run) gets the updated run. */
export function approvalControls(runId, approval, onDone, testPrefix = 'run') {
  const approve = h('button', { type: 'button', class: 'btn btn-primary btn-small', testid: `${testPrefix}-approve`, dataset: { nodeId: approval.node_id } }, t('Approve'));
  const reject = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: `${testPrefix}-reject`, dataset: { nodeId: approval.node_id } }, t('Reject'));
  const act = (decision) => busy([approve, reject], async () => {
    try {
      const r = await api.post(path(decision === 'approve' ? 'runApprove' : 'runReject', runId), { node_id: approval.node_id });
      toast(decision === 'approve' ? t('Approved; the run goes on.') : t('Rejected; the run takes the “rejected” path.'), 'success');
      onDone(r);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  });
  approve.addEventListener('click', () => act('approve'));
  reject.addEventListener('click', () => act('reject'));
  return h('div', { class: 'wf-approval', testid: `${testPrefix}-approval`, dataset: { nodeId: approval.node_id } },
    h('div', { class: 'wf-approval-text' },
      h('p', { class: 'wf-approval-message' }, h('strong', {}, approval.node_id), ': ', approval.message || t('Waiting for a decision.')),
      approval.timeout_at ? h('p', { class: 'cell-sub' }, t('Times out {time}', { time: formatDateTime(approval.timeout_at, timeZone()) })) : null),
    h('div', { class: 'btn-row' }, approve, reject));
}

/**
 * Cancel / Retry / Run again for a run; onDone(run) gets the updated run, onRestart(run) the new
 * run that "Run again from the start" made (that button shows only when onRestart is given).
 */
export function runActionButtons(run, onDone, testPrefix = 'run', onRestart = null) {
  const out = [];
  if (ACTIVE_RUN.has(run.status)) {
    const cancel = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: `${testPrefix}-cancel` }, t('Cancel run'));
    cancel.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: t('Cancel this run?'),
        message: t('Steps that have not started will not run. A step already in progress finishes first.'),
        confirmText: t('Cancel run'),
        danger: true,
        action: () => api.post(path('runCancel', run.id), {}),
      });
      if (ok) {
        toast(t('The run is cancelled.'), 'info');
        onDone(typeof ok === 'object' && ok.id ? ok : null);
      }
    });
    out.push(cancel);
  }
  if (run.status === 'failed') {
    const retry = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: `${testPrefix}-retry` }, t('Retry from the failed step'));
    retry.addEventListener('click', () => busy([retry], async () => {
      try {
        const r = await api.post(path('runRetry', run.id), {});
        toast(t('Retrying the failed step.'), 'info');
        onDone(r);
      } catch (e) {
        toast(errorMessage(e), 'error');
      }
    }));
    out.push(retry);
  }
  if (onRestart && (run.status === 'failed' || run.status === 'cancelled')) {
    const again = h('button', {
      type: 'button', class: 'btn btn-secondary btn-small', testid: `${testPrefix}-restart`,
      title: t('A new run with the same trigger data, on the workflow as it is saved now.'),
    }, t('Run again from the start'));
    again.addEventListener('click', () => busy([again], async () => {
      try {
        const r = await api.post(path('runRestart', run.id), {});
        toast(t('A new run started from the beginning.'), 'success');
        onRestart(r);
      } catch (e) {
        toast(errorMessage(e), 'error');
      }
    }));
    out.push(again);
  }
  return out;
}

/** A step's status, port, attempts and times as a definition list. */
export function stepMeta(step) {
  const tz = timeZone();
  return h('dl', { class: 'meta wf-step-meta' },
    h('dt', {}, t('Status')), h('dd', {}, runStatusBadge(step.status, 'step-status')),
    step.port ? [h('dt', {}, t('Port')), h('dd', { testid: 'step-port' }, h('code', {}, step.port))] : null,
    h('dt', {}, t('Attempts')), h('dd', { testid: 'step-attempts' }, String(step.attempts ?? 0)),
    h('dt', {}, t('Started')), h('dd', {}, step.started_at ? formatDateTime(step.started_at, tz) : '—'),
    h('dt', {}, t('Finished')), h('dd', {}, step.finished_at ? formatDateTime(step.finished_at, tz) : '—'),
    step.started_at && step.finished_at ? [h('dt', {}, t('Took')), h('dd', {}, formatDuration(step.started_at, step.finished_at))] : null,
    step.wake_at ? [h('dt', {}, t('Wakes')), h('dd', {}, formatDateTime(step.wake_at, tz))] : null);
}
