// Sign up, log in, and (forced or voluntary) password change.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import { session, setSession, clearSession } from './session.js';
import { h, field, formAlert, onSubmit, showFormError, clearFieldErrors, toast, navigate } from './ui.js';

function authCard(title, subtitle, form, footer) {
  return h('section', { class: 'auth-card card' },
    h('h1', { class: 'page-title', testid: 'page-title', tabindex: '-1' }, title),
    subtitle ? h('p', { class: 'muted' }, subtitle) : null,
    form,
    footer ? h('p', { class: 'auth-foot' }, footer) : null);
}

export function loginPage(ctx) {
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, testid: 'login-email', attrs: { autocomplete: 'username' } });
  const password = field({ label: 'Password', name: 'password', type: 'password', required: true, testid: 'login-password', attrs: { autocomplete: 'current-password' } });
  const alert = formAlert('login-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'stack', testid: 'login-form', novalidate: true }, email, password, alert.el, submit);

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { email: email.control.value.trim(), password: password.control.value };
    if (!body.email || !body.password) {
      alert.show('Enter your email and password.');
      return;
    }
    try {
      const data = await api.post(path('login'), body);
      setSession(data);
      ctx.loggedIn();
    } catch (e) {
      showFormError(form, alert, e);
      password.control.value = '';
    }
  });

  // Account recovery without a message channel (issue 19 §1): whoever runs the server gives a
  // one-time password from the command line; the command names the address typed above.
  const command = h('code', { testid: 'forgot-command' });
  const showCommand = () => { command.textContent = `munim users reset-password ${email.control.value.trim() || 'you@example.com'}`; };
  showCommand();
  email.control.addEventListener('input', showCommand);
  const forgot = h('details', { class: 'auth-forgot', testid: 'forgot-password' },
    h('summary', {}, 'Forgot your password?'),
    h('p', { class: 'muted' }, 'Ask whoever runs Munim for your business (or your accountant who set it up) to run this on the server:'),
    h('p', {}, command),
    h('p', { class: 'muted' }, 'It prints a one-time password. Log in with it and you will be asked to choose a new one; every other session of yours is logged out.'));

  ctx.root.appendChild(authCard('Log in', 'Welcome back to your books.', h('div', { class: 'stack' }, form, forgot),
    ['New to Munim? ', h('a', { href: '#/signup', testid: 'signup-link' }, 'Create your business account')]));
  email.control.focus();
}

export function signupPage(ctx) {
  const business = field({ label: 'Business name', name: 'business_name', required: true, testid: 'signup-business', attrs: { autocomplete: 'organization', maxlength: 200 } });
  const owner = field({ label: 'Your name', name: 'owner_name', required: true, testid: 'signup-owner', attrs: { autocomplete: 'name', maxlength: 200 } });
  const email = field({ label: 'Email', name: 'email', type: 'email', required: true, testid: 'signup-email', attrs: { autocomplete: 'email' } });
  const password = field({
    label: 'Password', name: 'password', type: 'password', required: true, testid: 'signup-password',
    hint: 'At least 10 characters.', attrs: { autocomplete: 'new-password', minlength: 10 },
  });
  const alert = formAlert('signup-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'signup-submit' }, 'Create account');
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
    if (!body.business_name) missing.business_name = 'is required';
    if (!body.owner_name) missing.owner_name = 'is required';
    if (!body.email) missing.email = 'is required';
    if (body.password.length < 10) missing.password = 'must be at least 10 characters';
    if (Object.keys(missing).length) {
      showFormError(form, alert, { status: 422, fields: missing, message: 'Please fill in the highlighted fields.' });
      return;
    }
    try {
      const data = await api.create(path('signup'), body);
      setSession(data);
      toast(`Welcome to Munim, ${data.user?.name || body.owner_name}!`, 'success');
      ctx.loggedIn();
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  ctx.root.appendChild(authCard('Create your account', 'Set up your business in a minute. You can change everything later.', form,
    ['Already have an account? ', h('a', { href: '#/login', testid: 'login-link' }, 'Log in')]));
  business.control.focus();
}

export function passwordPage(ctx) {
  const forced = !!session.user?.must_change_password;
  const current = field({
    label: forced ? 'Temporary password' : 'Current password', name: 'current_password', type: 'password',
    required: true, testid: 'password-current', attrs: { autocomplete: 'current-password' },
  });
  const next = field({
    label: 'New password', name: 'new_password', type: 'password', required: true, testid: 'password-new',
    hint: 'At least 10 characters.', attrs: { autocomplete: 'new-password', minlength: 10 },
  });
  const confirm = field({ label: 'Repeat new password', name: 'confirm', type: 'password', required: true, testid: 'password-confirm', attrs: { autocomplete: 'new-password' } });
  const alert = formAlert('password-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'password-submit' }, 'Save new password');
  const form = h('form', { class: 'stack', testid: 'password-form', novalidate: true }, current, next, confirm, alert.el, submit);

  onSubmit(form, async () => {
    alert.clear();
    clearFieldErrors(form);
    const body = { current_password: current.control.value, new_password: next.control.value };
    const problems = {};
    if (!body.current_password) problems.current_password = 'is required';
    if (body.new_password.length < 10) problems.new_password = 'must be at least 10 characters';
    else if (body.new_password !== confirm.control.value) problems.confirm = 'does not match the new password';
    if (Object.keys(problems).length) {
      showFormError(form, alert, { status: 422, fields: problems, message: 'Please correct the highlighted fields.' });
      return;
    }
    try {
      await api.post(path('changePassword'), body);
      try {
        setSession(await api.get(path('me')));
      } catch {
        if (session.user) session.user.must_change_password = false;
      }
      toast('Your password has been changed.', 'success');
      navigate('/dashboard');
    } catch (e) {
      showFormError(form, alert, e);
    }
  });

  const logout = h('button', { type: 'button', class: 'btn-link', testid: 'password-logout' }, 'Log out instead');
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
    forced ? 'Choose your password' : 'Change password',
    forced ? 'You logged in with a one-time password. Choose your own password to continue.' : null,
    form,
    forced ? logout : h('a', { href: '#/settings' }, 'Back to settings'),
  ));
  current.control.focus();
}
