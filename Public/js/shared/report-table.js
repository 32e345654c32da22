// Reports on screen (issue 19 §5): the words and figures of GET /reports/table/{report}, kept
// free of the DOM so they are tested with node --test. The server's report texts are English;
// the fixed ones are put through the catalog here so a Hindi reader gets them in Hindi. (Its map
// keys are the server's English, which is why tests/js/i18n.test.js does not scan this module.)
import { formatMoney, formatQuantity, formatDate } from '../format.js';
import { t } from '../i18n.js';

/** A report's title and description in the reader's language (the server's when unknown). */
export function reportText(report) {
  const texts = {
    inventory: [t('Inventory'), t('Every product with stock, low-stock flag, price and stock value.')],
    'sales-by-product': [t('Sales by product'), t('Quantity and value sold per product in the period.')],
    'sales-by-customer': [t('Sales by customer'), t('Invoices, sales, paid and due per customer in the period.')],
    ledger: [t('Ledger'), t('Invoices, payments and voids with a running balance.')],
    'aging-debtors': [t('Aging debtors'), t('What each customer owes, by days past the invoice due date: 0–30, 31–60, 61–90, 90+.')],
    'sales-register': [t('Sales register (GST)'), t('Every invoice line of the period with its GSTIN, place of supply, HSN, rate and CGST/SGST/IGST; credit notes as negative lines; totals.')],
    'hsn-summary': [t('HSN summary'), t('Sales of the period by HSN code, unit and rate, net of credit notes, with totals: GSTR-1’s HSN table for your CA.')],
    payments: [t('Payments'), t('Payments received in the period, with the invoices they settled.')],
    purchases: [t('Purchase register'), t('Supplier bills in the period with GST (CGST, SGST, IGST), paid and due.')],
    expenses: [t('Expenses'), t('Expenses in the period with the account they were paid from, and totals by category.')],
    payables: [t('Payables aging'), t('What you owe each supplier, by the age of the open bills: 0–30, 31–60, 61–90, 90+ days.')],
    'cash-book': [t('Cash and bank book'), t('Every account’s money in and out in the period, with running balances.')],
    'profit-and-loss': [t('Profit and loss'), t('Sales, cost of goods sold, expenses by category and net profit for the period (GST excluded).')],
  };
  const known = texts[report && report.id];
  return known ? { title: known[0], description: known[1] } : { title: (report && report.title) || '', description: (report && report.description) || '' };
}

/** A column's heading: "Sales (INR)" reads "Sales (₹)"; known names in the reader's language. */
export function columnLabel(name) {
  const labels = {
    Product: t('Product'), SKU: t('SKU'), Unit: t('Unit'), Stock: t('Stock'), 'Low stock threshold': t('Low stock threshold'),
    'Low stock': t('Low stock'), 'Price (INR)': t('Price (₹)'), 'Stock value (INR)': t('Stock value (₹)'), HSN: t('HSN'), 'GST %': t('GST %'),
    'Quantity sold': t('Quantity sold'), Invoices: t('Invoices'), 'Taxable (INR)': t('Taxable (₹)'), 'Tax (INR)': t('Tax (₹)'),
    'Total (INR)': t('Total (₹)'), Customer: t('Customer'), Phone: t('Phone'), 'Sales (INR)': t('Sales (₹)'),
    'Paid on these invoices (INR)': t('Paid on these invoices (₹)'), 'Due on these invoices (INR)': t('Due on these invoices (₹)'),
    Date: t('Date'), Type: t('Type'), Reference: t('Reference'), Description: t('Description'), 'Debit (INR)': t('Debit (₹)'),
    'Credit (INR)': t('Credit (₹)'), 'Balance (INR)': t('Balance (₹)'), '0-30 days (INR)': t('0–30 days (₹)'),
    '31-60 days (INR)': t('31–60 days (₹)'), '61-90 days (INR)': t('61–90 days (₹)'), '90+ days (INR)': t('90+ days (₹)'),
    'Total due (INR)': t('Total due (₹)'), 'Amount (INR)': t('Amount (₹)'), Mode: t('Mode'), 'Settled invoices': t('Settled invoices'),
    'Unallocated (INR)': t('Unallocated (₹)'), Document: t('Document'), GSTIN: t('GSTIN'), 'Place of supply': t('Place of supply'),
    Item: t('Item'), Quantity: t('Quantity'), 'Taxable value (INR)': t('Taxable value (₹)'), 'CGST (INR)': t('CGST (₹)'),
    'SGST (INR)': t('SGST (₹)'), 'IGST (INR)': t('IGST (₹)'), UQC: t('UQC'), Supplier: t('Supplier'), 'Supplier GSTIN': t('Supplier GSTIN'),
    'Bill no.': t('Bill no.'), Status: t('Status'), 'Paid (INR)': t('Paid (₹)'), 'Due (INR)': t('Due (₹)'), Category: t('Category'),
    Note: t('Note'), 'Paid from': t('Paid from'), 'GST in it (INR)': t('GST in it (₹)'), 'Before GST (INR)': t('Before GST (₹)'),
    'Total owed (INR)': t('Total owed (₹)'), Account: t('Account'), Entry: t('Entry'), 'In (INR)': t('In (₹)'), 'Out (INR)': t('Out (₹)'),
  };
  return labels[name] || String(name || '').replace(/\(INR\)/g, '(₹)');
}

/** Fixed words the reports write in their cells. */
function cellWords(s) {
  const words = {
    Total: t('Total'), yes: t('yes'), no: t('no'), opening: t('opening'), closing: t('closing'),
    'Opening balance': t('Opening balance'), 'Closing balance': t('Closing balance'), invoice: t('invoice'), payment: t('payment'),
    void: t('void'), credit_note: t('credit note'), '(no HSN)': t('(no HSN)'), 'Sales (before GST)': t('Sales (before GST)'),
    'Cost of goods sold': t('Cost of goods sold'), 'Gross profit': t('Gross profit'), Expenses: t('Expenses'), 'Net profit': t('Net profit'),
    'error: too large': t('too large to add up'),
  };
  if (words[s]) return words[s];
  const total = /^Total: (.+)$/.exec(s);
  if (total) return t('Total: {name}', { name: total[1] });
  const expense = /^Expense: (.+)$/.exec(s);
  if (expense) return t('Expense: {name}', { name: expense[1] });
  return s;
}

/** One cell for the screen, by its column's type. */
export function cellText(value, type) {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string') return type === 'date' ? formatDate(value) : cellWords(value);
  if (type === 'money') return formatMoney(value);
  if (type === 'quantity' || type === 'int') return formatQuantity(value);
  return String(value);
}

export const isNumeric = (type) => type === 'money' || type === 'quantity' || type === 'int';

/** The order after a click on column `index`: a new column starts high-to-low for numbers and A–Z otherwise; the same column flips. */
export function nextSort(current, index, type) {
  if (current && current.index === index) return { index, order: current.order === 'asc' ? 'desc' : 'asc' };
  return { index, order: isNumeric(type) ? 'desc' : 'asc' };
}

/** "Rows 51–100 of 230" for a page. */
export function pageSummary(offset, shown, total) {
  if (!total) return t('No rows');
  return t('Rows {from}–{to} of {total}', { from: formatQuantity(offset + 1), to: formatQuantity(offset + shown), total: formatQuantity(total) });
}
