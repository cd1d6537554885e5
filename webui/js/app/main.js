// Boots the signed-in app (app.html): loads the user, draws the frame, routes hashes, keeps the socket.
import { api, setCsrfToken, setUnauthenticatedHandler } from '../api.js';
import { h } from '../dom.js';
import { errorMessage } from '../errors.js';
import { getLanguage, onLanguageChange, resolveLanguage, setLanguage, storedLanguage, t } from '../i18n.js';
import { canOpen, defaultRouteFor } from '../nav.js';
import { isManager } from '../roles.js';
import { hrefFor, parseHash, sectionOf } from '../routes.js';
import { endedUrl } from '../socket-policy.js';
import { createConsoleRuntime } from './console/runtime.js';
import { openDialog } from './dialog.js';
import { createShell } from './shell.js';
import { connectConsoleSocket } from './socket.js';
import { accountView } from './views/account.js';
import { boardView } from './views/board.js';
import { cannedView } from './views/canned.js';
import { companyView } from './views/company.js';
import { consoleView } from './views/console.js';
import { customerView } from './views/customer.js';
import { customersView } from './views/customers.js';
import { leadsView } from './views/leads.js';
import { portalConversationView, portalView } from './views/portal.js';
import { kbView } from './views/kb.js';
import { kbEntryView } from './views/kb-entry.js';
import { kbImportView } from './views/kb-import.js';
import { kbImproveView } from './views/kb-improve.js';
import { kbSynonymsView } from './views/kb-synonyms.js';
import { kbLlmView } from './views/kb-llm.js';
import { kbTestView } from './views/kb-test.js';
import { reportsView } from './views/reports.js';
import { mailView } from './views/mail.js';
import { siteView } from './views/site.js';
import { sitesView } from './views/sites.js';
import { teamsView } from './views/teams.js';
import { userFormView } from './views/user-form.js';
import { usersView } from './views/users.js';
import { visitorsView } from './views/visitors.js';
import { blocksView } from './views/blocks.js';

const VIEWS = {
  sites: sitesView, 'site-new': siteView, site: siteView,
  users: usersView, 'user-new': userFormView, user: userFormView,
  company: companyView, account: accountView, console: consoleView, canned: cannedView,
  teams: teamsView, mail: mailView, visitors: visitorsView, blocks: blocksView,
  kb: kbView, 'kb-new': kbEntryView, 'kb-entry': kbEntryView, 'kb-import': kbImportView,
  'kb-synonyms': kbSynonymsView, 'kb-improve': kbImproveView, 'kb-test': kbTestView, 'kb-llm': kbLlmView,
  customers: customersView, customer: customerView, leads: leadsView,
  portal: portalView, 'portal-conversation': portalConversationView,
  reports: reportsView, 'portal-reports': reportsView, board: boardView,
};

/** A client account (the portal) has no console: nothing live, nothing of the workbench. */
const NO_CONSOLE = {
  open() {}, setWorkbench() {}, ready: Promise.resolve(), alerts: { refresh() {} },
  onHello() {}, onFrame() {}, onState() {}, attach() {}, sites: [], companies: [], canned: [], watchBoard: () => () => {},
  unsentCount: () => 0, forget() {},
};

let leaving = false;
let socket = null;
let renderCount = 0;
let lastRouteKey = null;

function leave(url) {
  if (leaving) return;
  leaving = true;
  socket?.stop();
  location.assign(url);
}

function endSession(reason) {
  leave(endedUrl(reason));
}

async function loadMe() {
  try {
    const result = await api.get('/api/me');
    setCsrfToken(result.csrf_token);
    return result.user;
  } catch (error) {
    if (error.status === 401) location.replace('/login');
    else document.getElementById('app').replaceChildren(failure(error));
    return null;
  }
}

function failure(error) {
  return h('div', { class: 'empty-state', 'data-test': 'error', role: 'alert' },
    h('h2', {}, t('app.loadFailed')), h('p', {}, errorMessage(error, t)),
    h('button', { type: 'button', class: 'button', onclick: () => location.reload() }, t('action.retry')));
}

function loading() {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    t('app.loading'));
}

function createRouter(ctx, shell) {
  return async function render() {
    const route = parseHash(location.hash);
    if (!canOpen(ctx.me.role, route.name)) {
      location.replace(hrefFor(defaultRouteFor(ctx.me.role)));
      return;
    }
    const count = ++renderCount;
    const routeKey = location.hash;
    const isNewRoute = routeKey !== lastRouteKey;
    lastRouteKey = routeKey;
    shell.setActive(sectionOf(route.name));
    // The page being left takes no more input while the next one loads: a click or a keystroke
    // on its form would act on what the user has just navigated away from.
    if (isNewRoute) shell.main.inert = true;
    const isConsole = route.name === 'console';
    if (!isConsole) ctx.console.open(null);
    // Only the workbench (the console, its canned replies and the live visitor list) takes
    // chats: an owner on the settings pages is not silently routed any. Agents and supervisors
    // looking an answer up in the knowledge base are still at work.
    const section = sectionOf(route.name);
    ctx.console.setWorkbench(['console', 'visitors'].includes(section)
      || (section === 'kb' && !isManager(ctx.me.role)));
    const slow = setTimeout(() => count === renderCount && shell.main.replaceChildren(loading()), 200);
    let node;
    try {
      node = await VIEWS[route.name](ctx, route.params);
    } catch (error) {
      node = failure(error);
    }
    clearTimeout(slow);
    if (count !== renderCount || leaving) return;
    shell.main.inert = false;
    shell.main.dataset.route = routeKey; // what the content shows (tests wait on it)
    document.body.classList.toggle('is-console', (isConsole && node.dataset.test === 'console')
      || (route.name === 'visitors' && node.dataset.test === 'visitor-list'));
    // The console keeps its element between conversations: leave it (and the focus) in place.
    if (shell.main.firstElementChild === node && shell.main.childElementCount === 1) return;
    shell.main.replaceChildren(node);
    if (isNewRoute) {
      window.scrollTo(0, 0);
      (shell.main.querySelector('h1') || shell.main).focus?.();
    }
  };
}

function buildContext() {
  const ctx = {
    me: null,
    api,
    t,
    /** Go to `hash`, or redraw when already there. */
    navigate(hash) {
      if (location.hash === hash) ctx.rerender();
      else location.hash = hash;
    },
    rerender: () => {},
    notify: () => {},
    setMe: () => {},
  };
  return ctx;
}

/**
 * Log out: the unsent messages and drafts kept in this browser (console/runtime.js) belong to the
 * company, not to whoever uses the browser next, so they are deleted; if some are still unsent,
 * the user is warned first. (A session the server ends keeps them for this user's next sign-in.)
 */
async function logout(ctx) {
  const unsent = ctx.console?.unsentCount() ?? 0;
  if (unsent > 0 && !(await openDialog({
    title: t('logout.unsent.title'), message: t('logout.unsent.message', { n: unsent }),
    okLabel: t('logout.unsent.ok'), danger: true,
  }))) return;
  leaving = true;
  socket?.stop();
  ctx.console?.forget();
  try {
    await api.post('/api/auth/logout', {});
  } catch {
    // The cookies may already be gone; the login page is the right place either way.
  }
  location.assign('/login');
}

async function switchLanguage(ctx, language) {
  try {
    const result = await api.patch('/api/me', { language });
    ctx.me = result.user;
  } catch (error) {
    ctx.notify(errorMessage(error, t), 'error');
  }
}

async function main() {
  const ctx = buildContext();
  const me = await loadMe();
  if (!me) return;
  ctx.me = me;
  setLanguage(resolveLanguage({ stored: storedLanguage(), account: me.language }));
  document.documentElement.lang = getLanguage();
  setUnauthenticatedHandler(() => endSession('expired'));

  const shell = createShell({ me, onLogout: () => logout(ctx), onLanguageSwitch: (lang) => switchLanguage(ctx, lang) });
  const render = createRouter(ctx, shell);
  ctx.rerender = render;
  ctx.notify = (text, kind) => shell.notify(text, kind);
  ctx.setMe = (user) => {
    ctx.me = user;
    shell.refresh(user);
  };
  shell.refresh(me);
  document.title = t('app.name');
  const isClient = me.role === 'client';
  const consoleRuntime = isClient ? NO_CONSOLE : createConsoleRuntime({
    api, me, t, navigate: (hash) => ctx.navigate(hash), notify: (text, kind) => ctx.notify(text, kind),
  });
  ctx.console = consoleRuntime;
  if (!isClient) {
    consoleRuntime.ready = consoleRuntime.start();
    consoleRuntime.ready.catch(() => {}); // the console view shows this failure when opened
  }
  onLanguageChange((lang) => {
    document.documentElement.lang = lang;
    consoleRuntime.alerts.refresh();
    shell.refresh(ctx.me);
    render();
  });
  window.addEventListener('hashchange', render);
  document.body.classList.remove('is-booting');
  if (isClient) {
    await render();
    return;
  }
  socket = connectConsoleSocket({
    onSessionEnded: endSession,
    checkSession: () => api.get('/api/me').then(() => true, (error) => error.status !== 401),
    onHello: consoleRuntime.onHello,
    onFrame: consoleRuntime.onFrame,
    onState: consoleRuntime.onState,
  });
  consoleRuntime.attach(socket);
  await render();
}

main();
