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

const EMPTY_TEXT = 'Nothing has failed. Jobs that give up after their retries appear here.';

/** Job kinds in plain words; an unknown kind shows as it is. */
const KIND_LABELS = {
  'inbound.receive': 'Incoming message',
  'outbox.send': 'Outgoing message',
  'run.start': 'Workflow start',
  'run.step': 'Workflow step',
  'channel.verify': 'Channel check',
  'channel.poll': 'Channel check for new messages',
};

export function kindLabel(kind) {
  return KIND_LABELS[kind] || String(kind || 'Job');
}

const STATUS_BADGES = {
  dead: ['Worker stopped', 'danger', 'The worker stopped while running this job, every time it was tried.'],
  failed: ['Failed', 'danger', 'This job failed after its retries.'],
  queued: ['Queued', 'info', 'Back in the queue: it runs again shortly.'],
  running: ['Running', 'info', 'A worker has picked it up again.'],
};

function statusBadge(status) {
  const [text, kind, title] = STATUS_BADGES[status] || [String(status || 'Unknown'), 'neutral', null];
  const el = badge(text, kind, 'ops-status');
  if (title) el.title = title;
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
  const refreshBtn = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'ops-refresh' }, 'Refresh');
  add(ctx.root,
    pageHeader('Operations', isOwner() ? refreshBtn : null),
    h('p', { class: 'muted ops-intro' },
      'Background work that gave up: a message that could not be handled or sent, a workflow step, a channel check. ',
      'Retry puts it back in the queue; Discard removes it for good.'));
  if (!isOwner()) {
    add(ctx.root, h('div', { class: 'alert alert-info', role: 'status', testid: 'ops-owner-only' },
      'Only the owner can see and retry background jobs that gave up.'));
    return;
  }

  const out = h('div', { class: 'ops', testid: 'ops' }, loadingState());
  add(ctx.root, out);

  let items = [];
  let next = null;
  let generation = 0;
  const more = h('button', { type: 'button', class: 'btn btn-secondary load-more', testid: 'load-more' }, 'Load more');
  const list = h('ul', { class: 'ops-list', testid: 'ops-list', 'aria-label': 'Jobs that gave up' });

  function draw() {
    if (!items.length) {
      fill(out, emptyState(EMPTY_TEXT));
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
    const retryBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'ops-retry' }, 'Retry');
    const discardBtn = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'ops-discard' }, 'Discard');
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
        h('dt', {}, 'Last error'),
        h('dd', { class: 'ops-error', testid: 'ops-error' }, item.last_error || 'No error was recorded.'),
        h('dt', {}, 'Attempts'),
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
      const restore = working(retryBtn, 'Retrying…');
      try {
        const updated = await api.post(path('deadJobRetry', item.id), {});
        item.status = (updated && updated.status) || 'queued';
        li.dataset.status = item.status;
        fill(status, statusBadge(item.status));
        // A worker may pick it up before the reply is written: the reply then says "running".
        fill(actions, h('span', { class: 'ops-queued-note', testid: 'ops-queued-note' },
          item.status === 'running' ? 'Running again now.' : 'Back in the queue. It runs again shortly.'));
        items = items.filter((i) => i !== item);
        toast(`${kindLabel(item.kind)} queued to run again.`, 'success');
      } catch (e) {
        restore();
        if (gone(e)) {
          li.remove();
          forget(item);
          toast('That job was already retried or discarded.', 'info');
        } else {
          showError(e);
        }
      }
    }));

    discardBtn.addEventListener('click', () => busy([retryBtn, discardBtn], async () => {
      error.hidden = true;
      const restore = working(discardBtn, 'Discarding…');
      let done = false;
      try {
        done = await confirmDialog({
          title: 'Discard this job?',
          message: `${kindLabel(item.kind)}${item.subject ? ` — ${item.subject}` : ''}. It will not run again, and this cannot be undone.`,
          confirmText: 'Discard',
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
      fill(out, loadingState('Loading jobs that gave up…'));
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
