// The GSTR-1 summary on the Reports page (Public/js/shared/gst.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gstr1Summary, lastMonth } from '../../Public/js/shared/gst.js';

test('last month is the one filed now, across a new year', () => {
  assert.equal(lastMonth('2026-12-06'), '2026-11');
  assert.equal(lastMonth('2027-01-10'), '2026-12');
  assert.equal(lastMonth('2026-10-01'), '2026-09');
});

test('each section sums to paise, and the total row adds them up', () => {
  const doc = {
    b2b: [{ ctin: '24AAACS1234B1Z5', inv: [
      { inum: 'INV-0001', itms: [{ num: 1, itm_det: { rt: 18, txval: 7646.25, iamt: 1376.33, camt: 0, samt: 0 } }] },
      { inum: 'INV-0002', itms: [{ num: 1, itm_det: { rt: 18, txval: 1750, iamt: 0, camt: 157.5, samt: 157.5 } }] },
    ] }],
    b2cs: [{ sply_ty: 'INTRA', pos: '27', rt: 5, txval: 100, iamt: 0, camt: 2.5, samt: 2.5 }],
    nil: { inv: [{ sply_ty: 'INTRB2B', nil_amt: 600, expt_amt: 0, ngsup_amt: 0 }] },
    doc_issue: { doc_det: [{ doc_num: 1, docs: [{ num: 1, from: 'INV-0001', to: 'INV-0006', totnum: 6, cancel: 1, net_issue: 5 }] }] },
  };
  const s = gstr1Summary(doc);
  assert.deepEqual(s.rows.map((r) => [r.key, r.count, r.taxable, r.igst, r.cgst, r.sgst]), [
    ['b2b', 2, 939625, 137633, 15750, 15750],
    ['b2cs', 1, 10000, 0, 250, 250],
    ['nil', 1, 60000, 0, 0, 0],
  ]);
  assert.deepEqual([s.total.taxable, s.total.igst, s.total.cgst, s.total.sgst], [1009625, 137633, 16000, 16000]);
  assert.deepEqual(s.documents, { from: 'INV-0001', to: 'INV-0006', total: 6, cancelled: 1 });
});

test('credit notes come off the month as negative rows, and their series is shown', () => {
  const s = gstr1Summary({
    b2cs: [{ sply_ty: 'INTRA', pos: '27', rt: 18, txval: 350, iamt: 0, camt: 31.5, samt: 31.5 }],
    cdnr: [{ ctin: '24AAACS1234B1Z5', nt: [{ ntty: 'C', nt_num: 'CN-0003', itms: [{ num: 1, itm_det: { rt: 18, txval: 350, iamt: 63, camt: 0, samt: 0 } }] }] }],
    doc_issue: { doc_det: [
      { doc_num: 1, docs: [{ num: 1, from: 'INV-0001', to: 'INV-0003', totnum: 3, cancel: 0, net_issue: 3 }] },
      { doc_num: 5, docs: [{ num: 1, from: 'CN-0001', to: 'CN-0003', totnum: 3, cancel: 0, net_issue: 3 }] },
    ] },
  });
  assert.deepEqual(s.rows.map((r) => [r.key, r.taxable, r.igst]), [['b2cs', 35000, 0], ['cdnr', -35000, -6300]]);
  assert.deepEqual([s.total.taxable, s.total.igst, s.total.cgst], [0, -6300, 3150]);
  assert.deepEqual(s.creditNotes, { from: 'CN-0001', to: 'CN-0003', total: 3 });
  assert.deepEqual(s.documents, { from: 'INV-0001', to: 'INV-0003', total: 3, cancelled: 0 });
});

test('an empty month has no rows and no document range', () => {
  const s = gstr1Summary({ gstin: '27AAPFU0939F1ZV', fp: '112026' });
  assert.deepEqual(s.rows, []);
  assert.equal(s.documents, null);
  assert.equal(s.total.taxable, 0);
});

test('the GSTR-3B rows show sales, credit, cash to pay and credit left', async () => {
  const { gstr3bRows } = await import('../../Public/js/shared/gst.js');
  const rows = gstr3bRows({
    sup_details: { osup_det: { txval: 125240, iamt: 22084.21, camt: 223, samt: 223 }, osup_nil_exmp: { txval: 600 } },
    itc_elg: { itc_net: { iamt: 9000, camt: 2790, samt: 2790 } },
    tax_payment: {
      paid_through_itc: { igst_credit: { iamt: 9000, camt: 0, samt: 0 }, cgst_credit: { iamt: 2567, camt: 223 }, sgst_credit: { iamt: 2567, samt: 223 } },
      paid_in_cash: { iamt: 7950.21, camt: 0, samt: 0 },
      credit_carried_forward: { iamt: 0, camt: 0, samt: 0 },
    },
  });
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  assert.deepEqual([by.outward.value, by.outward.igst, by.outward.cgst], [12524000, 2208421, 22300]);
  assert.equal(by.nil.value, 60000);
  assert.deepEqual([by.credit.igst, by.credit.cgst, by.credit.sgst], [1413400, 22300, 22300]);
  assert.deepEqual([by.cash.igst, by.cash.cgst, by.cash.sgst], [795021, 0, 0]);
  assert.equal(by.itc.value, null);
});

test('the return period: the month, or its quarter for a quarterly (QRMP) filer', async () => {
  const { gstPeriod } = await import('../../Public/js/shared/gst.js');
  assert.equal(gstPeriod('2026-11', false), '2026-11');
  assert.equal(gstPeriod('2026-11', true), '2026-Q4');
  assert.equal(gstPeriod('2026-01', true), '2026-Q1');
  assert.equal(gstPeriod('2026-03', true), '2026-Q1');
  assert.equal(gstPeriod('2026-04', true), '2026-Q2');
  assert.equal(gstPeriod('2026-09', true), '2026-Q3');
  assert.equal(gstPeriod('2026-13', true), '');
  assert.equal(gstPeriod('', false), '');
});
