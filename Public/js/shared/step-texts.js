// The workflow step catalog in the reader's language (issue 19 §2). GET /workflows/catalog answers
// in English (the architect's LLM and API clients read it as is); the words a person reads in the
// builder and on run pages — group names, step titles and summaries, field labels and
// descriptions, output descriptions — are looked up in Public/i18n/steps.<lang>.json, keyed by the
// English text. A Swift test (CatalogTests) fails when a catalog text has no Hindi there.
// Pure: no DOM, no fetch.

/** "sample_payload" -> "Sample payload": a param's English label. */
export const humanize = (name) => {
  const s = String(name || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/**
 * A copy of the catalog with its words translated by `texts` (English → language); words missing
 * from `texts` stay English. Params gain `label` (their humanized name, translated). Without
 * `texts` (English), labels are added and nothing else changes.
 */
export function localizeCatalog(catalog, texts) {
  const tr = (s) => (texts && typeof s === 'string' && texts[s]) || s;
  const param = (p) => ({
    ...p,
    label: tr(humanize(p.name)),
    description: tr(p.description),
    ...(Array.isArray(p.fields) ? { fields: p.fields.map(param) } : {}),
  });
  const output = (o) => ({ ...o, description: tr(o.description) });
  const node = (n) => {
    const out = {
      ...n,
      title: tr(n.title),
      summary: tr(n.summary),
      group: tr(n.group),
      params: (n.params || []).map(param),
      outputs: (n.outputs || []).map(output),
    };
    if (n.output_variants && n.output_variants.outputs) {
      const variants = {};
      for (const [k, list] of Object.entries(n.output_variants.outputs)) variants[k] = (list || []).map(output);
      out.output_variants = { ...n.output_variants, outputs: variants };
    }
    return out;
  };
  return {
    ...catalog,
    nodes: (catalog.nodes || []).map(node),
    ...(Array.isArray(catalog.groups) ? { groups: catalog.groups.map(tr) } : {}),
  };
}
