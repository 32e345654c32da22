// Sign up, log in, and (forced or voluntary) password change.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import { session, setSession, clearSession } from './session.js';
import { h, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast, navigate, loadingState } from './ui.js';
import { t, tn } from './i18n.js';

function authCard(title, subtitle, form, footer) {
  return h('section', { class: 'auth-card card' },
    h('h1', { class: 'page-title', testid: 'page-title', tabindex: '-1' }, title),
    subtitle ? h('p', { class: 'muted' }, subtitle) : null,
    form,
    footer ? h('p', { class: 'auth-foot' }, footer) : null);
}

export function loginPage(ctx) {
  const email = field({ label: t('Email'), name: 'email', type: 'email', required: true, testid: 'login-email', attrs: { autocomplete: 'username' } });
  const password = field({ label: t('Password'), name: 'password', type: 'password', required: true, testid: 'login-password', attrs: { autocomplete: 'current-password' } });
  const alert = formAlert('login-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit' }, t('Log in'));
  const form = h('form', { class: 'stack', testid: 'login-form', novalidate: true }, email, password, alert.el, submit);

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { email: email.control.value.trim(), password: password.control.value };
    if (!body.email || !body.password) {
      alert.show(t('Enter your email and password.'));
      return;
    }
    try {
      ctx.prefetchHome?.();  // the dashboard's modules load while the password is checked
      const data = await api.post(path('login'), body);
      setSession(data);
      ctx.loggedIn();
    } catch (e) {
      showFormError(form, alert, e);
      password.control.value = '';
    }
  });

  // Account recovery (issue 19 §1). With WhatsApp or email on this server: a six-digit code sent
  // to the account's own number or address, typed here with the new password. Always: the command
  // whoever runs the server can use, naming the address typed above.
  const command = h('code', { testid: 'forgot-command' });
  const showCommand = () => { command.textContent = `munim users reset-password ${email.control.value.trim() || 'you@example.com'}`; };
  showCommand();
  email.control.addEventListener('input', showCommand);
  const byCode = h('div', { class: 'stack', testid: 'forgot-by-code', hidden: true });
  const operator = h('p', { class: 'muted', testid: 'forgot-operator' },
    t('Ask whoever runs Munim for your business (or your accountant who set it up) to run this on the server:'));
  const forgot = h('details', { class: 'auth-forgot', testid: 'forgot-password' },
    h('summary', {}, t('Forgot your password?')),
    byCode,
    operator,
    h('p', {}, command),
    h('p', { class: 'muted' }, t('It prints a one-time password. Log in with it and you will be asked to choose a new one; every other session of yours is logged out.')));
  let optionsLoaded = false;
  forgot.addEventListener('toggle', async () => {
    if (!forgot.open || optionsLoaded) return;
    optionsLoaded = true;
    try {
      const options = await api.get(path('recoveryOptions'));
      if (options.whatsapp || options.email) {
        byCode.replaceChildren(...recoveryByCode(ctx, email, options));
        byCode.hidden = false;
        operator.textContent = t('No code arriving? Ask whoever runs Munim for your business to run this on the server:');
      }
    } catch {
      optionsLoaded = false;  // offline: the command below still helps; try again on the next open
    }
  });

  // Sign in with a code on WhatsApp (issue 19 §1): for members with their own WhatsApp number,
  // when this server has a WhatsApp channel.
  const byWhatsApp = h('div', { class: 'stack', testid: 'code-login-body' });
  const codeLogin = h('details', { class: 'auth-forgot', testid: 'code-login' },
    h('summary', {}, t('Sign in with a code on WhatsApp')), byWhatsApp);
  let codeOptionsLoaded = false;
  codeLogin.addEventListener('toggle', async () => {
    if (!codeLogin.open || codeOptionsLoaded) return;
    codeOptionsLoaded = true;
    byWhatsApp.replaceChildren(loadingState(t('Loading…')));
    try {
      const options = await api.get(path('recoveryOptions'));
      byWhatsApp.replaceChildren(...(options.whatsapp
        ? signInByCode(ctx, email)
        : [h('p', { class: 'muted', testid: 'code-login-unavailable' }, t('This Munim cannot send WhatsApp codes yet: the business has no WhatsApp channel connected. Log in with your password.'))]));
    } catch (e) {
      codeOptionsLoaded = false;
      byWhatsApp.replaceChildren(h('p', { class: 'field-error' }, errorMessage(e)));
    }
  });

  ctx.root.appendChild(authCard(t('Log in'), t('Welcome back to your books.'), h('div', { class: 'stack' }, form, codeLogin, forgot),
    [t('New to Munim?'), ' ', h('a', { href: '#/signup', testid: 'signup-link' }, t('Create your business account'))]));
  email.control.focus();
}

/**
 * Step 1 of a code: sends one for the email typed in the login form (to `endpoint`), says where it
 * went (`said(reply)`), and opens step 2 (`next`) at its code field.
 */
function askForCode({ ask, email, sendAlert, sent, send, next, code, endpoint, said }) {
  onSubmit(ask, async () => {
    sendAlert.clear();
    const address = email.control.value.trim();
    if (!address) {
      sendAlert.show(t('Type the email you log in with in the Email box above first.'));
      email.control.focus();
      return;
    }
    try {
      const r = await api.post(path(endpoint), { email: address });
      sent.textContent = said(r);
      sent.hidden = false;
      send.textContent = t('Send a new code');
      next.hidden = false;
      code.control.focus();
    } catch (e) {
      sendAlert.show(errorMessage(e));
    }
  });
}

// Step 1 sends a code to the WhatsApp number of the account typed in the login form; step 2
// logs in with it.
function signInByCode(ctx, email) {
  const sendAlert = formAlert('code-login-error');
  const sent = h('p', { class: 'alert alert-info', testid: 'code-login-sent', role: 'status', hidden: true });
  const send = h('button', { type: 'submit', class: 'btn', testid: 'code-login-send' }, t('Send me a code'));
  const ask = h('form', { class: 'stack', testid: 'code-login-form', novalidate: true },
    h('p', { class: 'muted' }, t('Type your email above and we will send a 6-digit code to your own WhatsApp number: the one in your staff details, or for the owner the business’s number.')),
    sendAlert.el, send);
  const code = field({ label: t('Code'), name: 'code', required: true, testid: 'code-login-code',
    attrs: { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 7, pattern: '[0-9 ]*' } });
  const loginAlert = formAlert('code-login-verify-error');
  const verify = h('form', { class: 'stack', testid: 'code-login-verify', novalidate: true, hidden: true },
    code, loginAlert.el, h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'code-login-submit' }, t('Log in')));

  askForCode({ ask, email, sendAlert, sent, send, next: verify, code, endpoint: 'loginCode',
    said: (r) => t('If this account has a WhatsApp number, a code is on its way there. It works for {minutes} minutes.', { minutes: r.expires_in_minutes }) });

  onSubmit(verify, async () => {
    loginAlert.clear();
    const typed = code.control.value.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(typed)) {
      loginAlert.show(t('The code is the 6 digits we sent.'));
      return;
    }
    try {
      ctx.prefetchHome?.();
      const data = await api.post(path('loginCodeVerify'), { email: email.control.value.trim(), code: typed });
      setSession(data);
      ctx.loggedIn();
    } catch (e) {
      showFormError(verify, loginAlert, e);
    }
  });
  return [ask, sent, verify];
}

/** Where the code goes, in words: "your WhatsApp number or email", as this server can send. */
export function codeDestination(options) {
  if (options.whatsapp && options.email) return t('your WhatsApp number (or your email)');
  return options.whatsapp ? t('your WhatsApp number') : t('your email');
}

// Step 1 sends a code to the address typed in the login form; step 2 takes the code and the new
// password, then logs in with it.
function recoveryByCode(ctx, email, options) {
  const sendAlert = formAlert('forgot-error');
  const sent = h('p', { class: 'alert alert-info', testid: 'forgot-sent', role: 'status', hidden: true });
  const send = h('button', { type: 'submit', class: 'btn', testid: 'forgot-send' }, t('Send me a code'));
  const ask = h('form', { class: 'stack', testid: 'forgot-form', novalidate: true },
    h('p', { class: 'muted' }, t('Type your email above and we will send a 6-digit code to {destination}.', { destination: codeDestination(options) })),
    sendAlert.el, send);

  const code = field({ label: t('Code'), name: 'code', required: true, testid: 'reset-code',
    attrs: { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 7, pattern: '[0-9 ]*' } });
  const fresh = field({ label: t('New password'), name: 'new_password', type: 'password', required: true, testid: 'reset-password',
    hint: t('At least 10 characters.'), attrs: { autocomplete: 'new-password', minlength: 10 } });
  const confirm = field({ label: t('New password again'), name: 'confirm', type: 'password', required: true, testid: 'reset-confirm',
    attrs: { autocomplete: 'new-password' } });
  const resetAlert = formAlert('reset-error');
  const reset = h('form', { class: 'stack', testid: 'reset-form', novalidate: true, hidden: true },
    code, fresh, confirm, resetAlert.el,
    h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'reset-submit' }, t('Set new password and log in')));

  askForCode({ ask, email, sendAlert, sent, send, next: reset, code, endpoint: 'forgotPassword',
    said: (r) => t('If an account uses this email, a code is on its way to {destination}. It works for {minutes} minutes.',
      { destination: codeDestination(options), minutes: r.expires_in_minutes }) });

  onSubmit(reset, async () => {
    resetAlert.clear();
    clearFieldErrors(reset);
    const typed = code.control.value.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(typed)) {
      resetAlert.show(t('The code is the 6 digits we sent.'));
      return;
    }
    if (fresh.control.value.length < 10) {
      resetAlert.show(t('The new password needs at least 10 characters.'));
      return;
    }
    if (fresh.control.value !== confirm.control.value) {
      resetAlert.show(t('The two new passwords are not the same.'));
      return;
    }
    const address = email.control.value.trim();
    try {
      await api.post(path('resetPassword'), { email: address, code: typed, new_password: fresh.control.value });
      const data = await api.post(path('login'), { email: address, password: fresh.control.value });
      setSession(data);
      toast(t('Your password is changed.'));
      ctx.loggedIn();
    } catch (e) {
      showFormError(reset, resetAlert, e);
    }
  });
  return [ask, sent, reset];
}

export function signupPage(ctx) {
  const business = field({ label: t('Business name'), name: 'business_name', required: true, testid: 'signup-business', attrs: { autocomplete: 'organization', maxlength: 200 } });
  const owner = field({ label: t('Your name'), name: 'owner_name', required: true, testid: 'signup-owner', attrs: { autocomplete: 'name', maxlength: 200 } });
  const email = field({ label: t('Email'), name: 'email', type: 'email', required: true, testid: 'signup-email', attrs: { autocomplete: 'email' } });
  const password = field({
    label: t('Password'), name: 'password', type: 'password', required: true, testid: 'signup-password',
    hint: t('At least 10 characters.'), attrs: { autocomplete: 'new-password', minlength: 10 },
  });
  const alert = formAlert('signup-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'signup-submit' }, t('Create account'));
  const form = h('form', { class: 'stack', testid: 'signup-form', novalidate: true }, business, owner, email, password, alert.el, submit);

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = {
      business_name: business.control.value.trim(),
      owner_name: owner.control.value.trim(),
      email: email.control.value.trim(),
      password: password.control.value,
    };
    const missing = {};
    if (!body.business_name) missing.business_name = t('is required');
    if (!body.owner_name) missing.owner_name = t('is required');
    if (!body.email) missing.email = t('is required');
    if (body.password.length < 10) missing.password = t('must be at least 10 characters');
    if (Object.keys(missing).length) {
      showFormError(form, alert, { status: 422, fields: missing, message: t('Please fill in the highlighted fields.') });
      return;
    }
    try {
      const data = await api.create(path('signup'), body);
      setSession(data);
      toast(t('Welcome to Munim, {name}!', { name: data.user?.name || body.owner_name }), 'success');
      ctx.loggedIn();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  ctx.root.appendChild(authCard(t('Create your account'), t('Set up your business in a minute. You can change everything later.'), form,
    [t('Already have an account?'), ' ', h('a', { href: '#/login', testid: 'login-link' }, t('Log in'))]));
  business.control.focus();
}

export function passwordPage(ctx) {
  const forced = !!session.user?.must_change_password;
  const current = field({
    label: forced ? t('Temporary password') : t('Current password'), name: 'current_password', type: 'password',
    required: true, testid: 'password-current', attrs: { autocomplete: 'current-password' },
  });
  const next = field({
    label: t('New password'), name: 'new_password', type: 'password', required: true, testid: 'password-new',
    hint: t('At least 10 characters.'), attrs: { autocomplete: 'new-password', minlength: 10 },
  });
  const confirm = field({ label: t('Repeat new password'), name: 'confirm', type: 'password', required: true, testid: 'password-confirm', attrs: { autocomplete: 'new-password' } });
  const alert = formAlert('password-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'password-submit' }, t('Save new password'));
  const form = h('form', { class: 'stack', testid: 'password-form', novalidate: true }, current, next, confirm, alert.el, submit);

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { current_password: current.control.value, new_password: next.control.value };
    const problems = {};
    if (!body.current_password) problems.current_password = t('is required');
    if (body.new_password.length < 10) problems.new_password = t('must be at least 10 characters');
    else if (body.new_password !== confirm.control.value) problems.confirm = t('does not match the new password');
    if (Object.keys(problems).length) {
      showFormError(form, alert, { status: 422, fields: problems, message: t('Please correct the highlighted fields.') });
      return;
    }
    try {
      await api.post(path('changePassword'), body);
      try {
        setSession(await api.get(path('me')));
      } catch {
        if (session.user) session.user.must_change_password = false;
      }
      toast(t('Your password has been changed.'), 'success');
      navigate('/dashboard');
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  const logout = h('button', { type: 'button', class: 'btn-link', testid: 'password-logout' }, t('Log out instead'));
  logout.addEventListener('click', async () => {
    try {
      await api.post(path('logout'), {});
    } catch (e) {
      if (e.status !== 401) {
        toast(errorMessage(e), 'error');
        return;
      }
    }
    clearSession();
    navigate('/login');
  });

  ctx.root.appendChild(authCard(
    forced ? t('Choose your password') : t('Change password'),
    forced ? t('You logged in with a one-time password. Choose your own password to continue.') : null,
    form,
    forced ? logout : h('a', { href: '#/settings' }, t('Back to settings')),
  ));
  current.control.focus();
}
