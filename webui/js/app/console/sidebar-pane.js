// The right column: who the visitor is, where they are on the site, their device and earlier chats.
import { externalLink, h } from '../../dom.js';
import { getLanguage, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { deviceText, formatDateTime, linkable, previewText, sitePageLink, visitorName } from '../../console/present.js';
import { attributeLabel, readableUrl } from '../../console/visitor-info.js';
import { createFollowUps, createLeadCard } from './lead-card.js';
import { siteCardNode } from './site-card.js';
import { createVisitorDetails } from './visitor-details.js';

function fact(label, value) {
  if (value === null || value === undefined || value === '') return null;
  return [h('dt', {}, label), h('dd', {}, value)];
}

/**
 * A page title and address (shown decoded, linked as it is): a link only when the address is http(s)
 * and, for the visitor's own page (`site` given), a page of that site's origins.
 */
function pageLink(url, title, test, site = undefined) {
  const href = site === undefined ? linkable(url) : sitePageLink(url, site);
  const shown = readableUrl(url);
  if (!title && !shown) return null;
  if (!href && !title) return h('span', { class: 'info-url', 'data-test': test }, shown);
  return h('span', { class: 'info-page', 'data-test': test },
    title ? h('span', { class: 'info-page-title' }, title) : null,
    href ? externalLink(href, shown) : h('span', { class: 'info-url' }, shown));
}

function previousList(rt, previous) {
  if (!previous.length) return h('p', { class: 'muted' }, t('console.info.noPrevious'));
  return h('ul', { class: 'info-previous' }, previous.map((conversation) => h('li', {},
    h('a', { href: hrefFor('console', { id: conversation.id }), 'data-test': 'previous-conversation', 'data-id': conversation.id },
      h('span', { class: 'info-previous-time' }, formatDateTime(conversation.created_at, getLanguage())),
      h('span', { class: 'info-previous-status badge' }, t(`console.status.${['closed', 'pending'].includes(conversation.status) ? conversation.status : 'open'}`)),
      h('span', { class: 'info-previous-preview muted' }, previewText(conversation.last_message, t))))));
}

/** Attributes: Kefu's own (a left message's WeChat id…) labelled in words, a website's own as it named them. */
function attributesSection(attributes) {
  const entries = Object.entries(attributes && typeof attributes === 'object' ? attributes : {})
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value)).slice(0, 30);
  if (!entries.length) return null;
  return h('section', { class: 'info-section', 'data-test': 'visitor-attributes' },
    h('h3', {}, t('console.info.attributes')),
    h('dl', { class: 'facts' }, entries.map(([key, value]) => fact(attributeLabel(key, t), String(value)))));
}

/** `onBack()` returns to the chat on one-column layouts. The lead card keeps what is typed across redraws. */
export function createSidebarPane({ ctx, rt, onBack }) {
  const content = h('div', { class: 'info-body' });
  const leadCard = createLeadCard({ ctx });
  const followUps = createFollowUps({ ctx });
  // Visits, page trail, invitations and block state (GET /api/visitors/{id}), below the facts.
  const trail = createVisitorDetails({ ctx, rt, compact: true });
  const element = h('aside', { class: 'console-info', 'data-test': 'visitor-sidebar', 'aria-label': t('console.info.label') },
    h('div', { class: 'info-head' },
      h('button', { type: 'button', class: 'button button-quiet info-back', onclick: onBack, 'aria-label': t('console.back') }, '←'),
      h('h2', {}, t('console.info.title'))),
    followUps.element, content, leadCard.element,
    h('div', { class: 'info-body info-trail' }, trail.element));
  let drawn = null;

  return {
    element,
    destroy: () => followUps.destroy(),
    render() {
      const id = rt.engine.activeId;
      leadCard.show(id === null || !rt.engine.store.get(id) ? null : id);
      const conversation = id === null ? null : rt.engine.store.get(id);
      const details = id === null ? null : rt.details.get(id);
      const key = [conversation, details, getLanguage(), rt.sites.length];
      if (drawn && key.every((part, index) => part === drawn[index])) return;
      drawn = key;
      const visitorId = conversation?.visitor?.id ?? details?.visitor?.id ?? null;
      trail.show(Number.isInteger(visitorId) ? visitorId : null);
      if (conversation && details?.visitor) {
        const seen = details.visitor;
        trail.follow(`${seen.page_url}|${seen.last_seen_at}|${conversation.status}|${conversation.assignee_id}`);
      }
      if (!conversation) {
        content.replaceChildren(h('p', { class: 'muted' }, id === null ? t('console.info.none') : t('app.loading')));
        return;
      }
      const visitor = { ...(conversation.visitor || {}), ...(details?.visitor || {}) };
      const site = rt.siteOf(conversation.site_id);
      const company = rt.companyOf(site);
      const device = deviceText(visitor.device);
      content.replaceChildren(...[
        site ? h('section', { class: 'info-section info-site' }, siteCardNode(site, company)) : null,
        h('section', { class: 'info-section' },
          h('div', { class: 'info-name' }, visitorName(visitor, t),
            typeof visitor.online === 'boolean' ? h('span', { class: `badge ${visitor.online ? 'badge-active' : ''}` },
              t(visitor.online ? 'console.info.online' : 'console.info.offline')) : null),
          h('dl', { class: 'facts' },
            fact(t('console.info.email'), visitor.email || null),
            fact(t('console.info.phone'), visitor.phone || null),
            fact(t('console.info.site'), site ? site.name : `#${conversation.site_id}`),
            rt.companies.length > 1 ? fact(t('console.info.company'), company?.name || null) : null)),
        attributesSection(visitor.attributes),
        h('section', { class: 'info-section' },
          h('h3', {}, t('console.info.page')),
          h('dl', { class: 'facts' },
            fact(t('console.info.current'), pageLink(visitor.page_url, visitor.page_title, 'visitor-page', site)
              || t('console.info.unknown')),
            fact(t('console.info.referrer'), pageLink(visitor.referrer, '', 'visitor-referrer')),
            fact(t('console.info.device'), device || null),
            fact(t('console.info.userAgent'), visitor.user_agent && !device ? visitor.user_agent : null))),
        h('section', { class: 'info-section' },
          h('h3', {}, t('console.info.visits')),
          h('dl', { class: 'facts' },
            fact(t('console.info.firstSeen'), formatDateTime(visitor.first_seen_at, getLanguage()) || null),
            fact(t('console.info.lastSeen'), formatDateTime(visitor.last_seen_at, getLanguage()) || null),
            fact(t('console.info.started'), formatDateTime(conversation.created_at, getLanguage()) || null))),
        h('section', { class: 'info-section' },
          h('h3', {}, t('console.info.previous')),
          details ? previousList(rt, details.previous || []) : h('p', { class: 'muted' }, t('app.loading'))),
      ].filter(Boolean));
    },
  };
}
