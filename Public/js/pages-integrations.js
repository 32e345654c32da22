// Integrations: the business's messaging channels (docs/messaging-api.md, "Channels").
// Connect one per provider account with exactly the credentials that kind needs; credentials are
// write-only (never shown again, never prefilled). Twilio channels show the webhook and status
// callback URLs to paste into the Twilio Console. Status changes arrive live (channel.updated).
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import {
  h, pageHeader, field, formAlert, showFormError, clearFieldErrors, setFieldErrors, toast, loadingState,
  errorState, emptyState, badge, confirmDialog, openDialog, fill, add, busy, uid,
} from './ui.js';
import { formatDateTime, normalisePhone } from './format.js';
import { timeZone, isOwner } from './session.js';
import { subscribe } from './live.js';
import { platformIcon, platformLabel, statusTick, MESSAGE_STATUS } from './shared/platforms.js';
import { copyRow } from './shared/copy.js';
import { templatesSection } from './integrations-templates.js';
import { t, tn, mark, tParts } from './i18n.js';

// A function, so that its texts are read in the language on screen each time.
export const channelKinds = () => [
  {
    kind: 'twilio_whatsapp',
    label: t('WhatsApp via Twilio'),
    platform: 'whatsapp',
    defaultName: t('Shop WhatsApp'),
    help: t('Customers message your WhatsApp number; Twilio forwards the messages to Munim. You need a Twilio account with a WhatsApp sender (the sandbox works for trying it out).'),
    fields: [
      { key: 'account_sid', label: t('Account SID'), required: true, placeholder: t('AC…'), hint: t('Twilio Console → Account info.') },
      { key: 'auth_token', label: t('Auth token'), required: true, secret: true, hint: t('Twilio Console → Account info. Stored encrypted; never shown again.') },
      { key: 'from_number', label: t('WhatsApp sender number'), phone: true, placeholder: '+14155238886', hint: t('With the country code, as Twilio shows it, e.g. +14155238886. Needed unless you give a messaging service SID.') },
      { key: 'messaging_service_sid', label: t('Messaging service SID'), placeholder: t('MG…'), hint: t('Optional: MG followed by 32 characters.') },
    ],
  },
  {
    kind: 'bluesky',
    label: t('Bluesky'),
    platform: 'bluesky',
    defaultName: 'Bluesky',
    help: t('Munim checks your Bluesky mentions and direct messages and can post for you.'),
    fields: [
      { key: 'handle', label: t('Handle'), required: true, placeholder: 'yourshop.bsky.social' },
      { key: 'app_password', label: t('App password'), required: true, secret: true, hint: t('Bluesky → Settings → Privacy and security → App passwords. Not your login password.') },
      { key: 'service_url', label: t('Service URL'), type: 'url', placeholder: 'https://bsky.social', hint: t('Optional; only for a self-hosted server.') },
    ],
  },
  {
    kind: 'mastodon',
    label: t('Pixelfed / Mastodon'),
    platform: 'mastodon',
    defaultName: 'Mastodon',
    help: t('Works with Mastodon and Pixelfed (they share an API). Munim checks mentions and can post for you.'),
    fields: [
      { key: 'instance_url', label: t('Instance URL'), required: true, type: 'url', placeholder: 'https://mastodon.social' },
      { key: 'access_token', label: t('Access token'), required: true, secret: true, hint: t('Preferences → Development → New application (read and write), then copy “Your access token”.') },
    ],
  },
  {
    kind: 'instagram',
    label: t('Instagram'),
    platform: 'instagram',
    defaultName: 'Instagram',
    help: t('An Instagram professional account connected to a Facebook page, through the Instagram Graph API.'),
    fields: [
      { key: 'business_account_id', label: t('Instagram business account ID'), required: true, placeholder: '17841400000000000' },
      { key: 'access_token', label: t('Access token'), required: true, secret: true, hint: t('A long-lived token from Meta for Developers.') },
      { key: 'graph_url', label: t('Graph API URL'), type: 'url', placeholder: 'https://graph.facebook.com', hint: t('Optional.') },
    ],
  },
  {
    kind: 'simulator',
    label: t('Simulator'),
    platform: 'simulator',
    defaultName: t('Simulator'),
    help: t('Behaves like WhatsApp with no provider account: try the inbox, the bot and the assistant. No credentials needed.'),
    fields: [],
  },
];

const kindOf = (kind) => channelKinds().find((k) => k.kind === kind) || null;
const POLLERS = new Set(['bluesky', 'mastodon', 'instagram']);

const CHANNEL_STATUS = {
  pending: [mark('Pending'), 'warn'],
  connected: [mark('Connected'), 'success'],
  error: [mark('Error'), 'danger'],
  disabled: [mark('Disabled'), 'neutral'],
};

function channelStatusBadge(status) {
  const [text, kind] = CHANNEL_STATUS[status] || [status || t('Unknown'), 'neutral'];
  const el = badge(CHANNEL_STATUS[status] ? t(text) : text, kind, 'channel-status');
  el.dataset.status = status || '';
  return el;
}

/** True for addresses Twilio cannot reach: loopback and private networks. */
export function unreachableUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0'
    || /^127\./.test(host) || /^10\./.test(host) || /^192\.168\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host);
}

/** The credential inputs of a kind; secrets are password inputs that browsers should not fill. */
function credentialFields(kind, prefix = 'cred') {
  return (kind ? kind.fields : []).map((f) => field({
    label: f.label,
    name: `cred_${f.key}`,
    type: f.secret ? 'password' : (f.type || 'text'),
    required: !!f.required,
    testid: `${prefix}-${f.key}`,
    hint: f.hint || null,
    attrs: {
      autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: f.placeholder || null, maxlength: 500,
      ...(f.phone ? { inputmode: 'tel' } : {}),
    },
  }));
}

/** Reads the credentials of a kind from a form: {values, missing} (missing: field name -> message). */
function readCredentials(form, kind) {
  const values = {};
  const missing = {};
  for (const f of kind ? kind.fields : []) {
    const el = form.elements.namedItem(`cred_${f.key}`);
    let v = el ? el.value.trim() : '';
    if (f.phone && v) v = normalisePhone(v);
    if (v) values[f.key] = v;
    else if (f.required) missing[`cred_${f.key}`] = t('is required');
  }
  return { values, missing };
}

/** Maps a 422's field errors ("credentials.auth_token" or "auth_token") onto the cred_ inputs. */
function credentialErrors(fields) {
  const out = {};
  for (const [k, v] of Object.entries(fields || {})) {
    const key = k.replace(/^credentials\./, '');
    out[k === 'name' || k === 'kind' || k === 'poll_interval_seconds' ? k : `cred_${key}`] = v;
  }
  return out;
}

function showError(form, alert, e, mapCreds = true) {
  if (e && e.status === 422 && mapCreds && Object.keys(e.fields || {}).length) {
    const rest = setFieldErrors(form, credentialErrors(e.fields));
    alert.show(rest.length ? `${e.message} ${rest.join('; ')}` : e.message);
  } else {
    showFormError(form, alert, e);
  }
}

/* ---------- dialogs ---------- */

function renameDialog(c, onSaved) {
  const alert = formAlert('rename-error');
  const name = field({ label: t('Name'), name: 'name', required: true, value: c.name || '', testid: 'rename-name', attrs: { maxlength: 80, autocomplete: 'off' } });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'rename-save' }, t('Save'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
  const form = h('form', { class: 'stack', novalidate: true }, name, alert.el, h('div', { class: 'form-actions' }, cancel, save));
  const { close } = openDialog({ title: t('Rename {name}', { name: c.name }), body: form, testid: 'rename-dialog' });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([save], async () => {
      alert.clear();
      clearFieldErrors(form);
      const v = name.control.value.trim();
      if (!v) {
        setFieldErrors(form, { name: 'is required' });
        return;
      }
      try {
        onSaved(await api.patch(path('channelUpdate', c.id), { name: v }));
        toast(t('Channel renamed.'), 'success');
        close();
      } catch (e) {
        showError(form, alert, e, false);
      }
    });
  });
  name.control.select();
}

function credentialsDialog(c, onSaved) {
  const kind = kindOf(c.kind);
  const alert = formAlert('credentials-error');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'credentials-save' }, t('Replace credentials'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Cancel'));
  const form = h('form', { class: 'stack', novalidate: true, autocomplete: 'off', testid: 'credentials-form' },
    h('p', { class: 'muted' }, t('Stored credentials are never shown. Enter new ones to replace them; the channel is then checked again.')),
    credentialFields(kind, 'cred'),
    alert.el,
    h('div', { class: 'form-actions' }, cancel, save));
  const { close } = openDialog({ title: t('New credentials for {name}', { name: c.name }), body: form, testid: 'credentials-dialog' });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([save], async () => {
      alert.clear();
      clearFieldErrors(form);
      const { values: credentials, missing } = readCredentials(form, kind);
      if (Object.keys(missing).length) {
        setFieldErrors(form, missing);
        return;
      }
      try {
        const updated = await api.patch(path('channelUpdate', c.id), { credentials });
        form.reset();
        onSaved(updated);
        toast(t('Credentials replaced. Checking them now…'), 'success');
        close();
      } catch (e) {
        showError(form, alert, e);
      }
    });
  });
  form.querySelector('input')?.focus();
}

const toHints = () => ({
  whatsapp: [t('To (phone number)'), '+919812345678', t('A mobile such as 98765 43210 (+91 is added) or with its country code. On the Twilio sandbox the number must have joined the sandbox first.')],
  simulator: [t('To (any name or number)'), t('Test customer'), t('The simulator delivers to anyone.')],
  bluesky: [t('To (handle)'), 'friend.bsky.social', null],
  mastodon: [t('To (account)'), '@friend@mastodon.social', null],
  instagram: [t('To (Instagram user ID)'), '', t('Someone who has messaged your account recently.')],
});

function testResult(m) {
  const st = MESSAGE_STATUS[m.status] || { label: m.status || t('Unknown') };
  const failed = m.status === 'failed' || m.status === 'undelivered';
  return [
    h('p', { class: 'test-status' }, statusTick(m.status), ' ', h('strong', { testid: 'test-status' }, st.label),
      m.status === 'queued' || m.status === 'sending' ? h('span', { class: 'muted' }, t(' — waiting for the provider…')) : null),
    failed ? h('p', { class: 'alert alert-error', testid: 'test-error' },
      m.error_code ? `${t('Error {code}:', { code: m.error_code })} ` : '', m.error_message || t('The provider did not accept the message.')) : null,
    m.session_id ? h('p', {}, h('a', { href: `#/inbox/${encodeURIComponent(m.session_id)}`, testid: 'test-open-inbox' }, t('Open the conversation in the inbox →'))) : null,
  ];
}

function testDialog(c) {
  const [label, placeholder, hint] = toHints()[c.platform] || ['To', '', null];
  const alert = formAlert('test-form-error');
  const to = field({ label, name: 'to', required: true, testid: 'test-to', hint, attrs: { autocomplete: 'off', placeholder, maxlength: 200 } });
  const text = field({ label: t('Message'), name: 'text', type: 'textarea', testid: 'test-text', hint: t('Optional; Munim sends a short test text when empty.'), attrs: { rows: 2, maxlength: 1000 } });
  const result = h('div', { class: 'test-result', testid: 'test-result', 'aria-live': 'polite', hidden: true });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'test-send' }, t('Send test message'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('Close'));
  const form = h('form', { class: 'stack', novalidate: true }, to, text, alert.el, result, h('div', { class: 'form-actions' }, cancel, send));
  const { dialog, close } = openDialog({ title: t('Send a test message with {name}', { name: c.name }), body: form, testid: 'test-dialog' });
  cancel.addEventListener('click', close);
  let shown = null;
  const showResult = (m) => {
    if (shown && shown.id === m.id && Date.parse(m.updated_at || 0) < Date.parse(shown.updated_at || 0)) return;
    shown = m;
    fill(result, testResult(m));
    result.hidden = false;
  };
  // A fast channel (the simulator) can report delivery before the POST's reply arrives: keep
  // the latest event per message so the result shows the newest status either way.
  const early = new Map();
  const live = subscribe(['message.updated', 'message.created'], (type, p) => {
    if (!p.message) return;
    if (shown && p.message.id === shown.id) showResult(p.message);
    else early.set(p.message.id, p.message);
  }, { root: dialog });
  dialog.addEventListener('close', () => live.close());

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([send], async () => {
      alert.clear();
      clearFieldErrors(form);
      let v = to.control.value.trim();
      if (!v) {
        setFieldErrors(form, { to: t('is required') });
        return;
      }
      if (c.platform === 'whatsapp') v = normalisePhone(v);
      const body = { to: v };
      const t = text.control.value.trim();
      if (t) body.text = t;
      try {
        const m = await api.post(path('channelTest', c.id), body);
        showResult(m);
        if (early.has(m.id)) showResult(early.get(m.id));
      } catch (e) {
        showFormError(form, alert, e);
      }
    });
  });
  to.control.focus();
}

/* ---------- one channel ---------- */

function channelRow(initial, { onChange, onDelete, expand }) {
  let c = initial;
  const kind = kindOf(c.kind);
  const nameEl = h('h3', { class: 'channel-name', testid: 'channel-name', tabindex: '-1' });
  const kindEl = h('p', { class: 'cell-sub' });
  const statusSlot = h('span', { class: 'channel-status-slot' });
  const detail = h('p', { class: 'alert alert-error channel-detail', testid: 'channel-status-detail', role: 'status', hidden: true });
  const metaEl = h('dl', { class: 'meta channel-meta' });
  const setup = h('div', {});
  const pollSlot = h('div', {});

  const testBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'channel-test' }, t('Send test message'));
  const renameBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'channel-rename' }, t('Rename'));
  const credsBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'channel-credentials' }, t('Replace credentials'));
  const toggleBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'channel-toggle' });
  const deleteBtn = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', testid: 'channel-delete' }, t('Delete'));
  credsBtn.hidden = !kind || !kind.fields.length;
  // Only the owner connects, changes or removes channels (the server answers 403 to staff).
  const owner = isOwner();
  for (const b of [renameBtn, credsBtn, toggleBtn, deleteBtn]) if (!owner) b.hidden = true;

  const el = h('article', { class: 'card channel', testid: 'channel-row', 'aria-labelledby': uid('ch') },
    h('div', { class: 'channel-head' },
      platformIcon(c.platform, 'platform-icon-large'),
      h('div', { class: 'channel-title' }, nameEl, kindEl),
      statusSlot),
    detail,
    metaEl,
    setup,
    pollSlot,
    h('div', { class: 'channel-actions' }, testBtn, renameBtn, credsBtn, toggleBtn, deleteBtn));
  nameEl.id = el.getAttribute('aria-labelledby');

  let pollInput = null;
  let setupOpen = !!expand;

  function drawSetup() {
    if (c.kind !== 'twilio_whatsapp' || !c.webhook_url) {
      fill(setup);
      return;
    }
    const existing = setup.querySelector('details');
    if (existing) setupOpen = existing.open;
    const warn = unreachableUrl(c.webhook_url) || unreachableUrl(c.status_callback_url || '');
    const details = h('details', { class: 'channel-setup', testid: 'channel-setup', open: setupOpen || c.status !== 'connected' },
      h('summary', {}, t('Twilio webhook setup')),
      warn ? h('p', { class: 'alert alert-warn', testid: 'webhook-warning', role: 'note' },
        ...tParts('Twilio cannot reach this address: it points at this computer or a private network. Set {variable} to the public https address of Munim (for example a tunnel or your domain) and restart Munim; the URLs below then change to match.', { variable: h('code', {}, 'MUNIM_PUBLIC_URL') })) : null,
      copyRow(t('When a message comes in (HTTP POST)'), c.webhook_url, 'webhook-url'),
      c.status_callback_url ? copyRow(t('Status callback URL'), c.status_callback_url, 'status-callback-url') : null,
      h('ol', { class: 'setup-steps', testid: 'webhook-instructions' },
        h('li', {}, t('In Twilio Console → Messaging → WhatsApp senders (or the Sandbox settings), open the sender'), c.identity ? ` ${String(c.identity).replace(/^whatsapp:/, '')}` : '', '.'),
        h('li', {}, t('“When a message comes in” = the webhook URL above, method HTTP POST.')),
        h('li', {}, t('“Status callback URL” = the status callback URL above.')),
        h('li', {}, t('Save, then use “Send test message” to check that messages go out.'))));
    fill(setup, details);
  }

  function drawPoll() {
    if (!POLLERS.has(c.kind) || !isOwner()) {
      fill(pollSlot);
      return;
    }
    if (pollInput && document.activeElement === pollInput) return; // do not overwrite while typing
    const id = uid('poll');
    pollInput = h('input', { type: 'number', id, min: '15', max: '86400', step: '1', inputmode: 'numeric', testid: 'channel-poll-interval', value: c.poll_interval_seconds ?? 60 });
    const save = h('button', { type: 'submit', class: 'btn btn-secondary btn-small', testid: 'channel-poll-save' }, t('Save'));
    const form = h('form', { class: 'channel-poll', novalidate: true },
      h('label', { for: id }, t('Check for new messages every')), pollInput, h('span', { class: 'muted' }, 'seconds'), save);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy([save], async () => {
        const n = Number(pollInput.value);
        if (!Number.isInteger(n) || n < 15 || n > 86400) {
          toast(t('Enter a whole number of seconds from 15 to 86400.'), 'error');
          pollInput.focus();
          return;
        }
        try {
          update(await api.patch(path('channelUpdate', c.id), { poll_interval_seconds: n }));
          toast(t('Polling interval saved.'), 'success');
        } catch (e) {
          toast(errorMessage(e), 'error');
        }
      });
    });
    fill(pollSlot, form);
  }

  function draw() {
    el.dataset.id = c.id;
    el.dataset.kind = c.kind || '';
    el.dataset.status = c.status || '';
    nameEl.textContent = c.name || (kind ? kind.label : t('Channel'));
    fill(kindEl, kind ? kind.label : platformLabel(c.platform),
      c.identity ? [' · ', h('span', { testid: 'channel-identity' }, c.identity)] : null);
    fill(statusSlot, channelStatusBadge(c.status));
    const showDetail = !!c.status_detail && (c.status === 'error' || c.status === 'pending' || c.status === 'disabled');
    detail.hidden = !showDetail;
    detail.className = `alert ${c.status === 'error' ? 'alert-error' : 'alert-info'} channel-detail`;
    detail.textContent = c.status_detail || '';
    const tz = timeZone();
    fill(metaEl,
      POLLERS.has(c.kind) ? [h('dt', {}, t('Last checked')), h('dd', { testid: 'channel-last-polled' }, c.last_polled_at ? formatDateTime(c.last_polled_at, tz) : t('Not yet'))] : null,
      [h('dt', {}, t('Added')), h('dd', {}, formatDateTime(c.created_at, tz))]);
    const disabled = c.status === 'disabled';
    toggleBtn.textContent = disabled ? t('Enable') : t('Disable');
    toggleBtn.setAttribute('aria-label', `${disabled ? 'Enable' : 'Disable'} ${c.name}`);
    testBtn.disabled = disabled;
    testBtn.title = disabled ? t('Enable the channel to send messages.') : '';
    drawSetup();
    drawPoll();
  }

  function update(next) {
    if (!next || next.id !== c.id) return;
    c = next;
    draw();
    onChange(c);
  }

  testBtn.addEventListener('click', () => testDialog(c));
  renameBtn.addEventListener('click', () => renameDialog(c, update));
  credsBtn.addEventListener('click', () => credentialsDialog(c, update));
  toggleBtn.addEventListener('click', () => busy([toggleBtn], async () => {
    const enable = c.status === 'disabled';
    try {
      update(await api.patch(path('channelUpdate', c.id), { enabled: enable }));
      toast(enable ? t('{name} is enabled.', { name: c.name }) : t('{name} is disabled: nothing is sent or received through it.', { name: c.name }), 'info');
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }));
  deleteBtn.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: t('Delete {name}?', { name: c.name }),
      message: t('Munim stops sending and receiving through this channel and forgets its credentials. Its conversations stay readable in the inbox.'),
      confirmText: t('Delete channel'),
      danger: true,
      action: () => api.del(path('channelDelete', c.id)),
    });
    if (!ok) return;
    toast(t('{name} was deleted.', { name: c.name }), 'success');
    onDelete(c);
  });

  draw();
  return {
    el,
    get channel() {
      return c;
    },
    update,
    focus: () => nameEl.focus(),
  };
}

/* ---------- the page ---------- */

export function integrationsPage(ctx) {
  const rows = new Map(); // channel id -> row
  let channels = [];
  let loaded = false;

  const connectBtn = h('button', { type: 'button', class: 'btn btn-primary', testid: 'connect-channel', 'aria-controls': 'connect-card', 'aria-expanded': 'false' }, t('Connect a channel'));
  const listEl = h('div', { class: 'channel-list', testid: 'channel-list' }, loadingState(t('Loading channels…')));

  /* ----- connect form ----- */

  const kindId = uid('kind');
  const kindSelect = h('select', { id: kindId, name: 'kind', testid: 'connect-kind' },
    channelKinds().map((k) => h('option', { value: k.kind }, k.label)));
  const kindHelp = h('p', { class: 'field-hint', testid: 'connect-kind-help' });
  const nameField = field({ label: t('Name'), name: 'name', required: true, testid: 'connect-name', hint: t('Your label for it, e.g. “Shop WhatsApp”.'), attrs: { maxlength: 80, autocomplete: 'off' } });
  const credsBox = h('fieldset', { class: 'plain stack connect-credentials', testid: 'connect-credentials' });
  const alert = formAlert('connect-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'connect-submit' }, t('Connect'));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', testid: 'connect-cancel' }, t('Cancel'));
  const form = h('form', { class: 'stack', testid: 'connect-form', novalidate: true, autocomplete: 'off' },
    h('div', { class: 'field' }, h('label', { for: kindId }, t('Kind')), kindSelect, kindHelp),
    nameField,
    credsBox,
    alert.el,
    h('div', { class: 'form-actions' }, cancel, submit));
  const connectCard = h('section', { class: 'card', id: 'connect-card', testid: 'connect-card', 'aria-labelledby': 'connect-title', hidden: true },
    h('h2', { class: 'card-title', id: 'connect-title' }, t('Connect a channel')), form);

  let lastDefaultName = '';
  function drawKind() {
    const kind = kindOf(kindSelect.value);
    kindHelp.textContent = kind ? kind.help : '';
    const nameInput = nameField.control;
    if (!nameInput.value.trim() || nameInput.value === lastDefaultName) {
      nameInput.value = kind ? kind.defaultName : '';
      lastDefaultName = nameInput.value;
    }
    const fields = credentialFields(kind, 'cred');
    fill(credsBox, fields.length
      ? [h('legend', { class: 'label-like' }, t('Credentials')), h('p', { class: 'field-hint' }, t('Stored encrypted and never shown again.')), fields]
      : h('p', { class: 'muted' }, t('No credentials needed.')));
    alert.clear();
    clearFieldErrors(form);
  }
  kindSelect.addEventListener('change', drawKind);

  function showConnect(show) {
    connectCard.hidden = !show;
    connectBtn.setAttribute('aria-expanded', show ? 'true' : 'false');
    if (show) {
      connectCard.scrollIntoView({ block: 'nearest' });
      kindSelect.focus();
    }
  }
  connectBtn.addEventListener('click', () => showConnect(true));
  cancel.addEventListener('click', () => {
    form.reset();
    lastDefaultName = '';
    drawKind();
    showConnect(false);
    connectBtn.focus();
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy([submit], async () => {
      alert.clear();
      clearFieldErrors(form);
      const kind = kindOf(kindSelect.value);
      const name = nameField.control.value.trim();
      const { values: credentials, missing } = readCredentials(form, kind);
      if (!name) missing.name = t('is required');
      if (Object.keys(missing).length) {
        setFieldErrors(form, missing);
        alert.show(t('Please fill in the highlighted fields.'));
        return;
      }
      try {
        const created = await api.create(path('channelCreate'), { kind: kind.kind, name, credentials });
        form.reset(); // secrets leave the page
        lastDefaultName = '';
        drawKind();
        showConnect(false);
        toast(created.kind === 'twilio_whatsapp'
          ? t('{name} added. Paste the webhook URLs into Twilio to receive messages.', { name: created.name })
          : t('{name} added.', { name: created.name }), 'success');
        upsert(created, { expand: true, focus: true });
      } catch (e) {
        showError(form, alert, e);
      }
    });
  });

  /* ----- list ----- */

  function render() {
    if (!loaded) return;
    if (!channels.length) {
      rows.clear();
      const first = isOwner() ? h('button', { type: 'button', class: 'btn btn-primary btn-small', testid: 'channels-empty-connect' }, t('Connect a channel')) : null;
      if (first) first.addEventListener('click', () => showConnect(true));
      fill(listEl, emptyState(t('No channels yet. Connect WhatsApp (Twilio), Bluesky, Pixelfed/Mastodon or Instagram — or add the Simulator to try the inbox without any account.'), first));
      return;
    }
    if (!listEl.querySelector('.channel')) fill(listEl);
    channels.forEach((c, i) => {
      const row = rows.get(c.id);
      if (listEl.children[i] !== row.el) listEl.insertBefore(row.el, listEl.children[i] || null);
    });
    for (const [id, row] of rows) {
      if (!channels.some((c) => c.id === id)) {
        row.el.remove();
        rows.delete(id);
      }
    }
  }

  function upsert(c, { expand = false, focus = false } = {}) {
    if (!c || !c.id) return;
    const i = channels.findIndex((x) => x.id === c.id);
    if (i >= 0) {
      channels[i] = c;
      const row = rows.get(c.id);
      if (row && row.channel !== c) row.update(c);
    } else {
      channels.push(c);
      rows.set(c.id, channelRow(c, {
        expand,
        onChange: (next) => {
          const j = channels.findIndex((x) => x.id === next.id);
          if (j >= 0) channels[j] = next;
        },
        onDelete: (gone) => {
          channels = channels.filter((x) => x.id !== gone.id);
          render();
          connectBtn.focus();
        },
      }));
    }
    render();
    if (focus) {
      const row = rows.get(c.id);
      row.el.scrollIntoView({ block: 'nearest' });
      row.focus();
    }
  }

  async function load() {
    loaded = false;
    fill(listEl, loadingState(t('Loading channels…')));
    try {
      const res = await api.get(path('channels'));
      channels = [];
      rows.clear();
      fill(listEl);
      loaded = true;
      for (const c of (res && res.items) || []) upsert(c);
      render();
      if (!channels.length && isOwner()) showConnect(true);
    } catch (e) {
      fill(listEl, errorState(e, load));
    }
  }

  subscribe(['channel.updated'], (type, p) => {
    if (loaded && p.channel) upsert(p.channel);
  }, { root: ctx.root, onReconnect: () => loaded && refresh() });

  async function refresh() {
    try {
      const res = await api.get(path('channels'));
      for (const c of (res && res.items) || []) upsert(c);
    } catch (e) {
      console.warn('could not refresh channels', e);
    }
  }

  drawKind();
  const owner = isOwner();
  connectBtn.hidden = !owner;
  add(ctx.root,
    pageHeader(t('Integrations'), connectBtn),
    owner ? null : h('div', { class: 'alert alert-info', role: 'status', testid: 'integrations-staff-note' },
      t('You are signed in as staff. Only the owner can connect, change or remove channels; you can send test messages.')),
    h('p', { class: 'muted lead' }, ...tParts('Connect the channels your customers write to. Messages land in the {inbox}; the bot and the assistant answer there.', { inbox: h('a', { href: '#/inbox' }, t('Inbox')) })),
    connectCard,
    h('section', { 'aria-labelledby': 'channels-title', class: 'channels' },
      h('h2', { class: 'subhead', id: 'channels-title' }, t('Your channels')),
      listEl),
    templatesSection());
  load();
}
