// The answer bot's views, loaded with import() when a bot's message or chat first shows: rich answers, 👍/👎, choices to tap, and 转人工.
import { adoptStyles, h } from './dom.js';
import { translator } from './i18n.js';

const CSS = `
.bot .bubble p{margin:0 0 6px}
.bot .bubble p:last-child{margin:0}
.bot .bubble ul,.bot .bubble ol{margin:4px 0;padding-left:20px}
.bot .bubble img{max-width:100%;height:auto;border-radius:6px}
.votes{display:flex;gap:4px;margin-top:2px}
.votes button{padding:1px 8px;border:1px solid #d0d7de;border-radius:12px;font-size:13px;background:#fff}
.votes [aria-pressed=true]{border-color:var(--c,#1f6feb);background:#eef4ff}
.votes button:disabled{cursor:default}
.choices{display:flex;flex-direction:column;align-items:flex-start;gap:4px;margin-top:4px}
.choices button{padding:5px 12px;border:1px solid var(--c,#1f6feb);border-radius:14px;color:var(--c,#1f6feb);background:#fff;text-align:left}
.botbar{display:flex;justify-content:flex-end;padding:4px 8px 0;background:#fff}
.botbar button{padding:3px 12px;border:1px solid var(--c,#1f6feb);border-radius:14px;font-size:13px;color:var(--c,#1f6feb)}
@media (prefers-color-scheme:dark){
.votes button,.choices button{background:#21262d;border-color:#3d444d}
.botbar{background:#161b22}
}
`;

// What an answer may hold (the server's allow-list, docs/api.md): anything else keeps only its text.
const ALLOWED = {
  A: ['href', 'title'], IMG: ['src', 'alt', 'width', 'height'], BR: [], P: [], B: [], STRONG: [], I: [], EM: [],
  U: [], UL: [], OL: [], LI: [],
};
const DROPPED = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'TEXTAREA', 'TITLE', 'SVG', 'MATH', 'HEAD']);
const LINK = /^(https?:|mailto:|tel:)/i;
const IMAGE = /^https?:/i;

/**
 * Nodes of this document for an answer's (already sanitised) HTML, rebuilt through the allow-list:
 * parsed inert by DOMParser, never assigned as HTML, so nothing in it can run.
 */
export function safeNodes(html) {
  const parsed = new DOMParser().parseFromString(String(html), 'text/html');
  return rebuild(parsed.body);
}

function rebuild(from) {
  const out = [];
  for (const node of from.childNodes) {
    if (node.nodeType === 3) out.push(document.createTextNode(node.data));
    const tag = node.nodeType === 1 ? node.tagName.toUpperCase() : '';
    if (!tag || DROPPED.has(tag)) continue;
    const allowed = Object.hasOwn(ALLOWED, tag) ? ALLOWED[tag] : null;
    const children = rebuild(node);
    if (!allowed) {
      out.push(...children);
      continue;
    }
    const el = document.createElement(tag.toLowerCase());
    for (const name of allowed) {
      const value = node.getAttribute(name);
      if (value === null) continue;
      if (name === 'href' && !LINK.test(value.trim())) continue;
      if (name === 'src' && !IMAGE.test(value.trim())) continue;
      el.setAttribute(name, value);
    }
    if (el.tagName === 'A') {
      el.target = '_blank';
      el.rel = 'noopener noreferrer nofollow';
    }
    el.append(...children);
    out.push(el);
  }
  return out;
}

/**
 * `o`: {view, lang, delivery (its `conversation`), send(text) (as if typed), post(path, body) → Promise
 * (with the visitor's token), changed(conversation of an answer), leave() (the leave-a-message form)}.
 */
export async function createBot(o) {
  const t = translator((await import(`./lang-bot-${o.lang}.js`)).default);
  const { panel, compose } = o.view.parts;
  adoptStyles(panel.getRootNode(), CSS);
  const handover = h('button', { type: 'button', 'data-test': 'kefu-handover', text: t('handover'), onclick: toPerson });
  const bar = h('div', { class: 'botbar', hidden: true }, handover);
  compose.before(bar);

  async function toPerson() {
    const conversation = o.delivery.conversation;
    if (!conversation) return;
    handover.disabled = true;
    try {
      o.changed((await o.post('/api/widget/handover', { conversation_id: conversation.id })).conversation);
    } catch {
      o.view.notice(t('try_again'));
    } finally {
      handover.disabled = false;
    }
  }

  /** A 👍/👎 pair under an answer; one vote per answer (the server refuses a second: 409). */
  function votes(message) {
    const buttons = [1, -1].map((vote) => h('button', {
      type: 'button', 'data-test': vote === 1 ? 'kefu-vote-up' : 'kefu-vote-down', 'aria-pressed': 'false',
      'aria-label': t(vote === 1 ? 'helpful' : 'not_helpful'), text: vote === 1 ? '👍' : '👎',
      async onclick(event) {
        const button = event.currentTarget;
        buttons.forEach((b) => { b.disabled = true; });
        try {
          const answer = await o.post('/api/widget/vote', { message_id: message.id, vote });
          button.setAttribute('aria-pressed', 'true');
          o.changed(answer.conversation);
        } catch (err) {
          if (err.status === 409) return button.setAttribute('aria-pressed', 'true');
          buttons.forEach((b) => { b.disabled = false; });
          o.view.notice(t('try_again'));
        }
      },
    }));
    return h('div', { class: 'votes', role: 'group', 'aria-label': t('vote') }, ...buttons);
  }

  function choices(list) {
    const found = (Array.isArray(list) ? list : []).filter((c) => c && typeof c.question === 'string' && c.question).slice(0, 3);
    return h('div', { class: 'choices', 'data-test': 'kefu-choices' }, ...found.map((c) => h('button', {
      type: 'button', 'data-test': 'kefu-choice', text: c.question.slice(0, 200), onclick: () => o.send(c.question),
    })));
  }

  return {
    /** A bot message drawn by bubbles.js (its text): the answer's rich text, votes or choices added. */
    decorate(li, message, live) {
      const reply = message.bot || {};
      const bubble = li.querySelector('.bubble');
      if (!bubble || li.dataset.bot) return;
      li.dataset.bot = reply.action || '';
      if (reply.action === 'answer' && typeof reply.answer === 'string' && reply.answer) {
        bubble.replaceChildren(...safeNodes(reply.answer));
      }
      if (reply.action === 'answer' && reply.votable === true && Number.isInteger(message.id)) li.append(votes(message));
      if (reply.action === 'suggest') li.append(choices(reply.choices));
      if (reply.action === 'handover' && reply.agents_online === false && live) o.leave();
      o.view.settle();
    },
    /** The bot serves the chat (`on`): the way to a person stays in sight above the composer. */
    serving(on) {
      bar.hidden = !on;
    },
  };
}
