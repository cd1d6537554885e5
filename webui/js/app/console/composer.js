// The message input: Enter to send, notes, uploads (button, paste, drop), canned replies, drafts, typing.
import { h } from '../../dom.js';
import { errorMessage } from '../../errors.js';
import { t } from '../../i18n.js';
import { fillVariables, filterCanned, insertReply, slashQuery, usableIn } from '../../console/canned.js';
import { siteVisibleName } from '../../console/present.js';
import { isLive, writeMode } from '../../console/store.js';
import { TypingThrottle } from '../../console/typing.js';
import { insertEmoji } from '../../console/emoji.js';
import { createCannedPicker } from './canned-picker.js';
import { createEmojiPicker } from './emoji-picker.js';

const MAX_BODY = 5000;
const MAX_ROWS_PX = 200;

/** Why an upload was refused, in words that fit a file (not the generic request errors). */
function uploadError(error) {
  if (error?.status === 415) return t('console.upload.unsupported');
  if (error?.status === 413) return t('console.upload.tooLarge');
  return errorMessage(error, t);
}

/**
 * `setConversation(conversation|null)` switches drafts; `update(conversation)` follows status
 * changes; `uploadFiles(files)` is also used by drag-and-drop; `onSent()` runs after each send.
 */
export function createComposer({ rt, notify, onSent, onReopen }) {
  let conversation = null;
  let note = false;
  let mode = 'none';
  const typing = new TypingThrottle();

  const textarea = h('textarea', {
    class: 'composer-input', 'data-test': 'chat-input', rows: '2', maxlength: String(MAX_BODY),
    'aria-label': t('console.input.label'), 'aria-autocomplete': 'list', 'aria-controls': 'canned-listbox',
  });
  const picker = createCannedPicker({
    onChoose: insertCanned,
    siteName: (id) => rt.siteOf(id)?.name || `#${id}`,
    companyName: (id) => rt.companies.find((company) => company.id === id)?.name || `#${id}`,
  });
  const noteToggle = h('button', {
    type: 'button', class: 'button button-small composer-note', 'data-test': 'chat-note-toggle', 'aria-pressed': 'false',
    title: t('console.note.hint'),
    onclick: () => {
      setNote(!note);
      saveDraft();
      textarea.focus();
    },
  }, t('console.note.toggle'));
  const fileInput = h('input', {
    type: 'file', multiple: true, class: 'visually-hidden', 'data-test': 'chat-file-input', tabindex: '-1',
    'aria-hidden': 'true',
    onchange: () => {
      const files = [...fileInput.files];
      fileInput.value = '';
      uploadFiles(files);
    },
  });
  const attach = h('button', { type: 'button', class: 'button button-small', onclick: () => fileInput.click(),
    title: t('console.upload.hint') }, t('console.upload.button'));
  const cannedButton = h('button', {
    type: 'button', class: 'button button-small', title: t('console.canned.hint'),
    onclick: () => {
      if (picker.open) picker.hide();
      else picker.show(usable(), 'button');
      textarea.focus();
    },
  }, t('console.canned.button'));
  const emoji = createEmojiPicker({
    onPick: (chosen) => {
      const { value, caret } = insertEmoji(textarea.value, textarea.selectionStart, textarea.selectionEnd, chosen);
      textarea.value = value;
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
      autosize();
      saveDraft();
    },
    onClose: () => textarea.focus(),
  });
  const status = h('span', { class: 'composer-status', role: 'status' });
  const send = h('button', { type: 'submit', class: 'button button-primary', 'data-test': 'chat-send' }, t('console.send'));
  const closedBar = h('div', { class: 'composer-closed', hidden: true },
    h('span', {}, t('console.closed.readonly')),
    h('button', { type: 'button', class: 'button button-small', 'data-test': 'chat-reopen', onclick: () => onReopen() },
      t('console.reopen')));
  const form = h('form', { class: 'composer', novalidate: true },
    picker.element, emoji.panel, closedBar, textarea,
    h('div', { class: 'composer-bar' },
      noteToggle, emoji.button, cannedButton, attach, fileInput, status,
      h('span', { class: 'composer-spacer' }),
      h('span', { class: 'composer-hint muted' }, t('console.input.keys')),
      send));

  /** The open conversation's site and company: their replies and scripts come first. */
  function scope() {
    const siteId = conversation?.site_id ?? null;
    return { siteId, companyId: rt.siteOf(siteId)?.company_id ?? null };
  }

  function usable() {
    const { siteId, companyId } = scope();
    return filterCanned(usableIn(rt.canned, siteId, companyId), '', scope());
  }

  function setNote(next) {
    note = next;
    if (note) {
      const stop = typing.stop();
      if (stop !== null && conversation) rt.typing(conversation.id, stop);
    }
    noteToggle.setAttribute('aria-pressed', note ? 'true' : 'false');
    form.classList.toggle('is-note', note);
    applyMode();
  }

  /** Can the text typed now be sent: a reply where I may write, a note (whisper) also when monitoring. */
  function canSend() {
    return mode === 'write' || (mode === 'monitor' && note);
  }

  /** Enable what `mode` allows; a monitoring supervisor's note toggle reads "whisper". */
  function applyMode() {
    const writable = canSend();
    for (const control of [textarea, send, cannedButton, emoji.button]) control.disabled = !writable;
    if (!writable) emoji.hide();
    attach.disabled = mode !== 'write';
    noteToggle.disabled = mode === 'none';
    noteToggle.textContent = t(mode === 'monitor' ? 'console.whisper.toggle' : 'console.note.toggle');
    noteToggle.title = t(mode === 'monitor' ? 'console.whisper.hint' : 'console.note.hint');
    noteToggle.dataset.mode = mode;
    form.classList.toggle('is-monitor', mode === 'monitor');
    updatePlaceholder();
  }

  function updatePlaceholder() {
    const waiting = conversation && conversation.status === 'open' && conversation.assignee_id === null;
    const pending = conversation?.status === 'pending';
    if (conversation?.status === 'bot') {
      textarea.placeholder = t('console.input.botPlaceholder');
      return;
    }
    textarea.placeholder = mode === 'monitor' ? t(note ? 'console.input.whisperPlaceholder' : 'console.input.monitorPlaceholder')
      : note ? t('console.input.notePlaceholder')
        : waiting ? t('console.input.claimPlaceholder')
          : pending ? t('console.input.pendingPlaceholder') : t('console.input.placeholder');
  }

  function saveDraft() {
    if (conversation) rt.drafts.set(conversation.id, { body: textarea.value, note });
  }

  function autosize() {
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(textarea.scrollHeight + 2, MAX_ROWS_PX)}px`;
  }

  function sendTyping(decision) {
    if (decision !== null && conversation) rt.typing(conversation.id, decision);
  }

  function checkSlash() {
    const query = slashQuery(textarea.value, textarea.selectionStart);
    const { siteId, companyId } = scope();
    if (query !== null) picker.show(filterCanned(usableIn(rt.canned, siteId, companyId), query, scope()), 'slash');
    else if (picker.mode === 'slash') picker.hide();
    textarea.setAttribute('aria-activedescendant', picker.activeId() || '');
  }

  function insertCanned(reply) {
    const site = rt.siteOf(conversation?.site_id);
    const name = conversation?.visitor?.name?.trim() || t('console.canned.visitorFallback');
    const text = fillVariables(reply.body, {
      visitor_name: name, agent_name: rt.me.display_name, site_name: siteVisibleName(site, rt.companyOf(site)),
    });
    const { value, caret } = insertReply(textarea.value, {
      start: textarea.selectionStart, end: textarea.selectionEnd, fromSlash: picker.mode === 'slash',
    }, text);
    textarea.value = value;
    picker.hide();
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    autosize();
    saveDraft();
  }

  function submit() {
    if (!canSend()) return;
    const body = textarea.value.trim();
    if (!body) return;
    if ([...body].length > MAX_BODY) {
      notify(t('validation.tooLong', { max: MAX_BODY }), 'error');
      return;
    }
    rt.send(conversation.id, { kind: note ? 'note' : 'text', body });
    textarea.value = '';
    // A note is a one-off: the next message goes to the visitor again. (Whispering supervisors
    // can only whisper, so for them it stays on.)
    if (note && mode === 'write') setNote(false);
    autosize();
    saveDraft();
    sendTyping(typing.stop());
    picker.hide();
    onSent();
  }

  async function uploadFiles(files) {
    if (!files.length || mode !== 'write') return;
    if (note) {
      notify(t('console.upload.noNotes'), 'error');
      return;
    }
    const id = conversation.id;
    for (const file of files) {
      status.textContent = t('console.upload.progress', { name: file.name });
      try {
        const { attachment } = await rt.upload(id, file);
        rt.send(id, { kind: attachment.kind === 'image' ? 'image' : 'file', body: '', attachment });
        onSent();
      } catch (error) {
        notify(t('console.upload.failed', { name: file.name, reason: uploadError(error) }), 'error');
      }
    }
    status.textContent = '';
  }

  textarea.addEventListener('input', () => {
    autosize();
    saveDraft();
    checkSlash();
    if (!note) sendTyping(typing.input(textarea.value.trim() !== ''));
  });
  textarea.addEventListener('click', checkSlash);
  textarea.addEventListener('keydown', (event) => {
    if (event.isComposing || event.keyCode === 229) return; // an IME is choosing characters
    if (picker.open) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        picker.move(event.key === 'ArrowDown' ? 1 : -1);
        textarea.setAttribute('aria-activedescendant', picker.activeId() || '');
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && picker.items.length) {
        event.preventDefault();
        picker.choose();
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        picker.hide();
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      submit();
    }
  });
  textarea.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (!files.length) return;
    event.preventDefault();
    uploadFiles(files);
  });
  textarea.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== textarea) picker.hide();
  }, 150));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  const idle = setInterval(() => sendTyping(typing.tick()), 1000);

  function update(next) {
    conversation = next;
    const live = isLive(conversation);
    mode = writeMode(conversation, rt.me);
    closedBar.hidden = !conversation || live;
    form.classList.toggle('is-closed', Boolean(conversation) && !live);
    applyMode();
  }

  return {
    element: form,
    input: textarea,
    uploadFiles,
    update,
    setConversation(next) {
      if (conversation && conversation.id !== next?.id) sendTyping(typing.stop());
      picker.hide();
      emoji.hide();
      const draft = next ? rt.drafts.get(next.id) : { body: '', note: false };
      update(next);
      textarea.value = draft.body;
      setNote(draft.note);
      autosize();
      status.textContent = '';
    },
    /** Put `text` in at the caret (a suggested answer), for the agent to edit and send; false when the input is locked. */
    insertText(text) {
      if (textarea.disabled) return false;
      const { value, caret } = insertReply(textarea.value, { start: textarea.selectionStart, end: textarea.selectionEnd }, text);
      textarea.value = value;
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
      autosize();
      saveDraft();
      if (!note) sendTyping(typing.input(textarea.value.trim() !== ''));
      return true;
    },
    /** Put a failed message's text back for editing. */
    restore(body) {
      textarea.value = textarea.value ? `${body}\n${textarea.value}` : body;
      autosize();
      saveDraft();
      textarea.focus();
    },
    focus() {
      if (!textarea.disabled) textarea.focus();
    },
    destroy() {
      clearInterval(idle);
    },
  };
}
