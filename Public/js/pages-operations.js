// Operations (issue 14): background jobs that will not run again — a job whose worker stopped
// while running it too many times ("dead"), or one that failed after its retries — with Retry
// (back in the queue, attempts reset) and Discard. Owners only; the server answers staff with 403.
// Loaded on demand by app.js when #/operations is opened.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, loadingState, emptyState, errorState, badge, confirmDialog, toast, busy, fill, add,
} from './ui.js';
import { formatDateTime, relativeTime } from './format.js';
import { isOwner, timeZone } from './session.js';
import { t, tn, mark } from './i18n.js';

const EMPTY_TEXT = mark('Nothing has failed. Jobs that give up after their retries appear here.');

/** Job kinds in plain words; an unknown kind shows as it is. */
const KIND_LABELS = {
  'inbound.receive': mark('Incoming message'),
  'outbox.send': mark('Outgoing message'),
  'run.start': mark('Workflow start'),
  'run.step': mark('Workflow step'),
  'channel.verify': mark('Channel check'),
  'channel.poll': mark('Channel check for new messages'),
};

export function kindLabel(kind) {
  return KIND_LABELS[kind] ? t(KIND_LABELS[kind]) : String(kind || t('Job'));
}

const STATUS_BADGES = {
  dead: [mark('Worker stopped'), 'danger', mark('The worker stopped while running this job, every time it was tried.')],
  failed: [mark('Failed'), 'danger', mark('This job failed after its retries.')],
  queued: [mark('Queued'), 'info', mark('Back in the queue: it runs again shortly.')],
  running: [mark('Running'), 'info', mark('A worker has picked it up again.')],
};

function statusBadge(status) {
  const [text, kind, title] = STATUS_BADGES[status] || [String(status || t('Unknown')), 'neutral', null];
  const el = badge(STATUS_BADGES[status] ? t(text) : text, kind, 'ops-status');
  if (title) el.title = t(title);
  return el;
}

function when(iso) {
  if (!iso) return h('span', { class: 'muted', testid: 'ops-when' }, '—');
  const absolute = formatDateTime(iso, timeZone());
  return h('span', { class: 'ops-when', testid: 'ops-when' },
    h('time', { datetime: iso, title: absolute }, relativeTime(iso, timeZone()) || absolute),
    h('span', { class: 'ops-when-abs' }, absolute));
}

/** The label of a button while its request runs: a small spinner and a verb. */
function working(button, text) {
  const before = Array.from(button.childNodes);
  fill(button, h('span', { class: 'spinner spinner-small', 'aria-hidden': 'true' }), ` ${text}`);
  return () => fill(button, before);
}

export function operationsPage(ctx) {
  const refreshBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'ops-refresh' }, t('Refresh'));
  add(ctx.root,
    pageHeader(t('Operations'), isOwner() ? refreshBtn : null),
    h('p', { class: 'muted ops-intro' },
      t('Background work that gave up: a message that could not be handled or sent, a workflow step, a channel check. '),
      t('Retry puts it back in the queue; Discard removes it for good.')));
  if (!isOwner()) {
    add(ctx.root, h('div', { class: 'alert alert-info', role: 'status', testid: 'ops-owner-only' },
      t('Only the owner can see and retry background jobs that gave up.')));
    return;
  }

  const out = h('div', { class: 'ops', testid: 'ops' }, loadingState());
  add(ctx.root, out);

  let items = [];
  let next = null;
  let generation = 0;
  const more = h('button', { type: 'button', class: 'btn btn-secondary load-more', testid: 'load-more' }, t('Load more'));
  const list = h('ul', { class: 'ops-list', testid: 'ops-list', 'aria-label': t('Jobs that gave up') });

  function draw() {
    if (!items.length) {
      fill(out, emptyState(t(EMPTY_TEXT)));
      return;
    }
    fill(list, items.map((item) => row(item)));
    fill(out, list, next ? h('div', { class: 'load-more-row' }, more) : null);
  }

  function forget(item) {
    items = items.filter((i) => i !== item);
    if (!items.length && !next) draw();
  }

  function row(item) {
    const error = h('p', { class: 'alert alert-error ops-row-error', role: 'alert', testid: 'ops-row-error', hidden: true });
    const status = h('span', { class: 'ops-status-slot' }, statusBadge(item.status));
    const retryBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'ops-retry' }, t('Retry'));
    const discardBtn = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'ops-discard' }, t('Discard'));
    const actions = h('div', { class: 'btn-row ops-actions' }, retryBtn, discardBtn);
    const attempts = Number.isFinite(item.attempts) && Number.isFinite(item.max_attempts)
      ? `${item.attempts} of ${item.max_attempts}` : String(item.attempts ?? '—');
    const li = h('li', { class: 'ops-item', testid: 'ops-row', dataset: { id: item.id, status: item.status || '' } },
      h('div', { class: 'ops-item-head' },
        h('div', { class: 'ops-item-what' },
          h('span', { class: 'cell-title ops-kind', testid: 'ops-kind', title: item.kind }, kindLabel(item.kind)),
          status),
        when(item.failed_at)),
      item.subject ? h('p', { class: 'ops-subject', testid: 'ops-subject' }, item.subject) : null,
      h('dl', { class: 'ops-facts' },
        h('dt', {}, t('Last error')),
        h('dd', { class: 'ops-error', testid: 'ops-error' }, item.last_error || t('No error was recorded.')),
        h('dt', {}, t('Attempts')),
        h('dd', { testid: 'ops-attempts' }, attempts)),
      actions,
      error);

    const showError = (e) => {
      error.textContent = errorMessage(e);
      error.hidden = false;
    };
    const gone = (e) => e && (e.status === 404 || e.status === 409);

    retryBtn.addEventListener('click', () => busy([retryBtn, discardBtn], async () => {
      error.hidden = true;
      const restore = working(retryBtn, t('Retrying…'));
      try {
        const updated = await api.post(path('deadJobRetry', item.id), {});
        item.status = (updated && updated.status) || 'queued';
        li.dataset.status = item.status;
        fill(status, statusBadge(item.status));
        // A worker may pick it up before the reply is written: the reply then says "running".
        fill(actions, h('span', { class: 'ops-queued-note', testid: 'ops-queued-note' },
          item.status === 'running' ? t('Running again now.') : t('Back in the queue. It runs again shortly.')));
        items = items.filter((i) => i !== item);
        toast(t('{job} queued to run again.', { job: kindLabel(item.kind) }), 'success');
      } catch (e) {
        restore();
        if (gone(e)) {
          li.remove();
          forget(item);
          toast(t('That job was already retried or discarded.'), 'info');
        } else {
          showError(e);
        }
      }
    }));

    discardBtn.addEventListener('click', () => busy([retryBtn, discardBtn], async () => {
      error.hidden = true;
      const restore = working(discardBtn, t('Discarding…'));
      let done = false;
      try {
        done = await confirmDialog({
          title: t('Discard this job?'),
          message: t('{job}. It will not run again, and this cannot be undone.', { job: item.subject ? `${kindLabel(item.kind)} — ${item.subject}` : kindLabel(item.kind) }),
          confirmText: t('Discard'),
          danger: true,
          action: async () => {
            try {
              await api.del(path('deadJobDiscard', item.id));
            } catch (e) {
              if (!gone(e)) throw e; // shown inside the dialog
            }
            return true;
          },
        });
      } finally {
        restore();
      }
      if (!done) return;
      li.remove();
      forget(item);
      toast(`${kindLabel(item.kind)} discarded.`, 'success');
    }));
    return li;
  }

  async function load(reset) {
    const mine = ++generation;
    if (reset) {
      fill(out, loadingState(t('Loading jobs that gave up…')));
    } else {
      more.disabled = true;
    }
    try {
      const page = await api.get(path('deadJobs'), { limit: 50, cursor: reset ? null : next });
      if (mine !== generation) return;
      items = (reset ? [] : items).concat((page && page.items) || []);
      next = (page && page.next_cursor) || null;
      draw();
    } catch (e) {
      if (mine !== generation) return;
      if (reset) fill(out, errorState(e, () => load(true)));
      else toast(errorMessage(e), 'error');
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener('click', () => load(false));
  refreshBtn.addEventListener('click', () => busy([refreshBtn], () => load(true)));
  load(true);
}
