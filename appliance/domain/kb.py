"""Knowledge-base entries and the bot's rules: what a visitor's message is (a question, a
request for a person, small talk) and whether the best entries are good enough to answer,
to offer as suggestions, or to hand over to a person."""

from __future__ import annotations

import enum
import html
import math
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
    """An entry found for a message: its score, the share of the message's weight it
    matched (0..1), whether it asks what the message asks (`facet`: +1 the same facet, -1 a
    facet it neither asks nor answers, 0 can't tell; kb_facets.py) and the share of the
    entry's own question the message matched (`reach`, 0..1), the weight of the rarest
    word of the message the entry lacks (`missing`, 0..1: 1 for a word no entry has), and,
    when the optional re-ranking model is on, the cosine similarity of the two
    (`similarity`; 0 without the model; services/kb_model.py)."""

    entry: KbEntry
    score: float
    coverage: float
    facet: int = 0
    reach: float = 0.0
    missing: float = 0.0
    similarity: float = 0.0


class Intent(enum.StrEnum):
    QUESTION = "question"
    HANDOVER = "handover"      # the visitor asks for a person
    SMALL_TALK = "small_talk"  # greetings, thanks, "are you a bot?"
    EMPTY = "empty"


_SMALL_TALK = frozenset(lex.SMALL_TALK)
_CHAT = tuple(re.compile(p) for p in lex.SMALL_TALK_PATTERNS)
_FILLERS = ("亲亲", "亲", "您好", "你好", "在吗", "在么", "请问", "哈喽", "hi", "hello")


def intent_of(text: str) -> Intent:
    key = compact(text)
    if not key:
        return Intent.EMPTY
    if any(phrase in key for phrase in lex.HANDOVER_PHRASES):
        return Intent.HANDOVER
    if any(phrase in key for phrase in lex.COMPLAINT_PHRASES):
        return Intent.HANDOVER  # an unhappy visitor gets a person, not an FAQ entry
    if key in _SMALL_TALK or _only_fillers(key) or any(p.search(key) for p in _CHAT):
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
    """How the bot ranks and decides. Candidates are re-ranked by their score, raised when
    the entry asks the message's facet and lowered when it cannot answer it; the bot answers
    when the best one's confidence (coverage, its lead over the next one, facet agreement and
    reach) is at least `answer` and its score at least `min_score`; it offers the top
    entries from `suggest`; below, it hands over. Chosen on the evaluation set with each
    site left out in turn (docs/benchmarks.md)."""

    answer: float = 0.23
    suggest: float = 0.14
    min_score: float = 1.0  # in units of the rarest term's weight (kb_index.py)
    suggestions: int = 3
    facet_bonus: float = 0.3     # × score when the entry asks the message's facet
    facet_penalty: float = 0.0   # × score when it neither asks nor answers it
    reach_weight: float = 0.5    # score × (1 + reach_weight × reach)
    margin_weight: float = 0.2   # confidence: + margin_weight × lead over the second
    facet_weight: float = 0.0    # confidence: + facet_weight × facet agreement
    score_weight: float = 0.05   # confidence: + score_weight × ln(1 + score)
    reach_confidence: float = 0.3  # confidence: + reach_confidence × reach
    missing_weight: float = 0.0  # confidence: − missing_weight × the rarest word it lacks
    # Near-tie: when the second candidate's ranking score is within this share of the best
    # one's, offer the top entries instead of answering (0: off; measured, docs/benchmarks.md).
    tie_margin: float = 0.0
    # With the optional re-ranking model: candidates rank by their adjusted score over the
    # best one's plus `dense_weight` × similarity, and the lead in `confidence` is taken on
    # that key; `dense_confidence` × the best one's similarity adds to the confidence.
    # Both 0 without the model (the shipped settings for it: services/bot.py).
    dense_weight: float = 0.0
    dense_confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    candidates: tuple[Candidate, ...] = field(default=())
    confidence: float = 0.0
    intent: Intent = Intent.QUESTION
    # The best entries it weighed (up to `Thresholds.suggestions`), best first, whatever it
    # did with them: what the console's preview shows beside an answer.
    considered: tuple[Candidate, ...] = field(default=())

    @property
    def entry_id(self) -> int | None:
        """The entry answered with, or None (suggestions, hand-over, small talk)."""
        return self.candidates[0].entry.id if self.action is Action.ANSWER else None


def adjusted(candidate: Candidate, thresholds: Thresholds) -> float:
    """A candidate's score for ranking: its match score weighed by facet agreement and by
    how much of the entry's question the message covers."""
    factor = 1.0 + thresholds.reach_weight * candidate.reach
    if candidate.facet > 0:
        factor *= 1.0 + thresholds.facet_bonus
    elif candidate.facet < 0:
        factor *= max(0.0, 1.0 - thresholds.facet_penalty)
    return candidate.score * factor


def _keys(candidates: Sequence[Candidate], thresholds: Thresholds) -> list[float]:
    """Each candidate's ranking key: its adjusted score, or with the re-ranking model that
    score over the best one's (0..1) plus `dense_weight` × its similarity."""
    scores = [adjusted(c, thresholds) for c in candidates]
    if thresholds.dense_weight <= 0:
        return scores
    top = max(scores, default=0.0) or 1.0
    return [s / top + thresholds.dense_weight * c.similarity
            for s, c in zip(scores, candidates, strict=True)]


def rank(candidates: Sequence[Candidate], thresholds: Thresholds) -> list[Candidate]:
    keys = _keys(candidates, thresholds)
    order = sorted(range(len(candidates)), key=keys.__getitem__, reverse=True)
    return [candidates[i] for i in order]


def confidence(ranked: Sequence[Candidate], thresholds: Thresholds = Thresholds()) -> float:
    """How sure the bot is of the best candidate: the share of the message it explains,
    plus, weighed, its lead over the second one, its facet agreement, its score and its
    reach, less the rarest word of the message it lacks."""
    if not ranked:
        return 0.0
    best = ranked[0]
    sure = (best.coverage + thresholds.facet_weight * best.facet
            + thresholds.score_weight * math.log1p(max(0.0, best.score))
            + thresholds.reach_confidence * best.reach
            - thresholds.missing_weight * best.missing
            + thresholds.dense_confidence * best.similarity)
    if thresholds.margin_weight:
        if thresholds.dense_weight > 0:  # the lead on the combined key (already 0..1-scaled)
            keys = [*_keys(ranked, thresholds), 0.0]
            sure += thresholds.margin_weight * (keys[0] - keys[1])
        else:
            top = adjusted(best, thresholds)
            second = adjusted(ranked[1], thresholds) if len(ranked) > 1 else 0.0
            sure += thresholds.margin_weight * ((top - second) / top if top > 0 else 0.0)
    return sure


def tied(ranked: Sequence[Candidate], thresholds: Thresholds) -> bool:
    """Whether the two best candidates are too close to pick one (`Thresholds.tie_margin`)."""
    if thresholds.tie_margin <= 0 or len(ranked) < 2:
        return False
    top = adjusted(ranked[0], thresholds)
    return top > 0 and (top - adjusted(ranked[1], thresholds)) / top < thresholds.tie_margin


def decide(intent: Intent, candidates: Sequence[Candidate], thresholds: Thresholds) -> Decision:
    if intent is Intent.HANDOVER or intent is Intent.EMPTY:
        return Decision(Action.HANDOVER, intent=intent)
    if intent is Intent.SMALL_TALK:
        return Decision(Action.SMALL_TALK, intent=intent)
    ranked = rank(candidates, thresholds)
    sure = confidence(ranked, thresholds)
    score = ranked[0].score if ranked else 0.0
    top = tuple(ranked[: thresholds.suggestions])
    if sure >= thresholds.answer and score >= thresholds.min_score and not tied(ranked, thresholds):
        return Decision(Action.ANSWER, (ranked[0],), sure, considered=top)
    if sure >= thresholds.suggest and score >= thresholds.min_score / 2:
        return Decision(Action.SUGGEST, top, sure, considered=top)
    return Decision(Action.HANDOVER, top, sure, considered=top)


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


QUESTION_KEPT = 200  # how much of a question the "to improve" list keeps


def question_key(text: str) -> str:
    """The same question typed twice counts once in the "to improve" list."""
    return compact(text)[:200]
