// Dialogs acting on a visitor: invite them to chat (a site template or typed text), block them.
import { h } from '../../dom.js';
import { field, input, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { openDialog } from '../dialog.js';

const MESSAGE_MAX = 500;
const REASON_MAX = 200;

/** `[{field, key}]` for an invitation message: 1–500 characters. */
export function checkInvitationMessage(message) {
  const text = String(message ?? '').trim();
  if (!text || [...text].length > MESSAGE_MAX) return [{ field: 'message', key: 'error.invalid.message' }];
  return [];
}

/**
 * Invite `live` (a LiveVisitor): pick one of the site's `invitation_templates` or type a message.
 * Resolves true when the invitation was sent (it then shows in the list as `invited`).
 */
export function inviteVisitor(ctx, rt, live) {
  const templates = rt.siteOf(live.site_id)?.invitation_templates || [];
  const message = h('textarea', { name: 'message', rows: '3', maxlength: String(MESSAGE_MAX), 'data-test': 'invite-message',
    textContent: templates[0] || t('visitors.invite.default') });
  const picker = templates.length ? select({ name: 'template', 'data-test': 'invite-template' },
    [...templates.map((text, index) => [String(index), text]), ['', t('visitors.invite.own')]], '0') : null;
  picker?.addEventListener('change', () => {
    if (picker.value !== '') message.value = templates[Number(picker.value)];
    message.focus();
  });
  return openDialog({
    title: t('visitors.invite.title'),
    message: t('visitors.invite.message'),
    okLabel: t('visitors.invite.ok'),
    fields: [
      picker ? field({ label: t('visitors.invite.template'), control: picker }) : null,
      field({ label: t('visitors.invite.text'), hint: t('visitors.invite.hint'), control: message }),
    ].filter(Boolean),
    onConfirm: async (values) => {
      const failures = checkInvitationMessage(values.message);
      if (failures.length) return failures;
      await rt.live.invite(live.id, values.message.trim());
      ctx.notify(t('visitors.invite.sent'));
      return [];
    },
  });
}

/** Block a visitor on their site, with a reason. Resolves true when blocked. */
export function blockVisitor(ctx, rt, visitor) {
  return openDialog({
    title: t('visitors.block.title'),
    message: t('visitors.block.message'),
    okLabel: t('visitors.block'),
    danger: true,
    fields: [field({
      label: t('blocks.reason'), hint: t('blocks.reason.hint'),
      control: input({ name: 'reason', maxlength: String(REASON_MAX), 'data-test': 'block-reason' }),
    })],
    onConfirm: async (values) => {
      await rt.live.block(visitor, values.reason.trim());
      ctx.notify(t('visitors.block.done'));
      return [];
    },
  });
}
