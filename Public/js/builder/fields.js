// The config panel's fields for a step's params, generated from the catalog's param schema:
// text, number, boolean, enum, channel, secret and JSON fields, and the router's branch editor.
// Every edit goes straight into the node's params and is announced on the store as `changed`.
import { h, fill, field, uid } from '../ui.js';
import { branchPorts } from './graph.js';
import {
  isObject, humanize, parseLoose, showLoose, isPlaceholder, isSimpleCondition, textParamValue, readJsonParam,
  rupeesText, moneyParamValue,
} from './values.js';
import { t, tn } from '../i18n.js';
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { PURPOSE_LABELS, VALUE_LABELS } from '../shared/wa-templates.js';

let purposesPromise = null;
/** GET /whatsapp/template-purposes once per page load (it changes only with the server); a failure is not kept. */
function templatePurposes() {
  if (!purposesPromise) {
    purposesPromise = api.get(path('whatsappTemplatePurposes')).then((r) => (r && r.items) || []);
    purposesPromise.catch(() => { purposesPromise = null; });
  }
  return purposesPromise;
}

const OPERATORS = ['==', '!=', '>', '>=', '<', '<=', 'contains', 'starts_with', 'matches', 'exists', 'is_empty', 'in'];
const LEFT_ONLY = new Set(['exists', 'is_empty']);
const JSON_TYPES = new Set(['json', 'object', 'array', 'template_object']);
const SECRET_MASK = '********';

/** store: the builder's store; channels: the business's channels for the channel param. */
export function createFieldEditors({ store, channels }) {
  const state = store.state;
  const changed = () => store.notify('changed', { panel: false });
  const markDirty = () => {
    if (!state.dirty) store.notify('dirty');
  };
  const redrawNode = (node) => store.notify('node', node);

  function setParam(node, name, value) {
    if (value === undefined) delete node.params[name];
    else node.params[name] = value;
    changed();
  }

  function paramField(node, p) {
    const name = `params.${p.name}`;
    const label = p.label || humanize(p.name);
    const value = node.params[p.name];
    const testid = `param-${p.name}`;
    const hint = [p.description, p.default !== undefined && p.default !== null && p.type !== 'boolean' ? t('Default: {value}.', { value: typeof p.default === 'string' ? p.default : JSON.stringify(p.default) }) : null]
      .filter(Boolean).join(' ');

    if (node.kind === 'router' && p.name === 'branches') return branchEditor(node, p);
    if (node.service === 'whatsapp' && p.name === 'template') return templateField(node, p, { label, name, testid });
    if (node.service === 'whatsapp' && p.name === 'template_values') return templateValuesField(node, p, { label, testid });

    switch (p.type) {
      case 'boolean': {
        const on = typeof value === 'boolean' ? value : !!p.default;
        const f = field({ label, name, type: 'checkbox', value: on, testid, hint: p.description || null });
        f.control.addEventListener('change', () => setParam(node, p.name, f.control.checked));
        return f;
      }
      case 'enum': {
        const first = p.default !== undefined && p.default !== null ? t('Default ({value})', { value: p.default }) : (p.required ? t('Choose…') : '—');
        const opts = [{ value: '', label: first }].concat((p.options || []).map((o) => ({ value: o, label: o })));
        if (typeof value === 'string' && value && !(p.options || []).includes(value)) opts.push({ value, label: value });
        const f = field({ label, name, type: 'select', options: opts, value: typeof value === 'string' ? value : '', required: !!p.required, testid, hint: p.description || null });
        f.control.addEventListener('change', () => {
          setParam(node, p.name, f.control.value || undefined);
          // The ledger trigger's outputs depend on its event: other steps' variables follow.
          if (node.kind === 'trigger') redrawNode(node);
        });
        return f;
      }
      case 'channel': {
        const opts = [{ value: '', label: t('Default channel') }].concat(channels.map((c) => ({ value: c.id, label: `${c.name} (${c.kind})` })));
        if (typeof value === 'string' && value && !channels.some((c) => c.id === value)) opts.push({ value, label: t('Unknown channel ({id})', { id: value }) });
        const f = field({ label, name, type: 'select', options: opts, value: typeof value === 'string' ? value : '', required: !!p.required, testid, hint: p.description || null });
        f.control.addEventListener('change', () => setParam(node, p.name, f.control.value || undefined));
        return f;
      }
      case 'secret': {
        const stored = value === SECRET_MASK;
        const f = field({
          label, name, type: 'password', value: stored ? '' : (typeof value === 'string' ? value : ''), required: !!p.required, testid,
          hint: stored ? `${p.description || ''} ${t('A secret is stored; it is never shown. Type a new one to replace it.')}`.trim() : (p.description || null),
          attrs: { autocomplete: 'new-password', spellcheck: 'false', placeholder: stored ? t('Stored (hidden)') : '' },
        });
        const original = value;
        f.control.addEventListener('input', () => {
          const v = f.control.value;
          setParam(node, p.name, v ? v : original);
        });
        if (stored) {
          const clear = h('button', { type: 'button', class: 'btn btn-ghost btn-small wf-secret-clear', testid: `${testid}-clear` }, t('Remove the stored secret'));
          clear.addEventListener('click', () => {
            f.control.value = '';
            setParam(node, p.name, '');
            clear.replaceWith(h('p', { class: 'field-hint' }, t('The secret is removed when you save.')));
          });
          f.appendChild(clear);
        }
        return f;
      }
      default:
        break;
    }

    if (JSON_TYPES.has(p.type)) return jsonField(node, p, { label, name, testid, hint });
    if (p.money) return moneyField(node, p, { label, name, testid });

    const multiline = p.type === 'text';
    const shown = value === undefined || value === null ? '' : (typeof value === 'string' ? value : JSON.stringify(value));
    const placeholder = p.placeholder || (p.type === 'duration' ? 'e.g. 90s, 10m, 2h, 1d' : p.type === 'datetime' ? 'e.g. 2025-01-31T10:00:00+05:30' : '');
    const f = field({
      label, name, type: multiline ? 'textarea' : 'text', value: shown, required: !!p.required, testid, hint: hint || null,
      attrs: {
        placeholder: placeholder || null, spellcheck: multiline ? 'true' : 'false', rows: multiline ? 3 : null,
        inputmode: (p.type === 'integer' || p.type === 'number') ? 'decimal' : null,
      },
    });
    f.control.dataset.vars = '1';
    f.control.addEventListener('input', () => setParam(node, p.name, textParamValue(f.control.value, p.type)));
    return f;
  }

  /* WhatsApp's template mode (issue 18 §3): the purpose by its name, and one field per value that
   * purpose's templates use (from GET /whatsapp/template-purposes), each taking {{variables}}. */
  const valuesEditors = new Map(); // node id → redraw of its template values for a purpose

  function templateField(node, p, { label, name, testid }) {
    const value = typeof node.params[p.name] === 'string' ? node.params[p.name] : '';
    const opts = [{ value: '', label: t('No template: text only (inside 24 hours)') }]
      .concat((p.options || []).filter((o) => o !== 'none').map((o) => ({ value: o, label: PURPOSE_LABELS[o] ? t(PURPOSE_LABELS[o]) : o })));
    if (value && value !== 'none' && !(p.options || []).includes(value)) opts.push({ value, label: value });
    const f = field({
      label, name, type: 'select', options: opts, value: value === 'none' ? '' : value, testid,
      hint: t('Outside WhatsApp’s 24-hour window the message goes as your approved template for this purpose (Integrations → WhatsApp templates); inside it, as the text above.'),
    });
    f.control.addEventListener('change', () => {
      setParam(node, p.name, f.control.value || undefined);
      valuesEditors.get(node.id)?.(f.control.value);
    });
    return f;
  }

  function templateValuesField(node, p, { label, testid }) {
    const body = h('div', { class: 'stack' });
    const box = h('fieldset', { class: 'field wf-template-values', testid }, h('legend', {}, label), body);
    const values = () => (isObject(node.params[p.name]) ? node.params[p.name] : {});
    const setValue = (key, text) => {
      const next = { ...values() };
      if (text.trim() === '') delete next[key];
      else next[key] = text;
      setParam(node, p.name, Object.keys(next).length ? next : undefined);
    };
    const draw = (purpose) => {
      if (!purpose || purpose === 'none') {
        fill(body, h('p', { class: 'field-hint' }, t('Choose a template above to fill in its values.')));
        return;
      }
      fill(body, h('p', { class: 'field-hint', testid: `${testid}-loading` }, t('Loading the template’s values…')));
      templatePurposes().then((list) => {
        if (node.params.template !== purpose) return; // changed again meanwhile
        const wanted = (list.find((x) => x.purpose === purpose) || {}).variables || [];
        const current = values();
        const keys = wanted.concat(Object.keys(current).filter((k) => !wanted.includes(k)));
        fill(body,
          h('p', { class: 'field-hint' }, t('Type a value or insert a variable. An empty value is sent as “-”.')),
          keys.map((key) => {
            const f = field({
              label: VALUE_LABELS[key] ? t(VALUE_LABELS[key]) : key, name: `params.${p.name}.${key}`, value: typeof current[key] === 'string' ? current[key] : (current[key] === undefined ? '' : JSON.stringify(current[key])),
              testid: `${testid}-${key}`, attrs: { spellcheck: 'false' },
            });
            f.control.dataset.vars = '1';
            f.control.addEventListener('input', () => setValue(key, f.control.value));
            return f;
          }));
      }, (e) => {
        fill(body, h('p', { class: 'field-error', role: 'alert' }, errorMessage(e)));
      });
    };
    valuesEditors.set(node.id, draw);
    draw(typeof node.params.template === 'string' ? node.params.template : '');
    return box;
  }

  /** An amount: rupees on screen, paise in the blueprint (like every amount in Munim). */
  function moneyField(node, p, { label, name, testid }) {
    const value = node.params[p.name];
    const f = field({
      label: t('{label} (₹)', { label }), name, type: 'text', value: rupeesText(value), required: !!p.required, testid,
      hint: t('In rupees, like 500 or 499.50. A variable is used as it is: amounts in Munim’s data are in paise.'),
      attrs: { inputmode: 'decimal', spellcheck: 'false', placeholder: rupeesText(p.placeholder) || null },
    });
    const err = h('p', { class: 'field-error', role: 'alert', testid: `${testid}-money-error` });
    f.appendChild(err);
    f.control.dataset.vars = '1';
    f.control.addEventListener('input', () => {
      const read = moneyParamValue(f.control.value);
      err.textContent = read.error || '';
      if (read.error) {
        f.control.setAttribute('aria-invalid', 'true');
        markDirty();
        return;
      }
      f.control.removeAttribute('aria-invalid');
      setParam(node, p.name, read.value);
    });
    return f;
  }

  function jsonField(node, p, { label, name, testid, hint }) {
    const value = node.params[p.name];
    // A single {{placeholder}} is shown as typed; anything else as JSON (so text stays quoted).
    const shown = value === undefined ? '' : (isPlaceholder(value) ? value : JSON.stringify(value, null, 2));
    const example = p.placeholder || (p.type === 'array' ? '["a", "b"]' : '{"key": "value"}');
    const f = field({
      label, name, type: 'textarea', value: shown, required: !!p.required, testid, hint: `${hint ? `${hint} ` : ''}JSON.`,
      attrs: { rows: Math.min(8, Math.max(2, shown.split('\n').length)), spellcheck: 'false', placeholder: example, class: 'wf-code' },
    });
    const err = h('p', { class: 'field-error', testid: `${testid}-json-error`, role: 'alert' });
    f.appendChild(err);
    f.control.dataset.vars = '1';
    const apply = () => {
      const raw = f.control.value;
      err.textContent = '';
      delete f.control.dataset.jsonError;
      f.control.removeAttribute('aria-invalid');
      const read = readJsonParam(raw, p);
      if (read.error) {
        err.textContent = read.error;
        f.control.dataset.jsonError = '1';
        f.control.setAttribute('aria-invalid', 'true');
        return;
      }
      setParam(node, p.name, read.value);
      if (read.parsed && node.kind === 'trigger') redrawNode(node);
    };
    f.control.addEventListener('blur', apply);
    f.control.addEventListener('input', () => {
      // Typing marks the workflow changed; the value itself is read when the field is left.
      markDirty();
    });
    return f;
  }

  function rawParamsField(node) {
    const f = field({
      label: t('Settings (JSON)'), name: 'params', type: 'textarea', value: JSON.stringify(node.params, null, 2), testid: 'param-raw',
      attrs: { rows: 8, spellcheck: 'false', class: 'wf-code' },
    });
    const err = h('p', { class: 'field-error', role: 'alert' });
    f.appendChild(err);
    f.control.addEventListener('blur', () => {
      err.textContent = '';
      try {
        const v = JSON.parse(f.control.value || '{}');
        if (!isObject(v)) throw new Error(t('Settings must be a JSON object.'));
        node.params = v;
        changed();
      } catch (e) {
        err.textContent = e.message;
      }
    });
    return f;
  }

  /* ----- router branches ----- */

  function branchEditor(node, p) {
    const list = h('ol', { class: 'wf-branches', testid: 'wf-branches' });
    const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'branch-add' }, t('Add branch'));
    const errorSlot = h('p', { class: 'field-error', dataset: { errorFor: 'params.branches' } });
    const branches = () => {
      if (!Array.isArray(node.params.branches)) node.params.branches = [];
      return node.params.branches;
    };

    function portsChanged() {
      redrawNode(node);
      changed();
    }

    function row(b, i) {
      if (!isObject(b)) {
        branches()[i] = { port: '', when: { left: '', op: '==', right: '' } };
        b = branches()[i];
      }
      const portId = uid('branch-port');
      const port = h('input', { type: 'text', id: portId, testid: 'branch-port', value: typeof b.port === 'string' ? b.port : '', maxlength: 64, spellcheck: 'false', autocomplete: 'off' });
      port.addEventListener('input', () => {
        const old = typeof b.port === 'string' ? b.port.trim() : '';
        const next = port.value.trim();
        b.port = next;
        if (old && next && old !== next && !branches().some((x, j) => x !== b && isObject(x) && String(x.port || '').trim() === old)) {
          for (const e of state.edges) if (e.source === node.id && e.source_port === old) e.source_port = next;
        }
        portsChanged();
      });
      const simple = isSimpleCondition(b.when);
      const whenBox = h('div', { class: 'wf-branch-when' });
      let asJson = !simple;

      function drawWhen() {
        if (!asJson) {
          const w = isObject(b.when) ? b.when : { left: '', op: '==', right: '' };
          const leftId = uid('branch-left');
          const opId = uid('branch-op');
          const rightId = uid('branch-right');
          const left = h('input', { type: 'text', id: leftId, testid: 'branch-left', value: showLoose(w.left), placeholder: t('{{trigger.amount}}'), spellcheck: 'false', autocomplete: 'off' });
          left.dataset.vars = '1';
          const op = h('select', { id: opId, testid: 'branch-op' }, OPERATORS.map((o) => h('option', { value: o, selected: o === w.op }, o)));
          const right = h('input', { type: 'text', id: rightId, testid: 'branch-right', value: showLoose(w.right), placeholder: '1000', spellcheck: 'false', autocomplete: 'off' });
          right.dataset.vars = '1';
          const rightWrap = h('div', { class: 'field' }, h('label', { for: rightId }, t('Value')), right);
          const update = () => {
            const cond = { left: parseLoose(left.value), op: op.value };
            if (!LEFT_ONLY.has(op.value)) cond.right = parseLoose(right.value);
            rightWrap.hidden = LEFT_ONLY.has(op.value);
            b.when = cond;
            changed();
          };
          rightWrap.hidden = LEFT_ONLY.has(w.op);
          left.addEventListener('input', update);
          op.addEventListener('change', update);
          right.addEventListener('input', update);
          const toJson = h('button', { type: 'button', class: 'btn-link wf-small-link', testid: 'branch-json-toggle' }, t('Edit as JSON (all / any groups)'));
          toJson.addEventListener('click', () => {
            asJson = true;
            drawWhen();
          });
          fill(whenBox,
            h('div', { class: 'wf-branch-cond' },
              h('div', { class: 'field' }, h('label', { for: leftId }, t('When')), left),
              h('div', { class: 'field wf-branch-op' }, h('label', { for: opId }, 'is'), op),
              rightWrap),
            toJson);
        } else {
          const jid = uid('branch-when');
          const ta = h('textarea', { id: jid, testid: 'branch-when-json', rows: 4, spellcheck: 'false', class: 'wf-code' });
          ta.value = JSON.stringify(b.when ?? {}, null, 2);
          ta.dataset.vars = '1';
          const err = h('p', { class: 'field-error', role: 'alert' });
          ta.addEventListener('blur', () => {
            err.textContent = '';
            try {
              b.when = JSON.parse(ta.value);
              changed();
            } catch (e) {
              err.textContent = t('Not valid JSON: {reason}. The last valid condition is kept.', { reason: e.message });
            }
          });
          ta.addEventListener('input', markDirty);
          const canSimple = () => isSimpleCondition(b.when);
          const toSimple = h('button', { type: 'button', class: 'btn-link wf-small-link', testid: 'branch-simple-toggle' }, t('Simple condition'));
          toSimple.addEventListener('click', () => {
            if (!canSimple()) {
              err.textContent = t('Only a single comparison (left, op, right) can be edited as a simple condition.');
              return;
            }
            asJson = false;
            drawWhen();
          });
          fill(whenBox,
            h('div', { class: 'field' }, h('label', { for: jid }, t('Condition (JSON)')), ta, err,
              h('p', { class: 'field-hint' }, t('{"left": "{{trigger.amount}}", "op": ">=", "right": 1000}, or {"all": [...]} / {"any": [...]}.'))),
            toSimple);
        }
      }
      drawWhen();

      const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small', testid: 'branch-remove', 'aria-label': t('Remove branch {n}', { n: i + 1 }) }, t('Remove'));
      remove.addEventListener('click', () => {
        const gone = typeof b.port === 'string' ? b.port.trim() : '';
        branches().splice(branches().indexOf(b), 1);
        if (gone && !branches().some((x) => isObject(x) && String(x.port || '').trim() === gone)) {
          state.edges = state.edges.filter((e) => !(e.source === node.id && e.source_port === gone));
        }
        draw();
        portsChanged();
      });
      return h('li', { class: 'wf-branch', testid: 'wf-branch' },
        h('div', { class: 'wf-branch-head' },
          h('div', { class: 'field' }, h('label', { for: portId }, t('Branch {n} port', { n: i + 1 })), port),
          remove),
        whenBox);
    }

    function draw() {
      fill(list, branches().map(row));
    }

    addBtn.addEventListener('click', () => {
      const taken = new Set(branchPorts(node));
      let n = branches().length + 1;
      while (taken.has(`branch_${n}`)) n++;
      branches().push({ port: `branch_${n}`, when: { left: '', op: '==', right: '' } });
      draw();
      portsChanged();
      const ports = list.querySelectorAll('[data-testid="branch-port"]');
      if (ports.length) ports[ports.length - 1].focus();
    });
    draw();
    return h('fieldset', { class: 'plain wf-branch-editor' },
      h('legend', { class: 'label-like' }, t('Branches'), p.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      h('p', { class: 'field-hint' }, t('Tried in order; the first whose condition holds is taken, else the “else” port.')),
      list, errorSlot, addBtn);
  }

  return { paramField, rawParamsField };
}
