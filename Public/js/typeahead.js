// An accessible combobox that searches the API as you type (customers, products).
import { h, uid, field, debounce, fill } from './ui.js';
import { errorMessage } from './api.js';
import { t } from './i18n.js';

/**
 * typeahead({label, name, testid, search: async (q) => items, itemLabel, itemDetail,
 *            onSelect(item|null), onText(text), required, placeholder, hint})
 * Returns {el, input, select(item), clear(), get selected()}.
 * Options carry data-testid="<testid>-option".
 */
export function typeahead(opts) {
  const {
    label, name, testid, search, itemLabel, itemDetail = null, onSelect = () => {}, onText = () => {},
    required = false, placeholder = t('Type to search…'), hint = null, className = '',
  } = opts;
  const listId = uid('listbox');
  const input = h('input', {
    type: 'text', name, testid, role: 'combobox', autocomplete: 'off', 'aria-autocomplete': 'list',
    'aria-expanded': 'false', 'aria-controls': listId, placeholder, required,
  });
  const list = h('ul', { class: 'typeahead-list', id: listId, role: 'listbox', hidden: true, 'aria-label': label });
  const wrapper = field({ label, name, control: input, required, hint, className: `typeahead ${className}` });
  // the list floats under the input, inside a positioned box
  const box = h('div', { class: 'typeahead-box' });
  input.replaceWith(box);
  box.append(input, list);

  let selected = null;
  let options = [];
  let active = -1;
  let generation = 0;
  let blurTimer = null;

  function open() {
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }
  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  function setActive(i) {
    const items = list.querySelectorAll('[role="option"]');
    items.forEach((li, j) => li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    active = i;
    if (items[i]) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    }
  }
  function message(text) {
    fill(list, h('li', { class: 'typeahead-message', role: 'presentation' }, text));
    open();
  }
  function draw() {
    if (!options.length) {
      message(input.value.trim() ? t('No matches') : t('Nothing here yet'));
      return;
    }
    fill(list, ...options.map((item, i) => {
      const li = h('li', { id: `${listId}-${i}`, role: 'option', class: 'typeahead-option', 'aria-selected': 'false', testid: `${testid}-option` },
        h('span', { class: 'typeahead-label' }, itemLabel(item)),
        itemDetail ? h('span', { class: 'typeahead-detail' }, itemDetail(item)) : null);
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => choose(item));
      return li;
    }));
    open();
    active = -1;
  }
  async function fetchOptions() {
    const mine = ++generation;
    const q = input.value.trim();
    if (list.hidden || !options.length) message(t('Searching…'));
    try {
      const items = await search(q);
      if (mine !== generation) return;
      options = items || [];
      if (document.activeElement === input) draw();
      else close();
    } catch (e) {
      if (mine !== generation) return;
      message(errorMessage(e));
    }
  }
  const fetchSoon = debounce(fetchOptions, 200);

  function choose(item) {
    selected = item;
    input.value = itemLabel(item);
    close();
    onSelect(item);
  }

  input.addEventListener('input', () => {
    if (selected && input.value !== itemLabel(selected)) {
      selected = null;
      onSelect(null);
    }
    onText(input.value);
    // Narrow what is already shown right away, so a quick click never picks a stale match.
    if (!list.hidden) {
      const q = input.value.trim().toLowerCase();
      options = options.filter((o) => String(itemLabel(o)).toLowerCase().includes(q));
      if (options.length) draw();
      else message(t('Searching…'));
    }
    fetchSoon();
  });
  input.addEventListener('focus', () => {
    clearTimeout(blurTimer);
    if (!selected) fetchOptions();
  });
  input.addEventListener('blur', () => {
    blurTimer = setTimeout(close, 150);
  });
  input.addEventListener('keydown', (e) => {
    const count = list.hidden ? 0 : list.querySelectorAll('[role="option"]').length;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (list.hidden) fetchOptions();
      else if (count) setActive((active + 1) % count);
    } else if (e.key === 'ArrowUp') {
      if (count) {
        e.preventDefault();
        setActive((active - 1 + count) % count);
      }
    } else if (e.key === 'Enter') {
      if (!list.hidden && active >= 0 && options[active]) {
        e.preventDefault();
        choose(options[active]);
      }
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault();
        e.stopPropagation();
        close();
      }
    }
  });

  return {
    el: wrapper,
    input,
    get selected() {
      return selected;
    },
    select(item) {
      if (item) choose(item);
    },
    clear() {
      selected = null;
      input.value = '';
      close();
    },
  };
}
