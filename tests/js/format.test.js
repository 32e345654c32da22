// Money, quantity, GST and time helpers (Public/js/format.js).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  groupIndian, formatMoney, parseRupees, paiseToInput, parseQuantityMilli, milliToNumber, formatQuantity, parseGstRate,
  formatGstRate, lineMaths, invoiceTotals, roundToRupee, formatDate, formatDateTime, unitLabel, possessive, insufficientStockMessage, normalisePhone,
  relativeTime, fullTime, shortTime, formatBytes, receiptProblem, RECEIPT_MAX_BYTES,
} from '../../Public/js/format.js';

// Intl may separate "3:30" and "pm" with a narrow no-break space.
const plain = (s) => s.replace(/\s/g, ' ');
const IST = 'Asia/Kolkata';

describe('money', () => {
  test('digits are grouped the Indian way', () => {
    assert.equal(groupIndian('123'), '123');
    assert.equal(groupIndian('1234'), '1,234');
    assert.equal(groupIndian('1234567'), '12,34,567');
    assert.equal(groupIndian('123456789'), '12,34,56,789');
  });

  test('paise are shown as rupees with two decimals and a real minus sign', () => {
    assert.equal(formatMoney(12345650), '₹1,23,456.50');
    assert.equal(formatMoney(-75000), '−₹750.00');
    assert.equal(formatMoney(5), '₹0.05');
    assert.equal(formatMoney('35000'), '₹350.00');
    assert.equal(formatMoney(null), '—');
    assert.equal(formatMoney('abc'), '—');
    assert.equal(formatMoney(9007199254740993n), '₹9,00,71,99,25,47,409.93', 'BigInt beyond 2^53 is exact');
  });

  test('what a person types as rupees becomes exact paise, or null', () => {
    assert.equal(parseRupees('350'), 35000);
    assert.equal(parseRupees('350.5'), 35050);
    assert.equal(parseRupees('₹ 1,250.50'), 125050);
    assert.equal(parseRupees('Rs. 99'), 9900);
    assert.equal(parseRupees('.5'), 50);
    assert.equal(parseRupees('0.1'), 10, 'no floating point: 0.1 is exactly 10 paise');
    assert.equal(parseRupees('1.005'), null, 'more than two decimals');
    assert.equal(parseRupees('-5'), null);
    assert.equal(parseRupees('ten'), null);
    assert.equal(parseRupees('99999999999999999'), null, 'beyond the safe integer range');
  });

  test('paise back into an input: no trailing .00', () => {
    assert.equal(paiseToInput(35000), '350');
    assert.equal(paiseToInput(35050), '350.50');
    assert.equal(paiseToInput(-105), '-1.05');
    assert.equal(paiseToInput(undefined), '');
    assert.equal(parseRupees(paiseToInput(123456789)), 123456789);
  });
});

describe('quantities and GST', () => {
  test('quantities are thousandths of a unit', () => {
    assert.equal(parseQuantityMilli('2.5'), 2500);
    assert.equal(parseQuantityMilli('1,000'), 1000000);
    assert.equal(parseQuantityMilli('0.0005'), null);
    assert.equal(milliToNumber(2500), 2.5);
    assert.equal(milliToNumber(3000), 3);
    assert.equal(formatQuantity(2500.5), '2,500.5');
    assert.equal(formatQuantity(-1234567), '−12,34,567');
    assert.equal(formatQuantity(''), '—');
  });

  test('GST rates are scaled by 10^4 and may not pass 100 %', () => {
    assert.equal(parseGstRate('18'), 180000);
    assert.equal(parseGstRate('0.25%'), 2500);
    assert.equal(parseGstRate(''), null);
    assert.ok(Number.isNaN(parseGstRate('100.01')));
    assert.ok(Number.isNaN(parseGstRate('abc')));
    assert.equal(formatGstRate(18), '18%');
    assert.equal(formatGstRate(null), '—');
  });

  test('line and invoice maths round half away from zero, as the server does', () => {
    // 2.5 bags at ₹350.01 = ₹875.025 → ₹875.03; taxable ₹865.03. Within the state CGST and SGST are
    // 9 % each, each rounded: ₹77.8527 → ₹77.85 twice (never ₹77.85 beside ₹77.86).
    const line = lineMaths({ qtyMilli: 2500, unitPrice: 35001, discount: 1000, rateScaled: 180000 });
    assert.deepEqual(line, { gross: 87503n, discount: 1000n, taxable: 86503n, tax: 15570n, cgst: 7785n, sgst: 7785n, igst: 0n, total: 102073n });
    // Across states one IGST amount: 18 % of ₹865.03 = ₹155.7054 → ₹155.71.
    const away = lineMaths({ qtyMilli: 2500, unitPrice: 35001, discount: 1000, rateScaled: 180000, interState: true });
    assert.deepEqual(away, { gross: 87503n, discount: 1000n, taxable: 86503n, tax: 15571n, cgst: 0n, sgst: 0n, igst: 15571n, total: 102074n });
    const other = lineMaths({ qtyMilli: 1000, unitPrice: 100 });
    assert.equal(other.tax, 0n);
    assert.deepEqual(invoiceTotals([line, other]),
      { subtotal: 87603n, discount_total: 1000n, tax_total: 15570n, cgst: 7785n, sgst: 7785n, igst: 0n, total: 102173n });
  });

  test('an inclusive price bills exactly what was quoted, as Money.inclusiveSplit does', () => {
    // 5 bags at ₹350 incl. 18 %: ₹1,750.00 = ₹1,483.06 + ₹133.47 + ₹133.47 (no nearer taxable value adds up).
    const local = lineMaths({ qtyMilli: 5000, unitPrice: 35000, rateScaled: 180000, inclusive: true });
    assert.deepEqual(local, { gross: 175000n, discount: 0n, taxable: 148306n, tax: 26694n, cgst: 13347n, sgst: 13347n, igst: 0n, total: 175000n });
    const away = lineMaths({ qtyMilli: 5000, unitPrice: 35000, rateScaled: 180000, inclusive: true, interState: true });
    assert.deepEqual([away.taxable, away.igst, away.total], [148305n, 26695n, 175000n]);
    // ₹118 incl. 18 % is ₹100 + ₹9 + ₹9; without GST the flag changes nothing.
    assert.deepEqual([lineMaths({ qtyMilli: 1000, unitPrice: 11800, rateScaled: 180000, inclusive: true }).taxable], [10000n]);
    assert.equal(lineMaths({ qtyMilli: 1000, unitPrice: 11800, inclusive: true }).total, 11800n);
    // Every amount adds back to the paisa with equal halves.
    for (let amount = 0; amount < 3000; amount += 7) {
      for (const rate of [50000, 180000, 400000]) {
        const l = lineMaths({ qtyMilli: 1000, unitPrice: amount, rateScaled: rate, inclusive: true });
        assert.equal(l.total, BigInt(amount));
        assert.equal(l.cgst, l.sgst);
      }
    }
    // The subtotal is shown before discounts so subtotal − discount + tax = total.
    const t = invoiceTotals([lineMaths({ qtyMilli: 2000, unitPrice: 35000, discount: 5000, rateScaled: 180000, inclusive: true })]);
    assert.equal(t.subtotal - t.discount_total + t.tax_total, t.total);
    assert.equal(t.total, 65000n);
  });

  test('totals round to the rupee half away from zero, as the server does', () => {
    assert.deepEqual(roundToRupee(112189n), { total: 112200n, roundOff: 11n });
    assert.deepEqual(roundToRupee(560943), { total: 560900n, roundOff: -43n });
    assert.deepEqual(roundToRupee(150), { total: 200n, roundOff: 50n });
    assert.deepEqual(roundToRupee(0), { total: 0n, roundOff: 0n });
  });

  test('units are pluralised unless they are abbreviations', () => {
    assert.equal(unitLabel('bag', 3), 'bags');
    assert.equal(unitLabel('bag', 1), 'bag');
    assert.equal(unitLabel('box', 2), 'boxes');
    assert.equal(unitLabel('kg', 5), 'kg');
    assert.equal(unitLabel('pcs', 5), 'pcs');
    assert.equal(unitLabel('', 5), '');
  });

  test('possessives of names', () => {
    assert.equal(possessive('Ramesh'), "Ramesh's");
    assert.equal(possessive('Ramesh Traders'), "Ramesh Traders'");
    assert.equal(possessive(' Asha '), "Asha's");
  });

  test('the out-of-stock message names what is left and what was asked', () => {
    assert.equal(insufficientStockMessage({ product: { name: 'Cement', unit: 'bag' }, available: 3, requested: 5 }), 'Only 3 bags of Cement in stock (asked 5)');
    assert.equal(insufficientStockMessage({ available: 0 }, { name: 'Sand' }), 'Only 0 Sand in stock');
  });
});

describe('dates and times', () => {
  test('business dates are shown without a timezone shift', () => {
    assert.equal(formatDate('2026-11-24'), '24 Nov 2026');
    assert.equal(formatDate(''), '—');
    assert.equal(formatDate('someday'), 'someday');
  });

  test('timestamps are shown in the business’s timezone', () => {
    assert.equal(plain(formatDateTime('2025-06-15T10:00:00Z', IST)), '15 Jun 2025, 3:30 pm');
    assert.equal(plain(formatDateTime('2025-06-15T10:00:00Z', 'America/New_York')), '15 Jun 2025, 6:00 am');
    assert.equal(formatDateTime('junk', IST), 'junk');
  });

  test('relative times step from "just now" to a date', () => {
    const now = new Date('2025-06-15T12:00:00Z');
    const rel = (iso) => relativeTime(iso, IST, now);
    assert.equal(rel('2025-06-15T11:59:30Z'), 'just now');
    assert.equal(rel('2025-06-15T11:50:00Z'), '10 min ago');
    assert.equal(rel('2025-06-15T09:00:00Z'), '3 h ago');
    assert.equal(rel('2025-06-14T10:00:00Z'), 'yesterday');
    assert.equal(rel('2025-06-11T12:00:00Z'), '4 days ago');
    assert.equal(rel('2025-05-01T12:00:00Z'), '1 May');
    assert.equal(rel('2024-12-01T12:00:00Z'), '1 Dec 2024');
    assert.equal(rel(null), '');
    assert.equal(rel('junk'), '');
  });

  test('short times: time of day when it is today in the business’s timezone, else the day too', () => {
    const now = new Date('2025-06-15T12:00:00Z'); // 17:30 in India, 08:00 in New York
    assert.equal(plain(shortTime('2025-06-15T10:00:00Z', IST, now)), '3:30 pm');
    assert.equal(plain(shortTime('2025-06-10T10:00:00Z', IST, now)), '10 Jun, 3:30 pm');
    assert.equal(plain(shortTime('2025-06-15T20:00:00Z', IST, now)), '16 Jun, 1:30 am', 'already tomorrow in India');
    assert.equal(plain(shortTime('2025-06-15T20:00:00Z', 'America/New_York', now)), '4:00 pm', 'still today in New York');
    assert.equal(plain(fullTime('2025-06-15T10:00:00Z', IST)), '15 Jun 2025, 3:30 pm');
    assert.equal(fullTime('', IST), '');
  });
});

test('phone numbers are normalised to E.164, Indian numbers by default', () => {
  assert.equal(normalisePhone('98123 45678'), '+919812345678');
  assert.equal(normalisePhone('098123-45678'), '+919812345678');
  assert.equal(normalisePhone('919812345678'), '+919812345678');
  assert.equal(normalisePhone('0044 20 7946 0958'), '+442079460958');
  assert.equal(normalisePhone('+1 (555) 010-0000'), '+15550100000');
  assert.equal(normalisePhone('  '), '');
});

describe('receipts', () => {
  test('file sizes read as people say them', () => {
    assert.equal(formatBytes(512), '512 bytes');
    assert.equal(formatBytes(240 * 1024), '240 KB');
    assert.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5 MB');
  });
  test('a photo or PDF up to 5 MB is a receipt; anything else says why not', () => {
    assert.equal(receiptProblem({ type: 'image/jpeg', size: 200_000 }), null);
    assert.equal(receiptProblem({ type: 'image/png', size: RECEIPT_MAX_BYTES }), null);
    assert.equal(receiptProblem({ type: 'application/pdf', size: 1 }), null);
    assert.equal(receiptProblem(null), null);
    assert.match(receiptProblem({ type: 'image/heic', size: 10 }), /JPEG or PNG/);
    assert.match(receiptProblem({ type: '', size: 10 }), /JPEG or PNG/);
    assert.match(receiptProblem({ type: 'image/png', size: 0 }), /empty/);
    assert.match(receiptProblem({ type: 'image/jpeg', size: RECEIPT_MAX_BYTES + 1 }), /at most 5 MB/);
  });
});
