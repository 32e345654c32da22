// "Remind all debtors" (issue 18 §5), from the customers list and the dashboard.
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { toast, confirmDialog } from '../ui.js';
import { formatMoney } from '../format.js';

/**
 * "Remind all debtors" (issue 18 §5): previews who gets a reminder, who is skipped and why, and
 * the template used for customers outside WhatsApp's 24-hour window; then sends them all.
 */
export async function remindAllDebtors(onSent = () => {}) {
  let preview;
  try {
    preview = await api.get(path('debtorRemindersPreview'));
  } catch (e) {
    toast(`Could not prepare the reminders: ${errorMessage(e)}`, 'error');
    return;
  }
  const skipped = (preview.customers || []).filter((c) => c.skip);
  if (!preview.count) {
    toast(skipped.length
      ? `No reminder can go: ${skipped.map((c) => `${c.name} (${c.skip})`).join(', ')}.`
      : 'Nobody owes you money, so there is no reminder to send.', 'info');
    return;
  }
  const lines = [
    `${preview.count} customer${preview.count === 1 ? '' : 's'} owing ${formatMoney(preview.total_due)} in all will get a payment reminder on ${preview.channel || 'WhatsApp'}.`,
    preview.template
      ? ` Those who last wrote more than 24 hours ago get your approved template “${preview.template}”, a message WhatsApp charges for.`
      : ' You have no approved payment-reminder template, so customers who have not written in the last 24 hours will not get it (add one on Integrations).',
    skipped.length ? ` Skipped: ${skipped.map((c) => `${c.name} (${c.skip})`).join(', ')}.` : '',
  ];
  const result = await confirmDialog({
    title: 'Remind all debtors?',
    message: lines.join(''),
    confirmText: `Send ${preview.count} reminder${preview.count === 1 ? '' : 's'}`,
    action: () => api.create(path('debtorReminders'), {}),
  });
  if (!result || result.sent === undefined) return;
  toast(`Sent ${result.sent} reminder${result.sent === 1 ? '' : 's'}. The inbox shows each one's delivery.`, 'success');
  onSent();
}

