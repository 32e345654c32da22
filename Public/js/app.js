// Entry point: boots the session, draws the app shell and routes hash URLs to pages.
import { api, errorMessage } from './api.js';
import { path } from './routes.js';
import { session, setSession, clearSession, mayHaveSession } from './session.js';
import { h, loadingState, errorState, toast, busy, navigate, fill, confirmDialog } from './ui.js';
import { loginPage, signupPage, passwordPage } from './pages-auth.js';
import { t, mark, language, setLanguage, storedLanguage, onLanguageChange, chosenHere, LANGUAGES } from './i18n.js';
// Every other page is loaded when first opened (issue 19 §6): the login page needs only the shell.

const ROUTES = [
  { path: /^\/login$/, page: loginPage, public: true, title: mark('Log in') },
  { path: /^\/signup$/, page: signupPage, public: true, title: mark('Sign up') },
  { path: /^\/password$/, page: passwordPage, title: mark('Change password'), nav: null },
  { path: /^\/dashboard$/, load: () => import('./pages-dashboard.js').then((m) => m.dashboardPage), nav: 'dashboard', title: mark('Dashboard') },
  { path: /^\/assistant$/, load: () => import('./pages-assistant.js').then((m) => m.assistantPage), nav: 'assistant', title: mark('Assistant') },
  { path: /^\/inbox$/, load: () => import('./pages-inbox.js').then((m) => m.inboxPage), nav: 'inbox', title: mark('Inbox') },
  { path: /^\/inbox\/([^/]+)$/, load: () => import('./pages-inbox.js').then((m) => m.inboxPage), nav: 'inbox', title: mark('Inbox') },
  { path: /^\/workflows$/, load: () => import('./pages-workflows.js').then((m) => m.workflowsPage), nav: 'workflows', title: mark('Workflows') },
  { path: /^\/workflows\/new$/, load: () => import('./workflow-builder.js').then((m) => m.workflowBuilderPage), nav: 'workflows', title: mark('New workflow') },
  { path: /^\/workflows\/([^/]+)\/runs$/, load: () => import('./pages-workflows.js').then((m) => m.workflowRunsPage), nav: 'workflows', title: mark('Workflow runs') },
  { path: /^\/workflows\/([^/]+)$/, load: () => import('./workflow-builder.js').then((m) => m.workflowBuilderPage), nav: 'workflows', title: mark('Workflow') },
  { path: /^\/runs$/, load: () => import('./pages-workflows.js').then((m) => m.runsPage), nav: 'workflows', title: mark('Runs') },
  { path: /^\/runs\/([^/]+)$/, load: () => import('./pages-workflows.js').then((m) => m.runDetailPage), nav: 'workflows', title: mark('Run') },
  { path: /^\/ledger\/?$/, redirect: '/ledger/customers' },
  { path: /^\/ledger\/customers$/, load: () => import('./pages-customers.js').then((m) => m.customersPage), nav: 'customers', title: mark('Customers') },
  { path: /^\/ledger\/customers\/([^/]+)$/, load: () => import('./pages-customers.js').then((m) => m.customerDetailPage), nav: 'customers', title: mark('Customer') },
  { path: /^\/ledger\/products$/, load: () => import('./pages-products.js').then((m) => m.productsPage), nav: 'products', title: mark('Products') },
  { path: /^\/ledger\/invoices$/, load: () => import('./pages-invoices.js').then((m) => m.invoicesPage), nav: 'invoices', title: mark('Invoices') },
  { path: /^\/ledger\/invoices\/new$/, load: () => import('./pages-invoices.js').then((m) => m.invoiceNewPage), nav: 'invoices', title: mark('New invoice') },
  { path: /^\/ledger\/invoices\/([^/]+)$/, load: () => import('./pages-invoices.js').then((m) => m.invoiceDetailPage), nav: 'invoices', title: mark('Invoice') },
  { path: /^\/ledger\/payments$/, load: () => import('./pages-payments.js').then((m) => m.paymentsPage), nav: 'payments', title: mark('Payments') },
  { path: /^\/reports$/, load: () => import('./pages-reports.js').then((m) => m.reportsPage), nav: 'reports', title: mark('Reports') },
  { path: /^\/integrations$/, load: () => import('./pages-integrations.js').then((m) => m.integrationsPage), nav: 'integrations', title: mark('Integrations') },
  { path: /^\/settings$/, load: () => import('./pages-settings.js').then((m) => m.settingsPage), nav: 'settings', title: mark('Settings') },
  // The other half of the books, loaded on demand.
  { path: /^\/books\/?$/, redirect: '/books/purchases' },
  { path: /^\/books\/suppliers$/, load: () => import('./pages-books.js').then((m) => m.suppliersPage), nav: 'suppliers', title: mark('Suppliers') },
  { path: /^\/books\/suppliers\/([^/]+)$/, load: () => import('./pages-books.js').then((m) => m.supplierDetailPage), nav: 'suppliers', title: mark('Supplier') },
  { path: /^\/books\/purchases$/, load: () => import('./pages-books.js').then((m) => m.purchasesPage), nav: 'purchases', title: mark('Purchases') },
  { path: /^\/books\/purchases\/new$/, load: () => import('./pages-books.js').then((m) => m.purchaseNewPage), nav: 'purchases', title: mark('New purchase') },
  { path: /^\/books\/purchases\/([^/]+)$/, load: () => import('./pages-books.js').then((m) => m.purchaseDetailPage), nav: 'purchases', title: mark('Purchase') },
  { path: /^\/books\/expenses$/, load: () => import('./pages-books.js').then((m) => m.expensesPage), nav: 'expenses', title: mark('Expenses') },
  { path: /^\/books\/accounts$/, load: () => import('./pages-books.js').then((m) => m.accountsPage), nav: 'accounts', title: mark('Cash and bank') },
  { path: /^\/books\/profit-and-loss$/, load: () => import('./pages-books.js').then((m) => m.profitAndLossPage), nav: 'profit', title: mark('Profit and loss') },
  // Loaded on demand: only owners open it, and rarely.
  { path: /^\/operations$/, load: () => import('./pages-operations.js').then((m) => m.operationsPage), nav: 'operations', title: mark('Operations') },
];

const NAV = [
  { key: 'dashboard', label: mark('Dashboard'), href: '#/dashboard' },
  { key: 'assistant', label: mark('Assistant'), href: '#/assistant' },
  { key: 'inbox', label: mark('Inbox'), href: '#/inbox' },
  { key: 'workflows', label: mark('Workflows'), href: '#/workflows' },
  {
    group: mark('Ledger'),
    items: [
      { key: 'customers', label: mark('Customers'), href: '#/ledger/customers' },
      { key: 'products', label: mark('Products'), href: '#/ledger/products' },
      { key: 'invoices', label: mark('Invoices'), href: '#/ledger/invoices' },
      { key: 'payments', label: mark('Payments'), href: '#/ledger/payments' },
    ],
  },
  {
    group: mark('Buying and money'),
    id: 'books',
    items: [
      { key: 'suppliers', label: mark('Suppliers'), href: '#/books/suppliers' },
      { key: 'purchases', label: mark('Purchases'), href: '#/books/purchases' },
      { key: 'expenses', label: mark('Expenses'), href: '#/books/expenses' },
      { key: 'accounts', label: mark('Cash and bank'), href: '#/books/accounts' },
      { key: 'profit', label: mark('Profit and loss'), href: '#/books/profit-and-loss' },
    ],
  },
  { key: 'reports', label: mark('Reports'), href: '#/reports' },
  { key: 'integrations', label: mark('Integrations'), href: '#/integrations' },
  { key: 'operations', label: mark('Operations'), href: '#/operations', ownerOnly: true },
  { key: 'settings', label: mark('Settings'), href: '#/settings' },
];

// The page function of each route whose module has arrived: such a page is drawn in the same task
// as the route change (waiting for import() again costs a rendered frame, ~40 ms on a slow phone).
const loadedPages = new Map();
function loadPage(r) {
  return r.load().then((page) => {
    loadedPages.set(r, page);
    return page;
  });
}

const app = document.getElementById('app');
let shell = null;
let afterLogin = null;
// A page with unsaved work (the workflow builder) registers a guard: () => true while leaving
// would lose something. In-app navigation then asks first; the page itself handles reloads
// and closing the tab (beforeunload).
let leaveGuard = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q >= 0 ? raw.slice(0, q) : raw) || '/';
  const query = Object.fromEntries(new URLSearchParams(q >= 0 ? raw.slice(q + 1) : ''));
  return { path, query, full: raw };
}

function redirect(path) {
  location.replace('#' + path);
  // location.replace with only a hash change fires hashchange, which routes again.
}

/* ---------- shell ---------- */

function logo() {
  return h('img', { src: '/img/logo.svg', alt: '', width: '28', height: '28', class: 'logo' });
}

function buildShell() {
  const links = new Map();
  const ownerOnly = [];
  const navLink = (item) => {
    const a = h('a', { href: item.href, class: 'nav-link', testid: `nav-${item.key}` }, t(item.label));
    links.set(item.key, a);
    const li = h('li', {}, a);
    if (item.ownerOnly) ownerOnly.push(li);
    return li;
  };
  const navList = h('ul', { class: 'nav-list' }, NAV.map((item) => (item.group
    ? h('li', { class: 'nav-group' },
      h('span', { class: 'nav-group-label', id: `nav-group-${item.id || 'ledger'}` }, t(item.group)),
      h('ul', { class: 'nav-sublist', 'aria-labelledby': `nav-group-${item.id || 'ledger'}` }, item.items.map(navLink)))
    : navLink(item))));

  const businessName = h('span', { class: 'brand-business', testid: 'business-name' });
  const userName = h('span', { class: 'user-name', testid: 'user-name' });
  const userRole = h('span', { class: 'user-role' });
  const logoutBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', testid: 'logout-button' }, t('Log out'));
  const passwordLink = h('a', { href: '#/password', class: 'user-link' }, t('Change password'));

  const sidebar = h('nav', { class: 'sidebar', id: 'sidebar', 'aria-label': t('Main menu'), testid: 'sidebar' },
    h('div', { class: 'brand' }, logo(), h('div', { class: 'brand-text' }, h('span', { class: 'brand-name' }, 'Munim'), businessName)),
    navList,
    h('div', { class: 'sidebar-foot' },
      h('div', { class: 'user' }, userName, userRole),
      h('div', { class: 'user-actions' }, passwordLink, logoutBtn),
      languageSwitch()));

  const menuBtn = h('button', {
    type: 'button', class: 'menu-button', testid: 'menu-button', 'aria-controls': 'sidebar',
    'aria-expanded': 'false', 'aria-label': t('Open menu'),
  }, h('span', { class: 'menu-icon', 'aria-hidden': 'true' }));
  const topbarTitle = h('span', { class: 'topbar-title' });
  const topbar = h('header', { class: 'topbar' }, menuBtn, logo(), topbarTitle);
  const scrim = h('div', { class: 'scrim', 'aria-hidden': 'true' });
  const main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  const root = h('div', { class: 'shell', testid: 'shell' }, topbar, sidebar, scrim, main);

  const setOpen = (open) => {
    root.classList.toggle('nav-open', open);
    menuBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
    menuBtn.setAttribute('aria-label', open ? t('Close menu') : t('Open menu'));
    if (open) (links.get('dashboard') || sidebar).focus();
  };
  menuBtn.addEventListener('click', () => setOpen(!root.classList.contains('nav-open')));
  scrim.addEventListener('click', () => setOpen(false));
  // Choosing the page already shown changes no route, so the menu closes on the click itself.
  navList.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('a')) setOpen(false);
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && root.classList.contains('nav-open')) {
      setOpen(false);
      menuBtn.focus();
    }
  });
  logoutBtn.addEventListener('click', () => busy(logoutBtn, async () => {
    try {
      await api.post(path('logout'), {});
    } catch (e) {
      if (e.status !== 401) {
        toast(errorMessage(e), 'error');
        return;
      }
    }
    clearSession();
    teardownShell();
    toast(t('You are logged out.'), 'info');
    navigate('/login');
  }));

  const update = () => {
    businessName.textContent = session.business?.business_name || '';
    userName.textContent = session.user?.name || session.user?.email || '';
    userRole.textContent = session.user?.role === 'owner' ? t('Owner') : t('Staff');
    topbarTitle.textContent = session.business?.business_name || 'Munim';
    ownerOnly.forEach((li) => { li.hidden = session.user?.role !== 'owner'; });
  };
  update();

  return {
    root,
    main,
    update,
    setActive(key) {
      links.forEach((a, k) => {
        if (k === key) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      });
      setOpen(false);
    },
  };
}

function ensureShell() {
  if (!shell) {
    shell = buildShell();
    fill(app, shell.root);
  }
  return shell;
}

function teardownShell() {
  shell = null;
}

/* ---------- routing ---------- */

function route(userInitiated) {
  const { path, query, full } = parseHash();
  if (!path.startsWith('/')) return; // an in-page anchor, not a route

  let match = null;
  let params = [];
  for (const r of ROUTES) {
    const m = r.path.exec(path);
    if (m) {
      match = r;
      params = m.slice(1).map(decodeURIComponent);
      break;
    }
  }
  if (match && match.redirect) return redirect(match.redirect);

  const user = session.user;
  if (!user) {
    if (!match || !match.public) {
      if (path !== '/' && path !== '/login') afterLogin = full;
      return redirect('/login');
    }
  } else {
    if (user.must_change_password && path !== '/password') return redirect('/password');
    if (!match || match.public) return redirect('/dashboard');
  }

  document.querySelectorAll('dialog[open]').forEach((d) => d.close());
  leaveGuard = null;
  document.title = `${t(match.title)} · Munim`;
  const root = h('div', { class: 'page', testid: `page-${(match.nav || match.title).toString().toLowerCase().replace(/\s+/g, '-')}` });
  const ctx = {
    root,
    params,
    query,
    loggedIn,
    setTitle: (t) => { document.title = `${t} · Munim`; },
    refreshShell: () => shell && shell.update(),
    /** guard() -> true while leaving this page would lose unsaved work. */
    setLeaveGuard: (guard) => { leaveGuard = guard; },
    /** Starts loading the dashboard's modules (while a login request is on its way). */
    prefetchHome: () => { loadPage(ROUTES.find((r) => r.nav === 'dashboard')).catch(() => {}); },
  };

  const bare = match.public || (match.page === passwordPage && user && user.must_change_password);
  if (bare) {
    teardownShell();
    fill(app, h('div', { class: 'auth-layout' },
      h('div', { class: 'auth-brand' }, logo(), h('span', { class: 'brand-name' }, 'Munim'), languageSwitch()),
      root));
  } else {
    const s = ensureShell();
    fill(s.main, root);
    s.setActive(match.nav);
    s.update();
  }
  const render = (page) => {
    try {
      // A page may be async (it loads what its form needs first): its failure is shown the same way.
      const pending = page(ctx);
      if (pending && typeof pending.catch === 'function') {
        pending.catch((e) => {
          console.warn('page failed to render', e);
          if (root.isConnected) fill(root, errorState(t('This page could not be shown. Please reload.')));
        });
      }
    } catch (e) {
      console.warn('page failed to render', e);
      fill(root, errorState(t('This page could not be shown. Please reload.')));
    }
  };
  const ready = match.load && loadedPages.get(match);
  if (ready) {
    render(ready);
  } else if (match.load) {
    // A page module loaded on demand: a loading state until it arrives, unless the user has moved on.
    fill(root, loadingState());
    loadPage(match).then((page) => {
      if (!root.isConnected) return;
      root.replaceChildren();
      render(page);
      const heading = userInitiated ? root.querySelector('h1') : null;
      if (heading) heading.focus({ preventScroll: true });
    }, (e) => {
      console.warn('page module failed to load', e);
      if (root.isConnected) fill(root, errorState(t('This page could not be loaded. Check your connection and try again.'), () => route(false)));
    });
  } else {
    render(match.page);
  }
  if (userInitiated) {
    const heading = root.querySelector('h1');
    if (heading) heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

/** Called by login/signup/password pages once the session is set. */
function loggedIn() {
  const next = afterLogin;
  afterLogin = null;
  const target = session.user && session.user.must_change_password ? '/password'
    : (next && !next.startsWith('/login') && !next.startsWith('/signup') ? next : '/dashboard');
  // The dashboard's figures are on their way while the language and the app's frame are set up.
  if (target === '/dashboard') api.getAhead(path('dashboard'));
  const go = () => navigate(target);
  // The user's language before the first page is drawn: their saved choice; else the one just
  // picked on this device's login page (saved for them now); else the business's.
  switching = true;
  let wanted = session.user?.language || language();
  if (session.user && !session.user.language_chosen && chosenHere()) {
    wanted = language();
    api.patch(path('meUpdate'), { language: wanted }).then((data) => { session.user = data.user || session.user; }, (e) => console.warn(e));
  }
  setLanguage(wanted).catch((e) => console.warn(e)).finally(() => {
    switching = false;
    go();
  });
}

// While the language changes on purpose, the listener below does not redraw (the caller routes).
let switching = false;

/** "हिंदी" in English, "English" in Hindi: switches the whole app, and remembers it for the user. */
function languageSwitch() {
  const other = LANGUAGES.find((l) => l.code !== language()) || LANGUAGES[0];
  const btn = h('button', { type: 'button', class: 'btn btn-link language-switch', testid: 'language-switch', lang: other.code,
    'aria-label': other.code === 'hi' ? 'हिंदी में देखें (Hindi)' : 'View in English' }, other.label);
  btn.addEventListener('click', () => busy(btn, async () => {
    try {
      if (session.user) {
        const data = await api.patch(path('meUpdate'), { language: other.code });
        session.user = data.user || session.user;
      }
      await setLanguage(other.code, { chosen: true });
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }));
  return btn;
}

onLanguageChange(() => {
  if (switching) return;
  teardownShell();
  route(false);
});

/**
 * Routes a hash change unless the page on screen has unsaved work: then the old address is put
 * back (without routing) and the user is asked; leaving goes on only when they agree.
 */
function onHashChange(event) {
  const guard = leaveGuard;
  let unsaved = false;
  try {
    unsaved = !!(guard && session.user && guard());
  } catch (e) {
    console.warn('leave guard failed', e);
  }
  if (!unsaved) {
    route(true);
    return;
  }
  const target = location.hash;
  const oldHash = event && event.oldURL ? new URL(event.oldURL).hash : '';
  if (oldHash && oldHash !== target) history.replaceState(null, '', oldHash);
  confirmDialog({
    title: t('Leave without saving?'),
    message: t('Your changes on this page are not saved yet. If you leave now, they are lost.'),
    confirmText: t('Leave without saving'),
    danger: true,
  }).then((ok) => {
    if (!ok || leaveGuard !== guard) return;
    leaveGuard = null;
    if (location.hash === target) route(true);
    else location.hash = target;
  });
}

async function boot() {
  window.addEventListener('hashchange', onHashChange);
  window.addEventListener('munim:unauthenticated', () => {
    if (!session.user) return;
    clearSession();
    teardownShell();
    toast(t('Your session has ended. Please log in again.'), 'info');
    navigate('/login');
  });
  window.addEventListener('munim:password-required', () => {
    if (session.user) session.user.must_change_password = true;
    navigate('/password');
  });
  window.addEventListener('munim:session-changed', () => shell && shell.update());

  switching = true;
  try {
    await setLanguage(storedLanguage());
  } catch (e) {
    console.warn(e);  // the page is drawn in English
  }
  if (mayHaveSession()) {
    fill(app, h('div', { class: 'boot' }, loadingState(t('Opening Munim…'))));
    try {
      setSession(await api.get(path('me'), null, { quiet: true }));
      try {
        await setLanguage(session.user?.language || language());
      } catch (e) {
        console.warn(e);
      }
    } catch (e) {
      if (e.status === 401) {
        clearSession();
      } else {
        switching = false;
        fill(app, h('div', { class: 'boot' }, errorState(e, () => location.reload())));
        return;
      }
    }
  }
  switching = false;
  route(false);
}

boot();
