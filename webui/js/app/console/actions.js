// Conversation actions with their dialogs: claim, take over, transfer (with an optional note), close, reopen.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { field, select } from '../../forms.js';
import { t } from '../../i18n.js';
import { visitorName } from '../../console/present.js';
import { knownStatus, loadText, transferChoices } from '../../console/presence.js';
import { seesAllOpen } from '../../console/store.js';
import { openDialog } from '../dialog.js';

/** Which actions the header offers for `conversation` to `me` (the server stays the judge). */
export function availableActions(conversation, me) {
  if (!conversation) return { claim: false, takeOver: false, botTakeOver: false, transfer: false, close: false };
  const open = conversation.status === 'open';
  const live = open || conversation.status === 'pending';
  const mine = conversation.assignee_id === me.id;
  const waiting = conversation.assignee_id === null;
  const lead = seesAllOpen(me.role);
  return {
    claim: open && waiting,
    takeOver: open && lead && !mine && !waiting,
    botTakeOver: conversation.status === 'bot', // anyone serving the site (api.md, take-over)
    transfer: open && (mine || lead),
    close: live && (mine || waiting || lead),
  };
}

function run(ctx, promise) {
  return promise.catch((error) => {
    ctx.notify(errorMessage(error, t), 'error');
    return null;
  });
}

export function claim(ctx, rt, conversation) {
  return run(ctx, rt.claim(conversation.id).then((result) => {
    ctx.notify(t('console.claimed', { name: visitorName(conversation.visitor, t) }));
    return result;
  }));
}

/** A supervisor takes another agent's chat (the claim reassigns it to them). */
export function takeOver(ctx, rt, conversation) {
  const from = rt.agentName(conversation.assignee_id);
  return run(ctx, rt.claim(conversation.id).then((result) => {
    ctx.notify(t('console.takenOver', { name: visitorName(conversation.visitor, t), agent: from }));
    return result;
  }));
}

/** Take a chat over from the answer bot: it becomes mine at once and the visitor sees me join. */
export function takeOverFromBot(ctx, rt, conversation) {
  return run(ctx, rt.takeOverFromBot(conversation.id).then((result) => {
    ctx.notify(t('console.bot.takenOver', { name: visitorName(conversation.visitor, t) }));
    return result;
  }));
}

export function reopen(ctx, rt, conversation) {
  return run(ctx, rt.reopen(conversation.id));
}

/** "小王 · Online · 2 / 5 chats": who, whether they can take it, how loaded they are. */
function targetLabel(agent, me) {
  const name = agent.id === me.id ? `${agent.display_name} (${t('user.you')})` : agent.display_name;
  const status = knownStatus(agent.status) || 'offline';
  return `${name} · ${t(`console.presence.${status}`)} · ${t('console.transfer.load', { load: loadText(agent) })}`;
}

/** Colleagues who serve the chat's site, with their status and load (asked for when the dialog opens). */
export async function transfer(ctx, rt, conversation) {
  let answer;
  try {
    answer = await rt.transferTargets(conversation.id);
  } catch (error) {
    ctx.notify(errorMessage(error, t), 'error');
    return null;
  }
  const { agents: targets, preselect } = transferChoices(answer.agents || [], rt.me.id);
  const options = targets.map((agent) => [String(agent.id), targetLabel(agent, rt.me)]);
  if (preselect === null) options.unshift(['', t('console.transfer.choose')]);
  const agentSelect = select({ name: 'agent_id', 'data-test': 'transfer-agent', required: true }, options,
    preselect === null ? '' : String(preselect));
  for (const option of agentSelect.options) {
    const agent = targets.find((item) => String(item.id) === option.value);
    if (!agent) continue;
    option.dataset.status = agent.status;
    option.disabled = (knownStatus(agent.status) || 'offline') === 'offline'; // the server refuses: nobody would answer
  }
  const note = h('textarea', { name: 'note', rows: '3', maxlength: '5000', 'data-test': 'transfer-note',
    placeholder: t('console.transfer.notePlaceholder') });
  return openDialog({
    title: t('console.transfer.title', { name: visitorName(conversation.visitor, t) }),
    message: targets.length ? t('console.transfer.message') : t('console.transfer.nobody'),
    okLabel: t('console.transfer.ok'),
    fields: [
      field({ label: t('console.transfer.agent'), control: agentSelect }),
      field({ label: t('console.transfer.note'), hint: t('console.transfer.noteHint'), control: note }),
    ],
    onConfirm: async (values) => {
      const agentId = Number(values.agent_id);
      if (!Number.isInteger(agentId) || agentId <= 0) return [{ field: 'agent_id', key: 'validation.choice' }];
      await rt.transfer(conversation.id, agentId, values.note.trim());
      const agent = targets.find((item) => item.id === agentId);
      ctx.notify(t('console.transferred', { name: agent ? agent.display_name : `#${agentId}` }));
      return [];
    },
  });
}

export function close(ctx, rt, conversation) {
  return openDialog({
    title: t('console.close.title', { name: visitorName(conversation.visitor, t) }),
    message: t('console.close.message'),
    okLabel: t('console.close.ok'),
    danger: true,
    onConfirm: async () => {
      await rt.close(conversation.id);
      ctx.notify(t('console.closed.done'));
    },
  });
}
