"""Knowledge-base entries and the bot's rules: what a visitor's message is (a question, a
request for a person, small talk) and whether the best entries are good enough to answer,
to offer as suggestions, or to hand over to a person."""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from appliance.domain import kb_lexicon as lex

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<\s*(?:br|/p|/li|/div|/h\d)\b[^>]*>", re.IGNORECASE)


def plain_text(rich: str) -> str:
    """The text of a (sanitised) rich answer, with line breaks where blocks end."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", rich))).strip()


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, English phrases to their Chinese terms."""
    text = unicodedata.normalize("NFKC", text).lower()
    for phrase, chinese in lex.ENGLISH_PHRASES.items():
        if phrase in text:
            text = text.replace(phrase, f" {chinese} ")
    return text


def compact(text: str) -> str:
    """Only letters and digits: for matching whole-message phrases (转人工!!, 在吗？)."""
    return "".join(ch for ch in normalise(text) if ch.isalnum())


@dataclass(frozen=True, slots=True)
class KbEntry:
    id: int
    company_id: int
    site_id: int | None  # None: every site of the company
    question: str
    answer: str  # sanitised HTML
    phrasings: tuple[str, ...] = ()
    category: str = ""
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def answer_text(self) -> str:
        return plain_text(self.answer)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry found for a message: its score and the share of the message's weight it
    matched (0..1)."""

    entry: KbEntry
    score: float
    coverage: float


class Intent(enum.StrEnum):
    QUESTION = "question"
    HANDOVER = "handover"      # the visitor asks for a person
    SMALL_TALK = "small_talk"  # greetings, thanks, "are you a bot?"
    EMPTY = "empty"


_SMALL_TALK = frozenset(lex.SMALL_TALK)
_FILLERS = ("亲亲", "亲", "您好", "你好", "在吗", "在么", "请问", "哈喽", "hi", "hello")


def intent_of(text: str) -> Intent:
    key = compact(text)
    if not key:
        return Intent.EMPTY
    if any(phrase in key for phrase in lex.HANDOVER_PHRASES):
        return Intent.HANDOVER
    if key in _SMALL_TALK or _only_fillers(key):
        return Intent.SMALL_TALK
    return Intent.QUESTION


def _only_fillers(key: str) -> bool:
    while key:
        for filler in _FILLERS:
            if key.startswith(filler):
                key = key[len(filler):]
                break
        else:
            return key in _SMALL_TALK or set(key) <= set("啊呀哈嘛呢吗哦嗯")
    return True


class Action(enum.StrEnum):
    ANSWER = "answer"      # one entry, confident
    SUGGEST = "suggest"    # "您是不是想问…": up to three entries to pick from
    HANDOVER = "handover"  # to a person (or "nobody could answer" when none is online)
    SMALL_TALK = "small_talk"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The bot answers when the best entry explains at least `answer` of the message's
    meaning and scores at least `min_score`; it offers the top entries from `suggest`; below,
    it hands over. Chosen on the tune half of the evaluation set (docs/benchmarks.md)."""

    answer: float = 0.05
    suggest: float = 0.02
    min_score: float = 0.95  # in units of the rarest term's weight (kb_index.py)
    suggestions: int = 3


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    candidates: tuple[Candidate, ...] = field(default=())
    confidence: float = 0.0
    intent: Intent = Intent.QUESTION

    @property
    def entry_id(self) -> int | None:
        """The entry answered with, or None (suggestions, hand-over, small talk)."""
        return self.candidates[0].entry.id if self.action is Action.ANSWER else None


def confidence(candidates: Sequence[Candidate]) -> float:
    """How much of the message the best candidate explains, 0..1."""
    return candidates[0].coverage if candidates else 0.0


def decide(intent: Intent, candidates: Sequence[Candidate], thresholds: Thresholds) -> Decision:
    if intent is Intent.HANDOVER or intent is Intent.EMPTY:
        return Decision(Action.HANDOVER, intent=intent)
    if intent is Intent.SMALL_TALK:
        return Decision(Action.SMALL_TALK, intent=intent)
    sure = confidence(candidates)
    score = candidates[0].score if candidates else 0.0
    top = tuple(candidates[: thresholds.suggestions])
    if sure >= thresholds.answer and score >= thresholds.min_score:
        return Decision(Action.ANSWER, (candidates[0],), sure)
    if sure >= thresholds.suggest and score >= thresholds.min_score / 2:
        return Decision(Action.SUGGEST, top, sure)
    return Decision(Action.HANDOVER, top, sure)


class BotMode(enum.StrEnum):
    OFF = "off"
    FIRST = "first"        # the bot answers first; the visitor can ask for a person any time
    OFFLINE = "offline"    # the bot answers only when no agent is online


@dataclass(frozen=True, slots=True)
class BotSettings:
    site_id: int
    mode: BotMode = BotMode.OFF
    name: str = ""  # shown with "(bot)"; empty: the widget's default "智能助理"


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    id: int
    company_id: int
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BotAnswer:
    """One bot reply to a visitor message, with the visitor's vote."""

    id: int
    site_id: int
    conversation_id: int | None
    question: str
    action: Action
    entry_ids: tuple[int, ...]
    vote: int | None
    created_at: datetime


class ImproveReason(enum.StrEnum):
    UNANSWERED = "unanswered"
    DOWNVOTED = "downvoted"


@dataclass(frozen=True, slots=True)
class ImproveItem:
    """A question in the "to improve" list."""

    id: int
    company_id: int
    site_id: int
    text: str
    reason: ImproveReason
    entry_id: int | None
    count: int
    created_at: datetime
    last_at: datetime
    resolved_at: datetime | None = None


def question_key(text: str) -> str:
    """The same question typed twice counts once in the "to improve" list."""
    return compact(text)[:200]
