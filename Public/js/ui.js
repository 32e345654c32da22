// DOM building blocks. Everything goes through h(), which sets text with text nodes, so API
// data is never parsed as HTML. No inline styles or handlers (the page runs under a strict CSP).
import { errorMessage } from './api.js';
import { t, mark } from './i18n.js';
import { problemText, serverMessage } from './shared/server-text.js';

let uidCounter = 0;
export const uid = (prefix = 'id') => `${prefix}-${++uidCounter}`;

/**
 * h('button', {class: 'btn', testid: 'save', onclick: fn, disabled: true}, 'Save')
 * Strings and numbers become text nodes; arrays are flattened; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style' || key === 'innerHTML' || key === 'outerHTML') {
      throw new Error(`h(): "${key}" is not allowed`);
    }
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'testid') el.setAttribute('data-testid', value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden') el[key] = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children like h() does: arrays flattened, null/false skipped, strings as text. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces an element's children (same rules as add()). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function debounce(fn, ms = 300) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/* ---------- toasts (aria-live region lives in index.html) ---------- */

export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': t('Dismiss') }, '×');
  const el = h('div', { class: `toast toast-${kind}`, testid: 'toast', role: kind === 'error' ? 'alert' : null },
    h('span', { class: 'toast-text' }, message), close);
  const remove = () => el.remove();
  close.addEventListener('click', remove);
  region.appendChild(el);
  setTimeout(remove, kind === 'error' ? 9000 : 5000);
}

/* ---------- states ---------- */

export function loadingState(text = t('Loading…')) {
  return h('div', { class: 'state state-loading', testid: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, text));
}

export function emptyState(text, action = null) {
  return h('div', { class: 'state state-empty', testid: 'empty-state' },
    h('p', {}, text), action);
}

export function errorState(error, retry = null) {
  const msg = typeof error === 'string' ? error : errorMessage(error);
  return h('div', { class: 'state state-error', testid: 'error-state', role: 'alert' },
    h('p', { class: 'state-error-title' }, t('Could not load this.')),
    h('p', { class: 'state-error-message' }, msg),
    retry ? h('button', { type: 'button', class: 'btn btn-secondary', onclick: retry }, t('Try again')) : null);
}

/** An inline alert box inside a form; hidden while empty. */
export function formAlert(testid = 'form-error') {
  const el = h('div', { class: 'alert alert-error', testid, role: 'alert', hidden: true });
  return {
    el,
    show(message) {
      el.textContent = message;
      el.hidden = false;
    },
    clear() {
      el.textContent = '';
      el.hidden = true;
    },
  };
}

/* ---------- page scaffolding ---------- */

export function pageHeader(title, ...actions) {
  return h('header', { class: 'page-header' },
    h('h1', { class: 'page-title', testid: 'page-title', tabindex: '-1' }, title),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

export function card(title, ...children) {
  return h('section', { class: 'card' },
    title ? h('h2', { class: 'card-title' }, title) : null,
    children);
}

export function linkButton(href, text, { kind = 'primary', testid = null } = {}) {
  return h('a', { href, class: `btn btn-${kind}`, testid }, text);
}

export function badge(text, kind = 'neutral', testid = null) {
  return h('span', { class: `badge badge-${kind}`, testid }, text);
}

const STATUS = {
  draft: [mark('Draft'), 'neutral'],
  issued: [mark('Issued'), 'info'],
  partially_paid: [mark('Partly paid'), 'warn'],
  paid: [mark('Paid'), 'success'],
  void: [mark('Void'), 'danger'],
};

export function statusBadge(status, testid = null) {
  const [text, kind] = STATUS[status] || [status || 'unknown', 'neutral'];
  return badge(t(text), kind, testid);
}

export const INVOICE_STATUSES = Object.entries(STATUS).map(([value, [label]]) => ({ value, get label() { return t(label); } }));

/* ---------- forms ---------- */

/**
 * A labelled control with a hint and an error slot:
 * field({label: 'Phone', name: 'phone', type: 'tel', testid: 'customer-form-phone'})
 * type 'select' takes options [{value, label}], 'textarea' a textarea. Returns the wrapper,
 * with .control pointing at the input.
 */
export function field(opts) {
  const {
    label, name, type = 'text', value = '', required = false, testid = null, hint = null,
    options = null, attrs = {}, control: custom = null, className = '',
  } = opts;
  const id = uid(name || 'f');
  let control = custom;
  if (!control) {
    if (type === 'select') {
      control = h('select', { id, name, required, testid, ...attrs },
        (options || []).map((o) => h('option', { value: o.value, selected: String(o.value) === String(value) }, o.label)));
    } else if (type === 'textarea') {
      control = h('textarea', { id, name, required, testid, rows: attrs.rows || 3, ...attrs });
      control.value = value ?? '';
    } else if (type === 'checkbox') {
      control = h('input', { id, name, type, testid, checked: !!value, ...attrs });
    } else {
      control = h('input', { id, name, type, required, testid, ...attrs });
      control.value = value ?? '';
    }
  } else {
    control.id = control.id || id;
  }
  const hintId = hint ? uid('hint') : null;
  const errorId = uid('err');
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const errorEl = h('p', { class: 'field-error', id: errorId, dataset: { errorFor: name || '' } });
  let wrapper;
  if (type === 'checkbox') {
    wrapper = h('div', { class: `field field-check ${className}` },
      control, h('label', { for: control.id }, label), hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null, errorEl);
  } else {
    wrapper = h('div', { class: `field ${className}` },
      h('label', { for: control.id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      control,
      hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
      errorEl);
  }
  wrapper.control = control;
  return wrapper;
}

/**
 * Shows a 422's field errors next to the fields of `form` (matched by data-error-for / name).
 * Returns the messages that had no matching field so the caller can show them elsewhere.
 */
export function setFieldErrors(form, fields = {}) {
  clearFieldErrors(form);
  const unmatched = [];
  for (const [name, message] of Object.entries(fields || {})) {
    const slot = form.querySelector(`.field-error[data-error-for="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = problemText(message);
      const control = slot.parentElement?.querySelector('input, select, textarea');
      if (control) control.setAttribute('aria-invalid', 'true');
    } else {
      unmatched.push(`${name.replace(/_/g, ' ')}: ${problemText(message)}`);
    }
  }
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
  return unmatched;
}

export function clearFieldErrors(form) {
  form.querySelectorAll('.field-error').forEach((el) => { el.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

/** Shows an ApiError on a form: 422 fields next to inputs, everything else in the alert. */
export function showFormError(form, alert, error) {
  const fields = (error && error.fields) || {};
  if (error && error.status === 422 && Object.keys(fields).length) {
    const rest = setFieldErrors(form, fields);
    const summary = serverMessage('validation_failed', error.message);
    if (rest.length) alert.show(`${summary} ${rest.join('; ')}`);
    else alert.show(summary || t('Please correct the highlighted fields.'));
  } else {
    alert.show(errorMessage(error));
  }
}

/**
 * Runs `work` with the given buttons disabled (no double submits). Returns work's result.
 */
export async function busy(buttons, work) {
  const list = (Array.isArray(buttons) ? buttons : [buttons]).filter(Boolean);
  if (list.some((b) => b.dataset.busy === '1')) return undefined;
  const previous = list.map((b) => b.disabled);
  list.forEach((b) => {
    b.disabled = true;
    b.dataset.busy = '1';
    b.setAttribute('aria-busy', 'true');
  });
  try {
    return await work();
  } finally {
    list.forEach((b, i) => {
      b.disabled = previous[i];
      delete b.dataset.busy;
      b.removeAttribute('aria-busy');
    });
  }
}

/** Attaches a submit handler that disables the form's submit buttons while it runs. */
export function onSubmit(form, handler) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submitter = event.submitter || null;
    const buttons = Array.from(form.querySelectorAll('button[type="submit"], button:not([type])'));
    if (buttons.some((b) => b.dataset.busy === '1')) return;
    await busy(buttons, () => handler(submitter));
  });
}

/** Reads trimmed string values of named controls. */
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else out[el.name] = typeof el.value === 'string' ? el.value.trim() : el.value;
  }
  return out;
}

/* ---------- dialogs ---------- */

/**
 * A modal <dialog>. body: node; returns {dialog, close}. Removed from the DOM when closed.
 */
export function openDialog({ title, body, testid = 'dialog', wide = false, onClose = null }) {
  const titleId = uid('dlg-title');
  const closeBtn = h('button', { type: 'button', class: 'dialog-close', 'aria-label': t('Close') }, '×');
  const dialog = h('dialog', { class: `dialog ${wide ? 'dialog-wide' : ''}`, testid, 'aria-labelledby': titleId },
    h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), closeBtn),
    h('div', { class: 'dialog-body' }, body));
  const close = () => {
    if (dialog.open) dialog.close();
  };
  closeBtn.addEventListener('click', close);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, close };
}

/**
 * Asks for confirmation. With `reason`, shows a textarea and resolves {reason}.
 * Resolves false when cancelled. With `action`, runs it (buttons disabled) before closing and
 * shows its error inside the dialog instead of closing.
 */
export function confirmDialog({
  title, message, confirmText = t('Confirm'), danger = false, reason = null, action = null,
}) {
  return new Promise((resolve) => {
    let result = false;
    const alert = formAlert('confirm-error');
    const reasonField = reason
      ? field({ label: reason.label || t('Reason'), name: 'reason', type: 'textarea', testid: 'confirm-reason', required: !!reason.required, attrs: { rows: 3, maxlength: 500 } })
      : null;
    const ok = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, testid: 'confirm-ok' }, confirmText);
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'confirm-cancel' }, t('Cancel'));
    const form = h('form', { class: 'stack', novalidate: true },
      message ? h('p', {}, message) : null,
      reasonField,
      alert.el,
      h('div', { class: 'form-actions' }, cancel, ok));
    const { close } = openDialog({ title, body: form, testid: 'confirm-dialog', onClose: () => resolve(result) });
    cancel.addEventListener('click', close);
    onSubmit(form, async () => {
      const value = { reason: reasonField ? reasonField.control.value.trim() : '' };
      if (reason && reason.required && !value.reason) {
        alert.show(t('Please give a reason.'));
        reasonField.control.focus();
        return;
      }
      if (action) {
        alert.clear();
        try {
          result = (await action(value)) ?? value;
        } catch (e) {
          alert.show(errorMessage(e));
          return;
        }
      } else {
        result = value;
      }
      close();
    });
    (reasonField ? reasonField.control : ok).focus();
  });
}

/** A "secret shown once" box with a copy button. */
export function secretBox(label, secret, testid) {
  const code = h('code', { class: 'secret-value', testid }, secret);
  const copy = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: `${testid}-copy` }, t('Copy'));
  copy.addEventListener('click', async () => {
    const ok = await copyText(secret, code);
    toast(ok ? t('Copied to the clipboard.') : t('Select the text and copy it by hand.'), ok ? 'success' : 'info');
  });
  return h('div', { class: 'secret-box', role: 'group', 'aria-label': label },
    h('p', { class: 'secret-label' }, label),
    h('div', { class: 'secret-row' }, code, copy),
    h('p', { class: 'field-hint' }, t('This is shown only once. Copy it now and keep it somewhere safe.')));
}

async function copyText(text, node) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall back below
  }
  try {
    const range = document.createRange();
    range.selectNodeContents(node);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/* ---------- tables and lists ---------- */

/**
 * dataTable({columns: [{label, render(item), className}], items, rowTestid, caption})
 * Wrapped in a horizontally scrolling container for small screens.
 */
/**
 * The box a wide table scrolls sideways in (phones): a labelled region that takes keyboard focus,
 * so the arrow keys can scroll it.
 */
export function tableBox(table, label) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label || t('Table') }, table);
}

export function dataTable({ columns, items, rowTestid = null, caption = null, testid = null, footer = null }) {
  const table = h('table', { class: 'table', testid },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.className || null }, c.label)))),
    h('tbody', {}, items.map((item) => {
      const tr = h('tr', { testid: rowTestid, dataset: item && item.id ? { id: item.id } : {} },
        columns.map((c) => h('td', { class: c.className || null, 'data-label': c.label }, c.render(item))));
      return tr;
    })),
    footer ? h('tfoot', {}, footer) : null);
  return tableBox(table, caption);
}

/**
 * A list fed by a cursor-paginated endpoint with loading, empty, error and "load more".
 * fetchPage(cursor) -> {items, next_cursor}; render(items) -> node; empty() -> node.
 */
export function pagedList({ fetchPage, render, empty }) {
  const root = h('div', { class: 'paged-list' });
  let items = [];
  let next = null;
  let generation = 0;
  const more = h('button', { type: 'button', class: 'btn btn-secondary load-more', testid: 'load-more' }, t('Load more'));
  more.addEventListener('click', () => load(false));

  function draw() {
    if (!items.length) {
      fill(root, empty());
      return;
    }
    fill(root, render(items), next ? h('div', { class: 'load-more-row' }, more) : null);
  }

  async function load(reset) {
    const mine = ++generation;
    if (reset) {
      items = [];
      next = null;
      fill(root, loadingState());
    } else {
      more.disabled = true;
    }
    try {
      const page = await fetchPage(reset ? null : next);
      if (mine !== generation) return;
      items = items.concat((page && page.items) || []);
      next = (page && page.next_cursor) || null;
      draw();
    } catch (e) {
      if (mine !== generation) return;
      if (reset) fill(root, errorState(e, () => load(true)));
      else toast(errorMessage(e), 'error');
    } finally {
      more.disabled = false;
    }
  }

  return {
    el: root,
    reload: () => load(true),
    get items() {
      return items;
    },
  };
}

/* ---------- tabs ---------- */

/** tabs([{id, label, render: () => node}]) — panels are rendered the first time they are shown. */
export function tabs(list) {
  const tablist = h('div', { class: 'tabs', role: 'tablist' });
  const panels = h('div', { class: 'tab-panels' });
  const entries = list.map((t) => {
    const tabId = uid('tab');
    const panelId = uid('panel');
    const button = h('button', {
      type: 'button', role: 'tab', id: tabId, class: 'tab', 'aria-controls': panelId,
      'aria-selected': 'false', tabindex: '-1', testid: `tab-${t.id}`,
    }, t.label);
    const panel = h('div', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'tab-panel', hidden: true, testid: `panel-${t.id}` });
    tablist.appendChild(button);
    panels.appendChild(panel);
    return { ...t, button, panel, rendered: false };
  });
  function select(index, focus = false) {
    entries.forEach((e, i) => {
      const on = i === index;
      e.button.setAttribute('aria-selected', on ? 'true' : 'false');
      e.button.tabIndex = on ? 0 : -1;
      e.panel.hidden = !on;
      if (on && !e.rendered) {
        e.rendered = true;
        fill(e.panel, e.render());
      }
      if (on && focus) e.button.focus();
    });
  }
  entries.forEach((e, i) => {
    e.button.addEventListener('click', () => select(i));
    e.button.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowRight') select((i + 1) % entries.length, true);
      else if (ev.key === 'ArrowLeft') select((i - 1 + entries.length) % entries.length, true);
    });
  });
  select(0);
  return h('div', { class: 'tabs-wrap' }, tablist, panels);
}

/* ---------- navigation ---------- */

/** Goes to a hash route: navigate('/ledger/invoices/123'). */
export function navigate(path) {
  const target = '#' + path;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}
