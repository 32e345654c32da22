// The builder's head: the name, version and save state, server-side validation (the status line,
// the banner of problems not about one step, and `issues` on the store for the steps), Save,
// the Active switch, the webhook URL and the drafted-from box.
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { h, fill, toast, busy, badge, uid, debounce, pageHeader } from '../ui.js';
import { subscribe } from '../live.js';
import { switchButton, setWorkflowActive, issueLines } from '../shared/workflows.js';
import { copyRow } from '../shared/copy.js';
import { triggerOf, blueprintOf, summarizeIssues, problemCount } from './graph.js';
import { t, tn } from '../i18n.js';

/** ctx: the page context (setTitle); draft: the architect's draft or null. */
export function createToolbar({ ctx, store, draft, source }) {
  const state = store.state;
  const root = ctx.root;

  const heading = h('span', { testid: 'wf-heading' });
  const header = pageHeader(heading);
  const crumb = h('p', { class: 'breadcrumb' }, h('a', { href: '#/workflows', testid: 'wf-back' }, t('← Workflows')));

  const nameId = uid('wf-name');
  const nameInput = h('input', {
    type: 'text', id: nameId, testid: 'wf-name', maxlength: 200, autocomplete: 'off', placeholder: t('e.g. Thank big orders'),
    value: (state.wf && state.wf.name) || (source && source.name) || '',
  });
  const nameError = h('p', { class: 'field-error', testid: 'wf-name-error', id: uid('wf-name-err') });
  nameInput.setAttribute('aria-describedby', nameError.id);
  const versionBadge = badge('', 'neutral', 'wf-version');
  const saveState = h('span', { class: 'wf-save-state', testid: 'wf-save-state', 'aria-live': 'polite' });
  const validStatus = h('span', { class: 'wf-valid', testid: 'wf-valid-status', 'aria-live': 'polite' });
  const saveBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'wf-save' }, t('Save'));
  const activeSwitch = switchButton({ label: t('Active'), checked: !!(state.wf && state.wf.active), testid: 'wf-active' });
  const runBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'wf-run-test' }, t('Run with test data'));
  const runsLink = h('a', { class: 'btn btn-ghost', testid: 'wf-runs-link', hidden: true }, t('Runs'));

  const bar = h('div', { class: 'wf-toolbar', testid: 'wf-toolbar' },
    h('div', { class: 'field wf-name-field' }, h('label', { for: nameId }, t('Name'), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), nameInput, nameError),
    h('div', { class: 'wf-toolbar-status' }, versionBadge, saveState, validStatus),
    h('div', { class: 'wf-toolbar-actions' }, activeSwitch, runBtn, runsLink, saveBtn));

  const webhookBox = h('div', { class: 'wf-webhook', testid: 'wf-webhook', hidden: true });
  const draftBox = h('div', { class: 'alert alert-info wf-draft-info', testid: 'wf-draft-info', role: 'status', hidden: true });
  const banner = h('div', { class: 'alert alert-error wf-banner', testid: 'wf-issues-banner', role: 'alert', hidden: true });

  /* ---------- header, status and webhook ---------- */

  function drawHeader() {
    const { wf, dirty } = state;
    const name = nameInput.value.trim();
    heading.textContent = name || (wf ? t('Untitled workflow') : t('New workflow'));
    ctx.setTitle(name ? `${name} · ${t('Workflows')}` : t('New workflow'));
    versionBadge.hidden = !wf;
    versionBadge.textContent = wf ? t('Version {n}', { n: wf.version }) : '';
    saveState.textContent = dirty ? t('Unsaved changes') : (wf ? t('All changes saved') : t('Not saved yet'));
    saveState.dataset.state = dirty ? 'dirty' : 'saved';
    activeSwitch.set(!!(wf && wf.active));
    runsLink.hidden = !wf;
    if (wf) runsLink.href = `#/workflows/${encodeURIComponent(wf.id)}/runs`;
    drawWebhook();
  }

  function drawWebhook() {
    const { wf } = state;
    const trig = triggerOf(state.nodes);
    if (!trig || trig.service !== 'webhook') {
      webhookBox.hidden = true;
      fill(webhookBox);
      return;
    }
    webhookBox.hidden = false;
    if (wf && wf.webhook_url) {
      fill(webhookBox,
        copyRow(t('Webhook URL (POST JSON here to start this workflow)'), wf.webhook_url, 'wf-webhook-url'),
        wf.active ? null : h('p', { class: 'field-hint' }, t('The URL answers only while the workflow is active.')));
    } else {
      fill(webhookBox, h('p', { class: 'muted' }, t('Save the workflow to get its webhook URL.')));
    }
  }

  function drawDraftInfo() {
    if (!draft) return;
    const todo = Array.isArray(draft.todo) ? draft.todo.filter(Boolean) : [];
    fill(draftBox,
      h('p', { class: 'wf-draft-title' }, h('strong', {}, t('Drafted from: ')), `“${draft.prompt || ''}”`,
        draft.source ? h('span', { class: 'muted' }, ` (${draft.source === 'llm' ? 'AI' : 'recipe'})`) : null),
      draft.explanation ? h('p', { testid: 'wf-draft-explanation' }, draft.explanation) : null,
      todo.length ? [h('p', { class: 'wf-draft-todo-title' }, t('Still to do before it can run:')),
        h('ul', { class: 'wf-draft-todo', testid: 'wf-draft-todo' }, todo.map((t) => h('li', {}, t)))] : null,
      h('p', { class: 'field-hint' }, t('Nothing is saved until you press Save.')));
    draftBox.hidden = false;
  }

  function setValidity(st, text) {
    validStatus.dataset.state = st; // idle | checking | ok | problems | error
    validStatus.textContent = text;
  }

  /* ---------- validation ---------- */

  const blueprint = () => blueprintOf(nameInput.value.trim(), state.nodes, state.edges);

  let validateGen = 0;
  const scheduleValidate = debounce(() => validateNow(), 500);

  async function validateNow() {
    const mine = ++validateGen;
    setValidity('checking', t('Checking…'));
    try {
      const res = await api.post(path('workflowValidate'), { blueprint: blueprint() });
      if (mine !== validateGen || !root.isConnected) return res;
      setIssues((res && res.errors) || []);
      return res;
    } catch (e) {
      if (mine === validateGen && root.isConnected) setValidity('error', t('Could not check: {reason}', { reason: errorMessage(e) }));
      return null;
    }
  }

  function setIssues(list) {
    const sum = summarizeIssues(list, state.nodes.map((n) => n.id));
    state.issues = sum.issues;
    setValidity(sum.state, sum.text);
    banner.hidden = !sum.general.length;
    fill(banner, sum.general.length ? h('ul', { class: 'wf-banner-list' }, sum.general.map((i) => h('li', { testid: 'wf-issue' },
      i.node_id ? [h('code', {}, i.node_id), ': '] : null, i.message))) : null);
    nameError.textContent = sum.nameMessage;
    store.notify('issues');
  }

  nameInput.addEventListener('input', () => {
    nameError.textContent = '';
    store.notify('changed', { panel: false });
  });

  /* ---------- save and activate ---------- */

  function applyWorkflow(next) {
    const isNew = !state.wf;
    state.wf = next;
    const { wf, run } = state;
    if (isNew || !location.hash.startsWith(`#/workflows/${wf.id}`)) {
      // The address follows the saved workflow without reloading the page.
      history.replaceState(null, '', `#/workflows/${encodeURIComponent(wf.id)}${run ? `?run=${encodeURIComponent(run.id)}` : ''}`);
    }
    drawHeader();
  }

  async function save() {
    const bp = blueprint();
    if (!bp.name) {
      nameError.textContent = t('Give the workflow a name.');
      nameInput.setAttribute('aria-invalid', 'true');
      nameInput.focus();
      toast(t('Give the workflow a name before saving.'), 'error');
      return false;
    }
    nameInput.removeAttribute('aria-invalid');
    // Check first: the server refuses a workflow with problems, and they show on the steps.
    const check = await validateNow();
    if (check && check.valid === false && Array.isArray(check.errors) && check.errors.length) {
      toast(`${t('Not saved: the workflow has {problems}, marked on the steps.', { problems: problemCount(check.errors.length) })} ${issueLines(check.errors)[0]}`, 'error');
      return false;
    }
    try {
      const saved = state.wf
        ? await api.put(path('workflowReplace', state.wf.id), { name: bp.name, blueprint: bp })
        : await api.create(path('workflowCreate'), { name: bp.name, blueprint: bp });
      state.dirty = JSON.stringify(blueprint()) !== JSON.stringify(bp); // edits made while saving stay unsaved
      applyWorkflow(saved);
      draftBox.hidden = true;
      toast(t('Saved — version {n}.', { n: saved.version }), 'success');
      store.notify('say', t('Saved as version {n}.', { n: saved.version }));
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
    const turnOn = !(state.wf && state.wf.active);
    if (turnOn && (!state.wf || state.dirty)) {
      if (!(await save())) return;
    }
    if (!state.wf) return;
    try {
      const next = await setWorkflowActive(state.wf.id, turnOn);
      state.wf = { ...state.wf, ...next };
      drawHeader();
      toast(turnOn ? t('The workflow is active: its trigger now starts runs.') : t('The workflow is off.'), 'info');
    } catch (e) {
      if (e.status === 422 && e.details && Array.isArray(e.details.errors)) setIssues(e.details.errors);
    }
  }));

  /* ---------- what other parts of the builder change ---------- */

  store.subscribe('changed', () => {
    state.dirty = true;
    drawHeader();
    scheduleValidate();
  });
  store.subscribe('dirty', () => {
    if (!state.dirty) {
      state.dirty = true;
      drawHeader();
    }
  });
  store.subscribe('header', drawHeader);

  subscribe(['workflow.updated'], (type, p) => {
    if (!root.isConnected) return;
    const { wf } = state;
    if (wf && p.id === wf.id) {
      if (typeof p.active === 'boolean') wf.active = p.active;
      if (p.version && !state.dirty) wf.version = p.version;
      drawHeader();
    }
  }, { root });

  return {
    els: [header, crumb, bar, webhookBox, draftBox, banner],
    runBtn,
    save,
    start() {
      drawHeader();
      drawDraftInfo();
    },
    /** The first check, once the steps are drawn. */
    checkOnOpen() {
      if (state.nodes.length) validateNow();
      else setValidity('idle', '');
    },
    focusStart() {
      if (!state.wf && !draft) nameInput.focus({ preventScroll: true });
      else heading.closest('h1')?.focus({ preventScroll: true });
    },
  };
}
