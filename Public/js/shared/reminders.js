// "Remind all debtors" (issue 18 §5), from the customers list and the dashboard.
import { api, errorMessage } from '../api.js';
import { path } from '../routes.js';
import { toast, confirmDialog } from '../ui.js';
import { formatMoney } from '../format.js';
import { t, tn } from '../i18n.js';
import { skippedList } from './broadcasts.js';

/**
 * "Remind all debtors" (issue 18 §5): previews who gets a reminder, who is skipped and why, and
 * the template used for customers outside WhatsApp's 24-hour window; then sends them all.
 */
export async function remindAllDebtors(onSent = () => {}) {
  let preview;
  try {
    preview = await api.get(path('debtorRemindersPreview'));
  } catch (e) {
    toast(t('Could not prepare the reminders: {reason}', { reason: errorMessage(e) }), 'error');
    return;
  }
  const skipped = (preview.customers || []).filter((c) => c.skip);
  if (!preview.count) {
    toast(skipped.length
      ? t('No reminder can go: {who}.', { who: skippedList(skipped) })
      : t('Nobody owes you money, so there is no reminder to send.'), 'info');
    return;
  }
  const lines = [
    tn(preview.count, '{count} customer owing {amount} in all will get a payment reminder on {channel}.', '{count} customers owing {amount} in all will get a payment reminder on {channel}.', { amount: formatMoney(preview.total_due), channel: preview.channel || 'WhatsApp' }),
    preview.template
      ? ` ${t('Those who last wrote more than 24 hours ago get your approved template “{template}”, a message WhatsApp charges for.', { template: preview.template })}`
      : ` ${t('You have no approved payment-reminder template, so customers who have not written in the last 24 hours will not get it (add one on Integrations).')}`,
    skipped.length ? ` ${t('Left out: {list}.', { list: skippedList(skipped) })}` : '',
  ];
  const result = await confirmDialog({
    title: t('Remind all debtors?'),
    message: lines.join(''),
    confirmText: tn(preview.count, 'Send {count} reminder', 'Send {count} reminders'),
    action: () => api.create(path('debtorReminders'), {}),
  });
  if (!result || result.sent === undefined) return;
  toast(tn(result.sent, 'Sent {count} reminder. The inbox shows its delivery.', 'Sent {count} reminders. The inbox shows each one’s delivery.'), 'success');
  onSent();
}

