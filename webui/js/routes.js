// Hash routes of the app page: parse `#/sites/3` into a route object and build hrefs back.

const PATTERNS = [
  ['home', /^$/],
  ['sites', /^sites$/],
  ['site-new', /^sites\/new$/],
  ['site', /^sites\/(\d+)$/],
  ['users', /^users$/],
  ['user-new', /^users\/new$/],
  ['user', /^users\/(\d+)$/],
  ['teams', /^teams$/],
  ['company', /^company$/],
  ['mail', /^mail$/],
  ['account', /^account$/],
  ['console', /^console(?:\/(\d+))?$/],
  ['canned', /^canned$/],
  ['customers', /^customers$/],
  ['customer', /^customers\/(\d+)$/],
  ['leads', /^leads$/],
  ['reports', /^reports(?:\/(traffic|chats|agents|conversion))?$/, 'kind'],
  ['board', /^board$/],
  ['portal', /^portal$/],
  ['portal-conversation', /^portal\/conversations\/(\d+)$/],
  ['visitors', /^visitors(?:\/(\d+))?$/],
  ['blocks', /^blocks$/],
  ['kb', /^kb$/],
  ['kb-new', /^kb\/new$/],
  ['kb-import', /^kb\/import$/],
  ['kb-synonyms', /^kb\/synonyms$/],
  ['kb-improve', /^kb\/improve$/],
  ['kb-test', /^kb\/test$/],
  ['kb-llm', /^kb\/llm$/],
  ['kb-entry', /^kb\/(\d+)$/],
  ['portal-reports', /^portal\/reports(?:\/(traffic|chats|conversion))?$/, 'kind'],
];

/** The nav section each route belongs to (used to highlight the nav and check access). */
const SECTIONS = {
  sites: 'sites', 'site-new': 'sites', site: 'sites',
  users: 'users', 'user-new': 'users', user: 'users',
  teams: 'teams', company: 'company', mail: 'mail', account: 'account', console: 'console', canned: 'console',
  customers: 'customers', customer: 'customers', leads: 'leads', portal: 'portal', 'portal-conversation': 'portal',
  visitors: 'visitors', blocks: 'blocks',
  kb: 'kb', 'kb-new': 'kb', 'kb-entry': 'kb', 'kb-import': 'kb', 'kb-synonyms': 'kb', 'kb-improve': 'kb', 'kb-test': 'kb', 'kb-llm': 'kb',
  reports: 'reports', board: 'board', 'portal-reports': 'portal',
};

/** Parse a location hash ("#/sites/3", "#/reports/chats", "") into `{name, params}` (`id` a number, `kind` a word). */
export function parseHash(hash) {
  const path = String(hash || '').replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '')
    .split('?')[0];
  for (const [name, pattern, param = 'id'] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return { name, params: match[1] ? { [param]: param === 'id' ? Number(match[1]) : match[1] } : {} };
  }
  return { name: 'not-found', params: {} };
}

/** Build the hash for a route name, e.g. `hrefFor('site', {id: 3})` → `#/sites/3`. */
export function hrefFor(name, params = {}) {
  switch (name) {
    case 'home': return '#/';
    case 'site-new': return '#/sites/new';
    case 'site': return `#/sites/${Number(params.id)}`;
    case 'user-new': return '#/users/new';
    case 'user': return `#/users/${Number(params.id)}`;
    case 'kb-new': return '#/kb/new';
    case 'kb-entry': return `#/kb/${Number(params.id)}`;
    case 'kb-import': case 'kb-synonyms': case 'kb-improve': case 'kb-test': case 'kb-llm': return `#/kb/${name.slice(3)}`;
    case 'console': return params.id ? `#/console/${Number(params.id)}` : '#/console';
    case 'customer': return `#/customers/${Number(params.id)}`;
    case 'portal-conversation': return `#/portal/conversations/${Number(params.id)}`;
    case 'visitors': return params.id ? `#/visitors/${Number(params.id)}` : '#/visitors';
    case 'reports': return params.kind ? `#/reports/${encodeURIComponent(params.kind)}` : '#/reports';
    case 'portal-reports': return params.kind ? `#/portal/reports/${encodeURIComponent(params.kind)}` : '#/portal/reports';
    default: return `#/${name}`;
  }
}

export function sectionOf(routeName) {
  return SECTIONS[routeName] || null;
}

/** A `key=value` parameter of a URL fragment such as `#code=7KQM-2XPD` (not a route hash). */
export function fragmentParam(hash, name) {
  const text = String(hash || '').replace(/^#/, '');
  if (!text.includes('=')) return null;
  return new URLSearchParams(text).get(name);
}
