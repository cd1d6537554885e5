// A visitor's details (GET /api/visitors/{id}): visits with their page trail, chats, invitations, block; invite and block.
import { externalLink, h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { getLanguage, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { formatDateTime, sitePageLink } from '../../console/present.js';
import { readableUrl } from '../../console/visitor-info.js';
import { deviceLine, durationText, placeText } from '../../console/live-visitors.js';
import { blockVisitor, inviteVisitor } from './visitor-actions.js';

const MAY_BLOCK = ['owner', 'admin', 'supervisor'];

function fact(label, value, test = null) {
  if (value === null || value === undefined || value === '') return null;
  return [h('dt', {}, label), h('dd', { 'data-test': test }, value)];
}

function sourceText(source) {
  if (!source) return '';
  const kind = t(`visitors.source.${source.kind || 'direct'}`);
  return [kind, source.name, source.campaign].filter(Boolean).join(' · ');
}

/** One page of the trail: its title (or address), the address (a link only to the site's own pages), how long they stayed. */
function trailItem(page, current, site) {
  const url = readableUrl(page.url);
  return h('li', { class: 'trail-page', 'data-test': 'trail-page' },
    h('span', { class: 'trail-title' }, page.title || url),
    page.title ? h('span', { class: 'trail-url muted' }, externalLink(sitePageLink(page.url, site), url)) : null,
    h('span', { class: 'trail-seconds muted', 'data-test': 'trail-seconds' },
      current ? t('visitors.trail.now') : durationText(page.seconds)));
}

function visitSection(visit, isLive, site) {
  const pages = Array.isArray(visit.pages) ? visit.pages : [];
  return h('section', { class: 'visit', 'data-test': 'visit', 'data-number': visit.number },
    h('h4', {}, t('visitors.visit.title', { n: visit.number }),
      h('span', { class: 'muted' }, ` · ${formatDateTime(visit.started_at, getLanguage())}`)),
    h('dl', { class: 'facts' },
      fact(t('visitors.filter.source'), sourceText(visit.source)),
      fact(t('visitors.keyword'), visit.source?.keyword || null, 'visit-keyword'),
      fact(t('visitors.referrer'), visit.referrer ? externalLink(visit.referrer, readableUrl(visit.referrer)) : null),
      fact(t('visitors.col.place'), placeText(visit.place) || null),
      fact(t('visitors.col.device'), [deviceLine(visit.device, t), visit.device?.device].filter(Boolean).join(' · ') || null),
      fact(t('visitors.language'), visit.language || null),
      fact(t('visitors.ip'), visit.ip || null)),
    h('ol', { class: 'trail', 'data-test': 'trail' },
      pages.map((page, index) => trailItem(page, isLive && index === pages.length - 1 && !page.seconds, site))));
}

function conversationsList(rt, conversations) {
  if (!conversations.length) return h('p', { class: 'muted' }, t('visitors.conversations.none'));
  return h('ul', { class: 'info-previous' }, conversations.map((conversation) => h('li', {},
    h('a', { href: hrefFor('console', { id: conversation.id }), 'data-test': 'visitor-conversation' },
      h('span', { class: 'info-previous-time' }, formatDateTime(conversation.created_at, getLanguage())),
      h('span', { class: 'badge' }, t(`console.status.${['closed', 'pending'].includes(conversation.status) ? conversation.status : 'open'}`)),
      h('span', { class: 'muted' }, rt.siteOf(conversation.site_id)?.name || '')))));
}

function invitationsList(rt, invitations) {
  if (!invitations.length) return h('p', { class: 'muted' }, t('visitors.invitations.none'));
  return h('ul', { class: 'invitation-list' }, invitations.map((invitation) => h('li', {
    'data-test': 'visitor-invitation', 'data-status': invitation.status },
  h('span', { class: `badge vt-invitation-${invitation.status}` }, t(`visitors.invitation.${invitation.status}`)),
  ' ', h('span', {}, invitation.message),
  h('span', { class: 'muted' }, ` · ${invitation.agent_id === null ? t('visitors.invitation.byRule')
    : rt.agentName(invitation.agent_id)} · ${formatDateTime(invitation.created_at, getLanguage())}`))));
}

/**
 * `createVisitorDetails({ctx, rt, onClose?, compact?})` (compact: beside a conversation, whose
 * panel already names the visitor): `show(id)` loads and draws visitor `id` (null: nothing);
 * `follow()` reloads when their live record says something changed (a page, a state, an
 * invitation). Returns `{element, show, follow, reload}`.
 */
export function createVisitorDetails({ ctx, rt, onClose = null, compact = false }) {
  const body = h('div', { class: 'vd-body' });
  const element = h('section', { class: 'visitor-details', 'data-test': 'visitor-details', 'aria-live': 'polite' },
    onClose ? h('button', { type: 'button', class: 'button button-quiet vd-close', 'aria-label': t('visitors.details.close'),
      'data-test': 'visitor-details-close', onclick: onClose }, '×') : null,
    body);
  let id = null;
  let answer = null;
  let followed = '';
  let request = 0;
  let pending = 0;

  async function reload() {
    if (id === null) return;
    const mine = ++request;
    try {
      const found = await rt.live.details(id);
      if (mine !== request) return;
      answer = found;
    } catch (error) {
      if (mine !== request) return;
      answer = { error };
    }
    draw();
  }

  function liveOf() {
    return rt.live.list.get(id) || answer?.live || null;
  }

  function actions(live) {
    const visitor = answer.visitor;
    const invitation = live?.invitation;
    const canInvite = live && live.state === 'browsing' && !answer.blocked;
    const chat = live?.conversation_id;
    return h('div', { class: 'vd-actions' },
      chat && !compact ? h('a', { class: 'button button-small button-primary', 'data-test': 'visitor-open-chat',
        href: hrefFor('console', { id: chat }) }, t('visitors.openChat')) : null,
      canInvite ? h('button', { type: 'button', class: 'button button-small button-primary', 'data-test': 'visitor-invite',
        onclick: () => inviteVisitor(ctx, rt, live).then((sent) => sent && reload()) }, t('visitors.invite')) : null,
      invitation?.status === 'shown' ? h('button', { type: 'button', class: 'button button-small', 'data-test': 'visitor-withdraw',
        onclick: () => rt.live.withdraw(invitation.id).then(reload, (error) => ctx.notify(errorMessage(error, t), 'error')) },
      t('visitors.withdraw')) : null,
      MAY_BLOCK.includes(rt.me.role) && !answer.blocked ? h('button', { type: 'button', class: 'button button-small button-danger',
        'data-test': 'visitor-block', onclick: () => blockVisitor(ctx, rt, { ...visitor, site_id: visitor.site_id ?? live?.site_id })
          .then((done) => done && reload()) }, t('visitors.block')) : null);
  }

  function draw() {
    if (id === null) {
      body.replaceChildren(h('p', { class: 'muted' }, t('visitors.details.none')));
      return;
    }
    if (!answer) {
      body.replaceChildren(h('p', { class: 'muted' }, t('app.loading')));
      return;
    }
    if (answer.error) {
      body.replaceChildren(h('p', { role: 'alert' }, errorMessage(answer.error, t)));
      return;
    }
    const live = liveOf();
    const visitor = answer.visitor || {};
    const site = rt.siteOf(visitor.site_id ?? live?.site_id);
    const state = live?.state || 'offline';
    const invitation = live?.invitation;
    body.replaceChildren(...[
      compact ? null : h('div', { class: 'vd-head' },
        h('h3', { 'data-test': 'visitor-details-name' }, visitor.name || live?.name || t('visitors.visitorNumber', { id })),
        h('span', { class: `badge vt-state-${state}`, 'data-test': 'visitor-details-state', 'data-state': state },
          t(`visitors.state.${state}`)),
        site ? h('span', { class: 'muted' }, site.name) : null),
      invitation ? h('p', { class: 'vd-invitation', 'data-test': 'visitor-invitation-status', 'data-status': invitation.status },
        t('visitors.invitation.line', { status: t(`visitors.invitation.${invitation.status}`) })) : null,
      answer.blocked ? h('p', { class: 'alert alert-error', 'data-test': 'visitor-blocked' },
        t('visitors.blocked', { reason: answer.blocked.reason || '—' })) : null,
      actions(live),
      h('dl', { class: 'facts' },
        fact(t('console.info.email'), visitor.email || null),
        fact(t('console.info.phone'), visitor.phone || null),
        fact(t('visitors.visits'), String(answer.visit_count ?? (answer.visits || []).length))),
      h('h4', { class: 'vd-heading' }, t('visitors.trail.title')),
      (answer.visits || []).length ? (answer.visits || []).map((visit, index) => visitSection(visit, index === 0 && Boolean(live) && live.state !== 'left', site))
        : h('p', { class: 'muted' }, t('visitors.trail.none')),
      h('h4', { class: 'vd-heading' }, t('visitors.conversations')),
      conversationsList(rt, answer.conversations || []),
      h('h4', { class: 'vd-heading' }, t('visitors.invitations')),
      invitationsList(rt, answer.invitations || []),
    ].flat().filter(Boolean));
  }

  function keyOf(live) {
    if (!live) return '';
    return [live.page_count, live.page?.url, live.state, live.invitation?.id, live.invitation?.status, live.conversation_id].join('|');
  }

  return {
    element,
    get id() { return id; },
    show(next) {
      if (next === id) return;
      id = next;
      answer = null;
      followed = undefined; // the first follow() after this only notes what is loading now
      draw();
      reload();
    },
    /**
     * The live list changed: reload (once, shortly) if this visitor's record did. Beside a
     * conversation (no live list watched) the caller says what it knows instead, as `known`.
     */
    follow(known = null) {
      if (id === null) return;
      const key = known ?? keyOf(rt.live.list.get(id));
      if (key === followed) return;
      const first = followed === undefined;
      followed = key;
      if (first) return;
      clearTimeout(pending);
      pending = setTimeout(reload, 150);
    },
    reload,
  };
}
