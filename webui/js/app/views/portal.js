// The client portal (#/portal): a client company's own report, leads and conversations, read-only.
import { h } from '../../dom.js';
import { getLanguage, t } from '../../i18n.js';
import { hrefFor } from '../../routes.js';
import { formatDateTime, previewText, senderName, systemText } from '../../console/present.js';
import { emptyState, page, pageHeader, section } from './common.js';
import { reportPage } from './leads.js';

const when = (iso) => formatDateTime(iso, getLanguage());

function conversationList(conversations) {
  if (!conversations.length) return h('p', { class: 'muted' }, t('portal.conversations.none'));
  return h('ul', { class: 'list' }, conversations.map((conversation) => h('li', { class: 'list-row', 'data-test': 'portal-conversation' },
    h('div', { class: 'list-main' },
      h('a', { class: 'list-title', href: hrefFor('portal-conversation', { id: conversation.id }) },
        `#${conversation.id} ${conversation.visitor?.name || ''}`),
      h('div', { class: 'muted' }, `${when(conversation.created_at)} · ${previewText(conversation.last_message, t)}`)))));
}

export async function portalView(ctx) {
  const [{ company }, { conversations }] = await Promise.all([ctx.api.get('/api/portal'),
    ctx.api.get('/api/portal/conversations?limit=50')]);
  const more = h('a', { class: 'button button-small', href: hrefFor('portal-reports', { kind: 'chats' }), 'data-test': 'reports-more' },
    t('reports.more'));
  const report = await reportPage(ctx, { base: '/api/portal', title: t('portal.title', { company: company.name }), actions: [more],
    timeZone: company.settings?.timezone });
  report.append(section(t('portal.conversations'), conversationList(conversations), { test: 'portal-conversations',
    className: 'no-print' }));
  return report;
}

export async function portalConversationView(ctx, { id }) {
  const back = { href: hrefFor('portal'), label: t('nav.portal') };
  let answer;
  try {
    answer = await ctx.api.get(`/api/portal/conversations/${id}`);
  } catch {
    return page(pageHeader(t('portal.conversation', { id }), { back }), emptyState(t('portal.conversation.missing')));
  }
  const lines = answer.messages.map((message) => h('li', { class: `transcript-line is-${message.sender.type}`, 'data-test': 'transcript-line' },
    h('span', { class: 'muted' }, when(message.created_at)), ' ',
    message.sender.type === 'system' ? h('em', {}, systemText(message, t))
      : [h('strong', {}, senderName(message.sender, t)), ': ', message.body || (message.attachment ? `[${message.attachment.name}]` : '')]));
  return page(pageHeader(t('portal.conversation', { id }), { back, lead: answer.conversation.visitor?.name || '' }),
    section(null, h('ol', { class: 'transcript' }, lines), { test: 'portal-transcript' }));
}
