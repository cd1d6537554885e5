"""The answer bot in a visitor's conversation: what it says for each decision, when it hands
the chat to a person, and how its replies are stored (pure rules; services/bot_chat.py acts)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from appliance.domain.bot_llm import ModelAnswer
from appliance.domain.conversations import BotReply
from appliance.domain.kb import Action, Decision, Intent, compact

ANSWER, SUGGEST, SMALL_TALK, UNANSWERED, HANDOVER = (
    "answer", "suggest", "small_talk", "unanswered", "handover")
REPLY_ACTIONS = (ANSWER, SUGGEST, SMALL_TALK, UNANSWERED, HANDOVER)
FAILED = (SUGGEST, UNANSWERED)  # a reply that did not answer the question
FAILURES_BEFORE_HANDOVER = 2  # failed replies in a row, then a person takes over

# Why the bot handed a chat over (conversation.handover_reason).
ASKED = "asked"            # the visitor asked for a person (in words or with the button)
FAILURES = "failures"      # two failed replies in a row
DOWNVOTED = "downvoted"    # a 👎 on one of its answers
ATTACHMENT = "attachment"  # an image or a file: the bot reads only text
AGENT = "agent"            # an agent wrote in the chat (took it over)
TURNED_OFF = "bot_off"     # the site's bot was turned off while it served the chat
HANDOVER_REASONS = (ASKED, FAILURES, DOWNVOTED, ATTACHMENT, AGENT, TURNED_OFF)
# conversation.bot_outcome: the bot served the chat (and still does, or it was closed by a
# person), handed it to people, or served it until its visitor left (closed automatically).
SERVED, HANDED_OVER, LEFT = "served", "handed_over", "left"

DEFAULT_NAMES = {"zh-CN": "智能助理", "en": "Assistant"}
_TEXTS = {
    "zh-CN": {
        "greeting": "您好！我是{name}，请直接描述您的问题。需要人工服务时，点击「转人工」即可。",
        "thanks": "不客气！还有其他问题随时问我。",
        "suggest": "您是不是想问：",
        "unanswered": "抱歉，这个问题我暂时回答不了。您可以换个说法再问，或点击「转人工」。",
        "handover": "好的，正在为您转接人工客服，请稍候…",
        "handover_failures": "抱歉没能帮到您，正在为您转接人工客服，请稍候…",
        "handover_attachment": "收到您的文件，正在为您转接人工客服，请稍候…",
        "nobody": "现在没有客服在线。请留下您的联系方式和问题，我们会尽快回复您。",
    },
    "en": {
        "greeting": "Hello! I'm {name}. Just ask your question; tap \"Talk to a person\" "
                    "any time for a person.",
        "thanks": "You're welcome! Ask me anything else.",
        "suggest": "Did you mean:",
        "unanswered": "Sorry, I can't answer that yet. Try asking in other words, or tap "
                      "\"Talk to a person\".",
        "handover": "OK, connecting you to a person, please wait…",
        "handover_failures": "Sorry I couldn't help. Connecting you to a person, please wait…",
        "handover_attachment": "Got your file. Connecting you to a person, please wait…",
        "nobody": "Nobody is online right now. Leave your contact details and question and "
                  "we'll get back to you soon.",
    },
}


def bot_name(name: str, language: str) -> str:
    return name or DEFAULT_NAMES.get(language, DEFAULT_NAMES["zh-CN"])


def _text(language: str, key: str, **params: str) -> str:
    texts = _TEXTS.get(language, _TEXTS["zh-CN"])
    return texts[key].format(**params)


def failures_in_a_row(previous: Sequence[str]) -> int:
    """How many of the bot's latest replies (newest first) failed, in a row; small talk
    neither counts nor breaks the run, anything else (an answer) ends it."""
    count = 0
    for action in previous:
        if action == SMALL_TALK:
            continue
        if action not in FAILED:
            break
        count += 1
    return count


def reply_action(decision: Decision) -> str:
    """What the bot's reply to a question does: answer, offer, chat, or say it cannot (a
    request for a person is a hand-over: `wants_person`)."""
    if decision.action is Action.ANSWER:
        return ANSWER
    if decision.action is Action.SUGGEST:
        return SUGGEST
    if decision.action is Action.SMALL_TALK:
        return SMALL_TALK
    return UNANSWERED


def wants_person(decision: Decision) -> bool:
    return decision.intent is Intent.HANDOVER


def reply_body(action: str, decision: Decision | None, text: str, name: str,
               language: str) -> str:
    """The plain text of a reply (what agents, transcripts and search see)."""
    if action == ANSWER and decision is not None:
        return decision.candidates[0].entry.answer_text or decision.candidates[0].entry.question
    if action == SUGGEST and decision is not None:
        lines = [f"{i}. {c.entry.question}" for i, c in enumerate(decision.candidates, 1)]
        return "\n".join([_text(language, "suggest"), *lines])
    if action == SMALL_TALK:
        key = compact(text)
        thanks = "谢" in key or "thank" in key or "感谢" in key
        return _text(language, "thanks" if thanks else "greeting", name=name)
    return _text(language, "unanswered")


def handover_body(reason: str, agents_online: bool | None, language: str) -> str:
    if agents_online is False:
        return _text(language, "nobody")
    key = {FAILURES: "handover_failures", ATTACHMENT: "handover_attachment"}.get(
        reason, "handover")
    return _text(language, key)


def reply_of(action: str, decision: Decision | None, answer_id: int | None) -> BotReply:
    confidence = None if decision is None else round(decision.confidence, 3)
    if action == ANSWER and decision is not None:
        entry = decision.candidates[0].entry
        return BotReply(ANSWER, answer_id, entry.id, entry.answer, confidence=confidence)
    if action == SUGGEST and decision is not None:
        return BotReply(SUGGEST, answer_id, choices=tuple(
            (c.entry.id, c.entry.question) for c in decision.candidates),
            confidence=confidence)
    return BotReply(action, answer_id)


def model_reply_of(model: ModelAnswer, decision: Decision, answer_id: int) -> BotReply:
    """An answer worded by the company's model endpoint: shown to the visitor as the plain
    text of the message (`answer` stays empty: nothing from the model is ever HTML); the
    first entry cited takes a 👎, and agents see every entry cited."""
    return BotReply(ANSWER, answer_id, model.entry_ids[0], "",
                    confidence=round(decision.confidence, 3), sources=model.sources)


def chosen_entry(text: str, reply: BotReply | None) -> int | None:
    """The entry a visitor picked from the bot's last suggestions (tapping one sends its
    question; typing it counts the same)."""
    if reply is None or reply.action != SUGGEST:
        return None
    key = compact(text)
    for entry_id, question in reply.choices:
        if key and compact(question) == key:
            return entry_id
    return None


# -- storage form (message.bot) --------------------------------------------------------------

def reply_to_json(reply: BotReply) -> str:
    return json.dumps({"action": reply.action, "answer_id": reply.answer_id,
                       "entry_id": reply.entry_id, "answer": reply.answer,
                       "choices": [list(c) for c in reply.choices],
                       "agents_online": reply.agents_online,
                       "confidence": reply.confidence,
                       "sources": [list(c) for c in reply.sources]}, ensure_ascii=False)


def reply_from_json(text: str | None) -> BotReply | None:
    if not text:
        return None
    data: dict[str, Any] = json.loads(text)
    return BotReply(action=str(data["action"]), answer_id=data.get("answer_id"),
                    entry_id=data.get("entry_id"), answer=str(data.get("answer") or ""),
                    choices=tuple((int(e), str(q)) for e, q in data.get("choices") or ()),
                    agents_online=data.get("agents_online"),
                    confidence=data.get("confidence"),
                    sources=tuple((int(e), str(q)) for e, q in data.get("sources") or ()))
