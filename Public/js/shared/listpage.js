// What the Customers and Products pages share: adding a record from the "add" form, and the card
// of search, filters and list under the page header.
import { api } from '../api.js';
import { path } from '../routes.js';
import { h, toast, showFormError, debounce } from '../ui.js';
import { t } from '../i18n.js';

/** Creates a record from an "add" form: on success a toast naming it, the form reset and closed and
 *  the list reloaded; on failure the form shows why (field errors beside their fields). */
export async function createFromForm({ route, body, noun, form, alert, close, list }) {
  try {
    const created = await api.create(path(route), body);
    toast(t('{noun} “{name}” added.', { noun, name: created.name }), 'success');
    form.reset();
    close();
    list.reload();
  } catch (e) {
    showFormError(form, alert, e);
  }
}

/** The card under a list page's header: a search box and filter checkboxes over the list. Typing
 *  (after a pause) or ticking a filter reloads the list. `checks`: [{ input, id, label }]. */
export function listCard({ search, searchId, checks, list }) {
  search.addEventListener('input', debounce(() => list.reload(), 300));
  for (const c of checks) c.input.addEventListener('change', () => list.reload());
  return h('section', { class: 'card' },
    h('div', { class: 'toolbar' },
      h('div', { class: 'field field-inline grow' }, h('label', { for: searchId }, t('Search')), search),
      ...checks.map((c) => h('div', { class: 'field field-check' }, c.input, h('label', { for: c.id }, c.label)))),
    list.el);
}
