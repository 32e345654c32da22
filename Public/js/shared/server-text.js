// What the server says, in the reader's language (issue 19 §2). The API speaks English; for a
// reader in another language, errors with a fixed meaning are told by their code, and the usual
// field problems ("is required", "must be at most 200 characters") by their pattern. Anything
// else — a message naming a product, a customer, a number — is shown as the server wrote it.
import { t, language } from '../i18n.js';

/** Messages by error code, for codes whose meaning does not depend on what was asked. */
function byCode(code) {
  switch (code) {
    case 'network_error': return t('Could not reach the server. Check your connection and try again.');
    case 'unauthenticated': return t('Your session has ended. Please log in again.');
    case 'rate_limited': return t('Too many tries. Wait a few minutes and try again.');
    case 'invalid_credentials': return t('Wrong email or password.');
    case 'invalid_code': return t('This code is wrong or has expired. Ask for a new code.');
    case 'busy': return t('Munim is busy; please retry in a moment.');
    case 'internal_error': return t('Something went wrong on our side. It has been logged.');
    case 'email_taken': return t('An account with this email already exists. Log in instead.');
    case 'payload_too_large': return t('That is too large to send.');
    case 'password_change_required': return t('Choose a new password first.');
    case 'gstin_required': return t('Add your GSTIN in Settings first: GST returns are filed under it.');
    case 'too_many_rows': return t('This report has too many rows to show here: choose a shorter period, or download CSV or Excel.');
    case 'validation_failed': return t('Please correct the highlighted fields.');
    default: return null;
  }
}

const PATTERNS = [
  [/^is required$/, () => t('is required')],
  [/^must not be empty$/, () => t('must not be empty')],
  [/^must not be negative$/, () => t('must not be negative')],
  [/^must be greater than zero$/, () => t('must be more than zero')],
  [/^must be a number$/, () => t('must be a number')],
  [/^must be at most (\d+) characters$/, (m) => t('must be at most {n} characters', { n: m[1] })],
  [/^must be at least (\d+) characters$/, (m) => t('must be at least {n} characters', { n: m[1] })],
  [/^must be (\d+) to (\d+) characters$/, (m) => t('must be {min} to {max} characters', { min: m[1], max: m[2] })],
  [/^needs at least one line$/, () => t('needs at least one line')],
  [/^can have at most (\d+) lines$/, (m) => t('can have at most {n} lines', { n: m[1] })],
  [/^must not be after to$/, () => t('must not be after the end date')],
  [/^must be an email address/, () => t('must be an email address such as name@example.com')],
  [/^must be an international number/, () => t('must be a phone number such as 98765 43210')],
  [/^must be a 15-character GSTIN/, () => t('must be a 15-character GSTIN such as 27AAPFU0939F1ZV')],
  [/^has a wrong check character/, () => t('has a wrong last character; please check the GSTIN again')],
  [/^starts with an unknown state code$/, () => t('starts with an unknown state code')],
  [/^must be a UPI ID/, () => t('must be a UPI ID such as patelstores@okhdfcbank')],
  [/^must be a date in YYYY-MM-DD form$/, () => t('must be a date')],
  [/^must differ from the current password$/, () => t('must differ from the current password')],
  [/^is not your current password$/, () => t('is not your current password')],
];

/** A field problem from the server, in the reader's language when its pattern is known. */
export function problemText(text) {
  const s = String(text ?? '');
  if (language() === 'en') return s;
  for (const [re, say] of PATTERNS) {
    const m = re.exec(s);
    if (m) return say(m);
  }
  return s;
}

/** An API error's message, in the reader's language when its code has a fixed meaning. */
export function serverMessage(code, message) {
  if (language() === 'en') return message;
  return byCode(code) || message;
}
