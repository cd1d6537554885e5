// Which nav entries and routes each role gets, and where a role lands by default.
import { sectionOf } from './routes.js';

const MANAGERS = ['owner', 'admin'];
/** The live board and blocks are for whoever supervises: supervisors, admins and owners. */
const SUPERVISORS = [...MANAGERS, 'supervisor'];
const STAFF = [...SUPERVISORS, 'agent'];
/** A client company's own staff: the read-only portal of their company. */
const CLIENTS = ['client'];
const EVERYONE = [...STAFF, ...CLIENTS];

export const NAV_ITEMS = [
  { id: 'console', label: 'nav.console', roles: STAFF },
  { id: 'visitors', label: 'nav.visitors', roles: STAFF },
  { id: 'kb', label: 'nav.kb', roles: STAFF },
  { id: 'portal', label: 'nav.portal', roles: CLIENTS },
  { id: 'customers', label: 'nav.customers', roles: STAFF },
  { id: 'leads', label: 'nav.leads', roles: STAFF },
  { id: 'reports', label: 'nav.reports', roles: STAFF },
  { id: 'board', label: 'nav.board', roles: SUPERVISORS },
  { id: 'sites', label: 'nav.sites', roles: MANAGERS },
  { id: 'users', label: 'nav.users', roles: MANAGERS },
  { id: 'teams', label: 'nav.teams', roles: MANAGERS },
  { id: 'company', label: 'nav.company', roles: MANAGERS },
  { id: 'mail', label: 'nav.mail', roles: MANAGERS },
  { id: 'blocks', label: 'nav.blocks', roles: SUPERVISORS },
  { id: 'account', label: 'nav.account', roles: EVERYONE },
];

/** Nav entries for a role, in display order: `[{id, label, href}]`. */
export function navForRole(role) {
  return NAV_ITEMS.filter((item) => item.roles.includes(role))
    .map(({ id, label }) => ({ id, label, href: `#/${id}` }));
}

/** The route name a role lands on for `#/` or a route it may not open: the console (clients: their portal). */
export function defaultRouteFor(role) {
  return role === 'client' ? 'portal' : 'console';
}

/** Whether `role` may open the route named `routeName`. */
export function canOpen(role, routeName) {
  const section = sectionOf(routeName);
  if (!section) return false;
  return NAV_ITEMS.some((item) => item.id === section && item.roles.includes(role));
}
