// Renders /api/v1/openapi.json as a readable page: operations grouped by tag, parameters,
// request bodies and responses, with $ref schemas resolved into nested field lists.
import { h, errorState, fill } from './ui.js';
import { href } from './routes.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
const MAX_DEPTH = 8;

const main = document.getElementById('docs-main');
const nav = document.querySelector('.docs-nav');

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section';

function refName(ref) {
  return decodeURIComponent(String(ref).split('/').pop().replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Follows a local JSON pointer ("#/components/schemas/Customer"). */
function lookup(spec, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return null;
  let node = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (node === null || typeof node !== 'object' || !(key in node)) return null;
    node = node[key];
  }
  return node;
}

/** Resolves a top-level $ref (parameters, responses, request bodies). */
function deref(spec, obj, seen = new Set()) {
  let cur = obj;
  while (cur && typeof cur === 'object' && typeof cur.$ref === 'string' && !seen.has(cur.$ref)) {
    seen.add(cur.$ref);
    const target = lookup(spec, cur.$ref);
    if (!target) break;
    const { $ref, ...rest } = cur;
    cur = { ...target, ...rest };
  }
  return cur;
}

function typeList(schema) {
  const types = Array.isArray(schema.type) ? [...schema.type] : schema.type ? [schema.type] : [];
  if (schema.nullable && !types.includes('null')) types.push('null');
  return types;
}

/** A short type label: "string (date)", "array of Customer", "integer | null". */
function typeLabel(spec, schema, depth = 0) {
  if (!schema || typeof schema !== 'object') return 'any';
  if (schema.$ref) return refName(schema.$ref);
  if (depth > 3) return '…';
  const alts = schema.oneOf || schema.anyOf;
  if (alts) return alts.map((s) => typeLabel(spec, s, depth + 1)).join(' | ');
  if (schema.allOf) return schema.allOf.map((s) => typeLabel(spec, s, depth + 1)).join(' & ');
  const types = typeList(schema);
  const parts = types.map((t) => {
    if (t === 'array') return `array of ${typeLabel(spec, schema.items, depth + 1)}`;
    if (t === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      return `map of ${typeLabel(spec, schema.additionalProperties, depth + 1)}`;
    }
    return t;
  });
  let label = parts.length ? parts.join(' | ') : schema.properties ? 'object' : schema.const !== undefined ? 'const' : 'any';
  if (schema.format) label += ` (${schema.format})`;
  return label;
}

/** Flattens allOf and resolves $ref to get something with properties. */
function expand(spec, schema, seen) {
  if (!schema || typeof schema !== 'object') return { schema: {}, name: null, cyclic: false };
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return { schema: {}, name: refName(schema.$ref), cyclic: true };
    const target = lookup(spec, schema.$ref);
    if (!target) return { schema: {}, name: refName(schema.$ref), cyclic: false, missing: true };
    const inner = expand(spec, target, new Set([...seen, schema.$ref]));
    return { ...inner, name: refName(schema.$ref), seen: new Set([...(inner.seen || seen), schema.$ref]) };
  }
  if (schema.allOf) {
    const merged = { type: 'object', properties: {}, required: [] };
    let innerSeen = seen;
    for (const part of schema.allOf) {
      const e = expand(spec, part, seen);
      innerSeen = new Set([...innerSeen, ...(e.seen || [])]);
      Object.assign(merged.properties, e.schema.properties || {});
      merged.required.push(...(e.schema.required || []));
      if (e.schema.description && !merged.description) merged.description = e.schema.description;
    }
    const { allOf, ...rest } = schema;
    return { schema: { ...rest, ...merged, properties: { ...merged.properties, ...(rest.properties || {}) } }, name: null, seen: innerSeen };
  }
  return { schema, name: null, seen };
}

function constraints(schema) {
  const out = [];
  if (schema.enum) out.push(`one of: ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.const !== undefined) out.push(`always ${JSON.stringify(schema.const)}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.minimum !== undefined) out.push(`min ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) out.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) out.push(`max ${schema.maximum}`);
  if (schema.minLength !== undefined) out.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) out.push(`max length ${schema.maxLength}`);
  if (schema.pattern) out.push(`pattern ${schema.pattern}`);
  if (schema.example !== undefined) out.push(`e.g. ${JSON.stringify(schema.example)}`);
  else if (Array.isArray(schema.examples) && schema.examples.length) out.push(`e.g. ${JSON.stringify(schema.examples[0])}`);
  if (schema.readOnly) out.push('read-only');
  if (schema.writeOnly) out.push('write-only');
  if (schema.deprecated) out.push('deprecated');
  return out;
}

/** The nested field list for a schema. */
function schemaTree(spec, schema, depth = 0, seen = new Set()) {
  if (depth > MAX_DEPTH) return h('p', { class: 'muted' }, '…');
  const { schema: s, cyclic, seen: innerSeen } = expand(spec, schema, seen);
  if (cyclic) return h('p', { class: 'muted' }, `(${refName(schema.$ref)}, see above)`);
  const nextSeen = innerSeen || seen;

  const alts = s.oneOf || s.anyOf;
  if (alts) {
    return h('div', {},
      h('p', { class: 'muted' }, s.oneOf ? 'One of:' : 'Any of:'),
      h('ul', { class: 'schema' }, alts.map((alt) => h('li', {},
        h('span', { class: 'prop-type' }, typeLabel(spec, alt)),
        needsTree(spec, alt, nextSeen) ? schemaTree(spec, alt, depth + 1, nextSeen) : null))));
  }

  const types = typeList(s);
  if (types.includes('array') || (s.items && !s.properties)) {
    const items = s.items || {};
    return h('div', {},
      depth === 0 ? h('p', { class: 'muted' }, `Array of ${typeLabel(spec, items)}`) : null,
      needsTree(spec, items, nextSeen) ? schemaTree(spec, items, depth + 1, nextSeen) : null);
  }

  const props = s.properties || {};
  const names = Object.keys(props);
  if (!names.length) {
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      return h('div', {},
        h('p', { class: 'muted' }, `Map of string to ${typeLabel(spec, s.additionalProperties)}`),
        needsTree(spec, s.additionalProperties, nextSeen) ? schemaTree(spec, s.additionalProperties, depth + 1, nextSeen) : null);
    }
    return h('p', {}, h('span', { class: 'prop-type' }, typeLabel(spec, schema)),
      constraints(s).length ? h('span', { class: 'prop-enum' }, ` — ${constraints(s).join('; ')}`) : null,
      s.description ? h('span', { class: 'prop-desc' }, s.description) : null);
  }
  const required = new Set(s.required || []);
  return h('ul', { class: `schema ${depth === 0 ? 'schema-root' : ''}` }, names.map((name) => {
    const p = props[name] || {};
    const resolved = expand(spec, p, nextSeen).schema;
    const desc = p.description || resolved.description;
    const extra = constraints({ ...resolved, ...p });
    return h('li', {},
      h('span', { class: 'prop-name' }, name), ' ',
      h('span', { class: 'prop-type' }, typeLabel(spec, p)),
      required.has(name) ? [' ', h('span', { class: 'prop-req' }, 'required')] : null,
      desc ? h('span', { class: 'prop-desc' }, desc) : null,
      extra.length ? h('span', { class: 'prop-desc prop-enum' }, extra.join('; ')) : null,
      needsTree(spec, p, nextSeen) ? schemaTree(spec, p, depth + 1, nextSeen) : null);
  }));
}

/** Whether a property deserves a nested list (objects, arrays of objects, unions). */
function needsTree(spec, schema, seen) {
  if (!schema || typeof schema !== 'object') return false;
  if (schema.$ref && seen.has(schema.$ref)) return false;
  const { schema: s } = expand(spec, schema, seen);
  if (s.oneOf || s.anyOf) return true;
  if (s.properties && Object.keys(s.properties).length) return true;
  if (s.items) return needsTree(spec, s.items, seen);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return needsTree(spec, s.additionalProperties, seen);
  return false;
}

function contentBlock(spec, content) {
  const entries = Object.entries(content || {});
  if (!entries.length) return null;
  return entries.map(([type, media]) => h('div', { class: 'media' },
    entries.length > 1 || type !== 'application/json' ? h('p', { class: 'muted' }, h('code', {}, type)) : null,
    media && media.schema ? schemaTree(spec, media.schema) : h('p', { class: 'muted' }, 'No schema.')));
}

function parametersBlock(spec, params) {
  if (!params.length) return null;
  return h('div', {},
    h('h4', {}, 'Parameters'),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Parameters' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Name', 'In', 'Type', 'Description'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, params.map((p) => h('tr', {},
        h('td', {}, h('span', { class: 'prop-name' }, p.name), p.required ? [' ', h('span', { class: 'prop-req' }, 'required')] : null),
        h('td', {}, p.in),
        h('td', {}, h('span', { class: 'prop-type' }, typeLabel(spec, p.schema))),
        h('td', {}, p.description || '', p.schema ? (() => {
          const c = constraints(expand(spec, p.schema, new Set()).schema);
          return c.length ? h('span', { class: 'prop-desc' }, c.join('; ')) : null;
        })() : null)))))));
}

function operationCard(spec, path, method, op, pathParams) {
  const params = new Map();
  for (const raw of [...pathParams, ...(op.parameters || [])]) {
    const p = deref(spec, raw);
    if (p && p.name) params.set(`${p.in}:${p.name}`, p);
  }
  const body = op.requestBody ? deref(spec, op.requestBody) : null;
  const responses = Object.entries(op.responses || {});
  const id = `op-${slug(op.operationId || `${method}-${path}`)}`;

  return h('details', { class: 'op card', id, testid: 'docs-operation' },
    h('summary', {},
      h('span', { class: `method method-${method}` }, method.toUpperCase()),
      h('span', { class: 'op-path' }, path),
      op.summary ? h('span', { class: 'op-summary' }, op.summary) : null,
      op.deprecated ? h('span', { class: 'badge badge-warn docs-badge' }, 'deprecated') : null),
    h('div', { class: 'op-body' },
      op.description ? h('p', { class: 'docs-desc' }, op.description) : null,
      parametersBlock(spec, [...params.values()]),
      body ? h('div', {},
        h('h4', {}, `Request body${body.required ? ' (required)' : ''}`),
        body.description ? h('p', {}, body.description) : null,
        contentBlock(spec, body.content)) : null,
      responses.length ? h('div', {},
        h('h4', {}, 'Responses'),
        h('ul', { class: 'schema schema-root' }, responses.map(([code, raw]) => {
          const r = deref(spec, raw) || {};
          return h('li', {},
            h('span', { class: 'resp-code' }, code), ' ', r.description || '',
            r.content ? contentBlock(spec, r.content) : null);
        }))) : null));
}

function render(spec) {
  const info = spec.info || {};
  document.title = `${info.title || 'API'} · Munim`;
  const groups = new Map();
  for (const t of spec.tags || []) groups.set(t.name, { tag: t, ops: [] });
  for (const [path, item] of Object.entries(spec.paths || {})) {
    if (!item || typeof item !== 'object') continue;
    const resolvedItem = deref(spec, item);
    for (const method of METHODS) {
      const op = resolvedItem[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || 'Other';
      if (!groups.has(tag)) groups.set(tag, { tag: { name: tag }, ops: [] });
      groups.get(tag).ops.push({ path, method, op, pathParams: resolvedItem.parameters || [] });
    }
  }
  const nonEmpty = [...groups.values()].filter((g) => g.ops.length);
  const total = nonEmpty.reduce((n, g) => n + g.ops.length, 0);

  nav.appendChild(h('ul', {}, nonEmpty.map((g) => h('li', {},
    h('a', { href: `#tag-${slug(g.tag.name)}` }, `${g.tag.name} (${g.ops.length})`)))));

  const expandAll = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'docs-expand' }, 'Expand all');
  expandAll.addEventListener('click', () => {
    const all = main.querySelectorAll('details.op');
    const open = [...all].some((d) => !d.open);
    all.forEach((d) => { d.open = open; });
    expandAll.textContent = open ? 'Collapse all' : 'Expand all';
  });

  fill(main, 
    h('header', {},
      h('h1', { class: 'page-title', testid: 'docs-title' }, info.title || 'API',
        info.version ? h('span', { class: 'badge badge-info docs-version', testid: 'docs-version' }, `v${info.version}`) : null),
      info.description ? h('p', { class: 'docs-desc' }, info.description) : null,
      h('p', { class: 'muted' }, `OpenAPI ${spec.openapi || ''} · ${total} operations · `,
        h('a', { href: href('openAPI') }, 'openapi.json'), ' · ', h('a', { href: '/' }, 'Back to Munim')),
      h('p', {}, expandAll)),
    nonEmpty.map((g) => h('section', { id: `tag-${slug(g.tag.name)}`, testid: 'docs-tag' },
      h('h2', { class: 'docs-tag' }, g.tag.name),
      g.tag.description ? h('p', { class: 'muted' }, g.tag.description) : null,
      g.ops.map((o) => operationCard(spec, o.path, o.method, o.op, o.pathParams)))),
  );

  // Open the operation named in the URL fragment, if any.
  if (location.hash.startsWith('#op-')) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) {
      target.open = true;
      target.scrollIntoView();
    }
  }
}

async function load() {
  try {
    const res = await fetch(href('openAPI'), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`The API description could not be loaded (HTTP ${res.status}).`);
    render(await res.json());
  } catch (e) {
    fill(main, errorState(e instanceof Error && e.message ? e.message : 'The API description could not be loaded.', () => location.reload()));
  }
}

load();
