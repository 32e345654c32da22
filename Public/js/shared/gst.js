// GST returns on the Reports page (issue 17 §4): the month picker's default and the summary of a
// GSTR-1 file, so the owner and the CA see its totals before downloading it. Pure: tested with
// node --test.
import { t } from '../i18n.js';

const paise = (rupees) => Math.round(Number(rupees || 0) * 100);

/** "2026-11": the month before `today` ("2026-12-06"), the one filed now. */
export function lastMonth(today) {
  const [y, m] = String(today).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The return period for a month picked ("2026-11"): the month itself, or its quarter for a
 * quarterly (QRMP) filer ("2026-Q4": October–December, filed under December). */
export function gstPeriod(month, quarterly) {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(String(month || ''));
  if (!m) return '';
  return quarterly ? `${m[1]}-Q${Math.ceil(Number(m[2]) / 3)}` : month;
}

function itemTotals(invoices) {
  const sum = { count: 0, taxable: 0, igst: 0, cgst: 0, sgst: 0 };
  for (const inv of invoices || []) {
    sum.count += 1;
    for (const item of inv.itms || []) {
      const d = item.itm_det || {};
      sum.taxable += paise(d.txval);
      sum.igst += paise(d.iamt);
      sum.cgst += paise(d.camt);
      sum.sgst += paise(d.samt);
    }
  }
  return sum;
}

/**
 * The sections of a GSTR-1 document as rows {key, label, count, taxable, igst, cgst, sgst} (paise),
 * then a total row, and the document range ({from, to, total, cancelled}) when there is one.
 */
export function gstr1Summary(doc) {
  const rows = [];
  const b2b = itemTotals((doc.b2b || []).flatMap((r) => r.inv || []));
  if (b2b.count) rows.push({ key: 'b2b', label: t('B2B: buyers with a GSTIN'), ...b2b });
  const b2cl = itemTotals((doc.b2cl || []).flatMap((r) => r.inv || []));
  if (b2cl.count) rows.push({ key: 'b2cl', label: t('B2C large: other states, above ₹1 lakh'), ...b2cl });
  if ((doc.b2cs || []).length) {
    const sum = { count: doc.b2cs.length, taxable: 0, igst: 0, cgst: 0, sgst: 0 };
    for (const r of doc.b2cs) {
      sum.taxable += paise(r.txval);
      sum.igst += paise(r.iamt);
      sum.cgst += paise(r.camt);
      sum.sgst += paise(r.samt);
    }
    rows.push({ key: 'b2cs', label: t('B2C small: summed by state and rate'), ...sum });
  }
  // Credit notes take value and tax back out: shown as negative rows so the total is the month's net.
  const negate = (t) => ({ ...t, taxable: -t.taxable, igst: -t.igst, cgst: -t.cgst, sgst: -t.sgst });
  const cdnr = itemTotals((doc.cdnr || []).flatMap((r) => r.nt || []));
  if (cdnr.count) rows.push({ key: 'cdnr', label: t('Credit notes: buyers with a GSTIN'), ...negate(cdnr) });
  const cdnur = itemTotals(doc.cdnur || []);
  if (cdnur.count) rows.push({ key: 'cdnur', label: t('Credit notes: B2C large'), ...negate(cdnur) });
  const nil = (doc.nil && doc.nil.inv) || [];
  if (nil.length) {
    rows.push({ key: 'nil', label: t('Without GST (nil rated)'), count: nil.length, taxable: nil.reduce((s, r) => s + paise(r.nil_amt), 0), igst: 0, cgst: 0, sgst: 0 });
  }
  const total = { key: 'total', label: t('Total'), count: null, taxable: 0, igst: 0, cgst: 0, sgst: 0 };
  for (const r of rows) for (const k of ['taxable', 'igst', 'cgst', 'sgst']) total[k] += r[k];
  const det = (doc.doc_issue && doc.doc_issue.doc_det) || [];
  const rangeOf = (num) => { const d = det.find((x) => x.doc_num === num); return d && (d.docs || [])[0]; };
  const range = rangeOf(1);
  const notes = rangeOf(5);
  return {
    rows,
    total,
    documents: range ? { from: range.from, to: range.to, total: range.totnum, cancelled: range.cancel } : null,
    creditNotes: notes ? { from: notes.from, to: notes.to, total: notes.totnum } : null,
  };
}

const heads = (o) => ({ igst: paise(o && o.iamt), cgst: paise(o && o.camt), sgst: paise(o && o.samt) });

/**
 * The GSTR-3B summary as rows {key, label, value (paise or null), igst, cgst, sgst}: what was sold,
 * the input tax, the credit used and the tax left to pay in cash.
 */
export function gstr3bRows(doc) {
  const sup = (doc && doc.sup_details) || {};
  const pay = (doc && doc.tax_payment) || {};
  const used = (pay.paid_through_itc) || {};
  const credit = { igst: 0, cgst: 0, sgst: 0 };
  for (const part of [used.igst_credit, used.cgst_credit, used.sgst_credit]) {
    const h = heads(part);
    credit.igst += h.igst;
    credit.cgst += h.cgst;
    credit.sgst += h.sgst;
  }
  return [
    { key: 'outward', label: t('Sales with GST'), value: paise(sup.osup_det && sup.osup_det.txval), ...heads(sup.osup_det) },
    { key: 'nil', label: t('Sales without GST'), value: paise(sup.osup_nil_exmp && sup.osup_nil_exmp.txval), igst: 0, cgst: 0, sgst: 0 },
    { key: 'itc', label: t('GST paid on purchases and expenses'), value: null, ...heads(doc && doc.itc_elg && doc.itc_elg.itc_net) },
    { key: 'credit', label: t('Paid from that credit'), value: null, ...credit },
    { key: 'cash', label: t('To pay in cash'), value: null, ...heads(pay.paid_in_cash) },
    { key: 'carried', label: t('Credit left for next month'), value: null, ...heads(pay.credit_carried_forward) },
  ];
}
