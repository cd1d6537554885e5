// The chat panel: business-card header, message list, typing line, composer with files, chime.
import { messageItem, setState } from './bubbles.js';
import { adoptStyles, h, icon } from './dom.js';
import { PANEL_CSS } from './styles.js';

const CLIP = 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z';
const BANNER_DELAY_MS = 3000;

/** `o`: {root, wrap, t, standalone, files, onSend(text) → bool, onFiles, onInput, onOpen, onMenu, onEmoji}. */
export function createView(o) {
  let t = o.t;
  let agentRead = 0;
  let bannerTimer = 0;
  let noteTimer = 0;
  let transport = '';
  const bySeq = new Map();
  const byClient = new Map();
  const labels = [];
  const tr = (el, key, attr) => {
    labels.push([el, key, attr]);
    return el;
  };

  adoptStyles(o.root, PANEL_CSS);
  const logo = h('img', { class: 'logo', alt: '', hidden: true });
  const name = h('strong', { class: 'name' });
  const greet = h('span', { class: 'greet' });
  const close = tr(h('button', { type: 'button', class: 'x', 'data-test': 'kefu-close', hidden: o.standalone, onclick: () => setOpen(false) }, '×'), 'close', 'aria-label');
  const menu = tr(h('button', { type: 'button', class: 'x', 'data-test': 'kefu-menu', hidden: true, onclick: o.onMenu }, '⋯'), 'menu', 'aria-label');
  const banner = h('div', { class: 'banner', hidden: true });
  const list = h('ol', { class: 'list', 'aria-live': 'polite' });
  const closedNote = tr(h('li', { class: 'notice' }), 'closed');
  const typingLine = h('div', { class: 'typing', 'data-test': 'kefu-typing', hidden: true });
  const note = h('div', { class: 'note', role: 'status', 'data-test': 'kefu-notice', hidden: true });
  const hint = tr(h('div', { class: 'hint', hidden: true }), 'preview');
  const input = tr(h('textarea', { rows: 1, 'data-test': 'kefu-input', oninput: autosize, onkeydown: key, onpaste: paste }), 'placeholder', 'placeholder');
  const fileInput = h('input', { type: 'file', multiple: true, hidden: true, 'data-test': 'kefu-file-input', onchange: chosen });
  const emojiButton = tr(h('button', { type: 'button', class: 'icon', onclick: o.onEmoji }, '😊'), 'emoji', 'aria-label');
  const attach = tr(h('button', { type: 'button', class: 'icon', onclick: () => fileInput.click() }, icon(CLIP)), 'attach', 'aria-label');
  const send = tr(h('button', { type: 'submit', class: 'send', 'data-test': 'kefu-send' }), 'send');
  const drop = tr(h('div', { class: 'drop', hidden: true }), 'drop');
  const compose = h('form', { class: 'compose', onsubmit: submit }, emojiButton, attach, fileInput, input, send);
  const panel = h('section', {
    class: 'panel', role: 'dialog', 'data-test': 'kefu-panel', 'data-transport': 'offline', hidden: !o.standalone,
    ondragover: dragOver, ondragleave: dragLeave, ondrop: dropped, onkeydown: escape,
  },
  h('header', { class: 'head' }, logo, h('div', { class: 'who' }, name, greet), menu, close),
  banner, list, typingLine, note, compose, hint, drop);
  o.wrap.append(panel);
  if (o.standalone) o.wrap.classList.add('standalone', 'open');
  relabel(t);

  function relabel(next) {
    t = next;
    for (const [el, key, attr] of labels) {
      if (attr) el.setAttribute(attr, t(key));
      else el.textContent = t(key);
    }
    panel.setAttribute('aria-label', t('title'));
  }

  function setOpen(open) {
    if (o.standalone || open === !panel.hidden) return;
    panel.hidden = !open;
    o.wrap.classList.toggle('open', open);
    if (open) {
      toBottom();
      if (!matchMedia('(max-width: 480px)').matches) input.focus();
    }
    o.onOpen(open);
  }

  /** After the last message with a smaller seq; pending ones stay last. */
  function place(li, seq) {
    let after = list.lastElementChild;
    while (after && !(Number(after.dataset.seq) < seq)) after = after.previousElementSibling;
    list.insertBefore(li, after ? after.nextElementSibling : list.firstElementChild);
  }

  function keepBottom(change, force) {
    const near = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    change();
    if (near || force) toBottom();
  }

  function toBottom() {
    list.scrollTop = list.scrollHeight;
  }

  function stateOf(message) {
    if (message.sender !== 'visitor') return 'sent';
    return message.seq <= agentRead ? 'read' : 'sent';
  }

  // -- composer

  function submit(event) {
    event.preventDefault();
    if (o.onSend(input.value)) {
      input.value = '';
      autosize();
    }
    input.focus();
  }

  function key(event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) submit(event);
  }

  function escape(event) {
    if (event.key === 'Escape') setOpen(false);
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    o.onInput(input.value);
  }

  function insert(text) {
    input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
    input.focus();
    autosize();
  }

  function chosen() {
    o.onFiles([...fileInput.files]);
    fileInput.value = '';
  }

  function paste(event) {
    const files = [...(event.clipboardData?.files || [])];
    if (!files.length) return;
    event.preventDefault();
    o.onFiles(files);
  }

  function dragOver(event) {
    if (![...(event.dataTransfer?.types || [])].includes('Files')) return;
    event.preventDefault();
    drop.hidden = false;
  }

  function dragLeave(event) {
    if (!panel.contains(event.relatedTarget)) drop.hidden = true;
  }

  function dropped(event) {
    drop.hidden = true;
    const files = [...(event.dataTransfer?.files || [])];
    if (!files.length) return;
    event.preventDefault();
    o.onFiles(files);
  }

  return {
    relabel,
    parts: { panel, list, compose, menu, insert },
    open: () => setOpen(true),
    draft: () => input.value,
    close: () => setOpen(false),
    isOpen: () => !panel.hidden,

    setSite(site) {
      name.textContent = site.name || t('title');
      greet.textContent = site.greeting;
      logo.hidden = !site.logo_url;
      if (site.logo_url) logo.src = site.logo_url;
      hint.hidden = !site.typing_preview;
    },

    /** The banner waits a little: most reconnects are quick. */
    setTransport(mode) {
      if (mode === transport) return;
      transport = mode;
      panel.dataset.transport = mode === 'stopped' ? 'offline' : mode;
      clearTimeout(bannerTimer);
      banner.hidden = true;
      if (mode === 'ws' || mode === 'poll') return;
      banner.textContent = t(mode === 'stopped' ? 'unavailable' : 'offline');
      bannerTimer = setTimeout(() => { banner.hidden = false; }, mode === 'stopped' ? 0 : BANNER_DELAY_MS);
    },

    setStatus(status) {
      menu.hidden = status !== 'open';
      if (status === 'closed') keepBottom(() => list.append(closedNote));
      else closedNote.remove();
    },

    show(message) {
      if (bySeq.has(message.seq)) return;
      let li = message.client_id && byClient.get(message.client_id);
      if (li) {
        li.dataset.seq = message.seq;
        setState(li, stateOf(message), t);
      } else {
        li = messageItem(message, stateOf(message), t, o.files);
        if (message.client_id) byClient.set(message.client_id, li);
      }
      bySeq.set(message.seq, li);
      keepBottom(() => place(li, message.seq));
      if (message.sender !== 'visitor') typingLine.hidden = true;
      return li;
    },

    pending(entry) {
      if (byClient.has(entry.client_id)) return;
      const li = messageItem({ ...entry, sender: 'visitor' }, 'sending', t, o.files);
      byClient.set(entry.client_id, li);
      keepBottom(() => list.append(li), true);
    },

    ack(clientId, seq) {
      const li = byClient.get(clientId);
      if (!li || li.dataset.seq) return;
      const shown = bySeq.get(seq);
      if (shown && shown !== li) {
        li.remove();
        return;
      }
      li.dataset.seq = seq;
      bySeq.set(seq, li);
      place(li, seq);
      setState(li, stateOf({ sender: 'visitor', seq }), t);
    },

    failed(clientId, code) {
      const li = byClient.get(clientId);
      if (li && !li.dataset.seq) setState(li, 'failed', t, code);
    },

    read(seq) {
      agentRead = Math.max(agentRead, seq);
      for (const [s, li] of bySeq) if (s <= agentRead && li.dataset.sender === 'visitor') setState(li, 'read', t);
    },

    clear() {
      for (const li of bySeq.values()) {
        li.remove();
        for (const [id, el] of byClient) if (el === li) byClient.delete(id);
      }
      bySeq.clear();
      agentRead = 0;
    },

    typing(on, who) {
      typingLine.textContent = t('typing', { name: who || t('agent') });
      keepBottom(() => { typingLine.hidden = !on; });
    },

    notice(text, ms = 4000) {
      note.textContent = text;
      note.hidden = false;
      clearTimeout(noteTimer);
      noteTimer = setTimeout(() => { note.hidden = true; }, ms);
    },

    settle: () => keepBottom(() => {}),
  };
}

// -- chime: made with WebAudio, so there is no audio file to download

let context = null;

/** Audio may only start after a user gesture: call this from one. */
export function unlockSound() {
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!context && Context) context = new Context();
    if (context?.state === 'suspended') context.resume().catch(() => {});
  } catch {
    context = null;
  }
}

export function chime() {
  if (!context || context.state !== 'running') return;
  const start = context.currentTime;
  [880, 1320].forEach((frequency, i) => {
    const at = start + i * 0.12;
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
    osc.connect(gain).connect(context.destination);
    osc.start(at);
    osc.stop(at + 0.26);
  });
}
