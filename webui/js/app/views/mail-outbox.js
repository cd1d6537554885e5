// Mail page: how the outbox's mails stand (waiting, retrying with the last error, given up), so a refusing server is seen here.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { getLanguage, t } from '../../i18n.js';
import { formatDateTime } from '../../console/present.js';
import { section } from './common.js';

const COUNTS = ['waiting', 'retrying', 'failed', 'sent'];

/** Whether the owner should look: mails being retried or given up. */
export function outboxTrouble(mail) {
  return Boolean(mail && (mail.retrying > 0 || mail.failed > 0));
}

function mailRow(mail, locale) {
  const when = mail.status === 'queued' && mail.next_attempt_at
    ? t('outbox.next', { time: formatDateTime(mail.next_attempt_at, locale) })
    : t(`outbox.status.${mail.status}`);
  return h('li', { class: 'outbox-mail', 'data-test': 'outbox-mail', 'data-status': mail.status },
    h('div', {}, h('strong', {}, mail.subject), ' → ', mail.to),
    h('div', { class: 'muted' }, formatDateTime(mail.created_at, locale), ' · ',
      t('outbox.attempts', { n: mail.attempts }), ' · ', when),
    mail.last_error ? h('div', { class: 'outbox-error' }, mail.last_error) : null);
}

/** The card: counts, and the mails not sent (newest first), each with why. */
export async function outboxSection(ctx) {
  const body = h('div', { 'data-test': 'outbox' });
  const draw = (mail) => {
    const locale = getLanguage();
    const trouble = outboxTrouble(mail);
    body.replaceChildren(
      h('p', { class: `alert ${trouble ? 'alert-warning' : 'alert-info'}`, role: 'status', 'data-test': 'outbox-summary',
        'data-trouble': String(trouble) },
      COUNTS.map((name) => t(`outbox.count.${name}`, { n: mail[name] })).join(' · ')),
      mail.undelivered.length
        ? h('ul', { class: 'outbox-list' }, ...mail.undelivered.map((m) => mailRow(m, locale)))
        : null);
  };
  try {
    draw((await ctx.api.get('/api/settings/outbox')).mail);
  } catch (error) {
    body.replaceChildren(h('p', { role: 'alert' }, errorMessage(error, t)));
  }
  return section(t('outbox.title'), body, { description: t('outbox.description'), test: 'outbox-card' });
}
