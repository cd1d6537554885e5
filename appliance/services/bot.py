"""The answer bot: a visitor's message to an answer, suggestions or a hand-over, from the
site's company knowledge base read from the database. The widget's bot, the agents'
suggestions and `bench/bot_eval.py` all go through `answer` here (the widget's bot through
`prepare_with_model`, which adds the company's optional model endpoint, services/bot_llm.py)."""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from appliance.domain.bot_llm import LlmSettings, Source
from appliance.domain.errors import Conflict, Invalid, NotFound
from appliance.domain.kb import (
    QUESTION_KEPT,
    Action,
    BotAnswer,
    BotSettings,
    Candidate,
    Decision,
    ImproveReason,
    Intent,
    KbEntry,
    Thresholds,
    decide,
    intent_of,
    rank,
)
from appliance.services import bot_llm, kb_model
from appliance.services.context import Services
from appliance.services.kb_index import KbIndex
from appliance.services.kb_model import KbModel
from appliance.services.kb_text import Lexicon
from appliance.storage import kb as store
from appliance.storage.database import Database

# Only the start of a long message is matched: an FAQ question is a sentence or two.
MATCHED_CHARS = 300
THRESHOLDS = Thresholds()
# With the optional re-ranking model (`bot_model`): chosen the same way, on the same set
# (docs/benchmarks.md, "The optional re-ranking model").
THRESHOLDS_WITH_MODEL = replace(THRESHOLDS, answer=7.89, suggest=4.73, min_score=0.0,
                                margin_weight=0.0, score_weight=0.05, reach_confidence=0.3,
                                missing_weight=0.1, dense_weight=50.0, dense_confidence=9.0)
CONSIDERED = 10  # entries re-ranked by the bot's decision (domain/kb.py: rank)
log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Cached:
    revision: int
    index: KbIndex
    by_site: dict[int, frozenset[int]]
    vectors: Any = None  # the re-ranking model's, one row per index entry (or None)
    numbers: dict[int, Any] = field(default_factory=dict)  # site: its entries' rows
    positions: dict[int, int] = field(default_factory=dict)  # entry id: its row

    def allowed(self, site_id: int) -> frozenset[int]:
        found = self.by_site.get(site_id)
        if found is None:
            found = frozenset(e.id for e in self.index.entries
                              if e.site_id is None or e.site_id == site_id)
            self.by_site[site_id] = found
        return found

    def position(self, entry_id: int) -> int:
        if not self.positions:
            self.positions = {e.id: n for n, e in enumerate(self.index.entries)}
        return self.positions[entry_id]

    def rows(self, site_id: int) -> Any:
        """The rows of `vectors` of the entries `site_id` may answer with."""
        found = self.numbers.get(site_id)
        if found is None:
            allowed = self.allowed(site_id)
            found = self.numbers[site_id] = kb_model.rows(
                [n for n, e in enumerate(self.index.entries) if e.id in allowed])
        return found


class IndexCache:
    """Each company's search index, rebuilt (off the event loop) when its revision moved.
    With the re-ranking model, the entries' vectors are made after the index, in the
    background: until they are ready the bot answers by words alone."""

    def __init__(self, model: KbModel | None = None) -> None:
        self._cached: dict[int, _Cached] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._embedding: dict[int, asyncio.Task[None]] = {}
        # One knowledge base embedded at a time, waiting here rather than in a thread of the
        # loop's executor (which the bot's questions and index builds need too).
        self._embedding_turn = asyncio.Lock()
        self.model = model or KbModel()

    async def get(self, db: Database, company_id: int, revision: int) -> _Cached:
        cached = self._cached.get(company_id)
        if cached is not None and cached.revision == revision:
            return cached
        lock = self._locks.setdefault(company_id, asyncio.Lock())
        async with lock:
            cached = self._cached.get(company_id)
            if cached is not None and cached.revision == revision:
                return cached
            revision, entries = await db.read(store.company_entries, company_id)
            groups = await db.read(store.list_synonyms, company_id)
            index = await asyncio.to_thread(_build, entries, [g.terms for g in groups])
            cached = _Cached(revision, index, {})
            self._cached[company_id] = cached
            if self.model.on:
                self._embedding[company_id] = asyncio.get_running_loop().create_task(
                    self._embed(company_id, cached))
            return cached

    async def _embed(self, company_id: int, cached: _Cached) -> None:
        async with self._embedding_turn:
            if self._cached.get(company_id) is not cached:
                return  # the knowledge base changed again meanwhile: only the newest counts
            try:
                cached.vectors = await asyncio.to_thread(
                    self.model.vectors, cached.index.entries, company_id)
            except kb_model.Stopping:
                pass
            except Exception:
                log.exception("the re-ranking model could not embed company %d's entries; "
                              "the bot answers by words alone", company_id)

    async def ready(self, db: Database, company_id: int, revision: int) -> _Cached:
        """`get`, once the entries' vectors are made too (tests, benchmarks, warm-up)."""
        cached = await self.get(db, company_id, revision)
        task = self._embedding.get(company_id)
        if task is not None:
            await asyncio.shield(task)
        return cached


def _build(entries: list[KbEntry], groups: list[tuple[str, ...]]) -> KbIndex:
    return KbIndex([e for e in entries if e.enabled], Lexicon.build(groups))


_caches: weakref.WeakKeyDictionary[Database, IndexCache] = weakref.WeakKeyDictionary()


def index_cache(db: Database, model: KbModel | None = None) -> IndexCache:
    """The database's index cache; `model` (the re-ranking model, once, at start) sets the
    model its indexes are built with."""
    cache = _caches.get(db)
    if cache is None:
        cache = _caches[db] = IndexCache(model)
    elif model is not None and model is not cache.model:
        cache._cached.clear()
        cache.model = model
    return cache


# Every visitor message asks for its site's bot: kept in memory (one process, and every change
# goes through `settings_saved`), so a site without the bot costs its messages no read.
_settings: weakref.WeakKeyDictionary[Database, dict[int, BotSettings]] = (
    weakref.WeakKeyDictionary())


async def settings_of(svc: Services, site_id: int) -> BotSettings:
    known = _settings.setdefault(svc.db, {})
    found = known.get(site_id)
    if found is None:
        found = known[site_id] = await svc.db.read(store.bot_settings, site_id)
    return found


def settings_saved(db: Database, settings: BotSettings) -> None:
    _settings.setdefault(db, {})[settings.site_id] = settings


async def _considered(svc: Services, site_id: int,
                      text: str) -> tuple[int | None, Intent, list[Candidate]]:
    text = text[:MATCHED_CHARS]
    intent = intent_of(text)
    if intent is not Intent.QUESTION:
        return None, intent, []
    company_id, revision = await svc.db.read(store.search_state, site_id)
    cache = index_cache(svc.db)
    cached = await cache.get(svc.db, company_id, revision)
    if cached.vectors is None:
        candidates, _ = cached.index.search(text, cached.allowed(site_id), limit=CONSIDERED)
        return company_id, intent, candidates
    # The re-ranking model: the message's vector (off the loop: ~10 ms of C that releases the
    # interpreter), the entries most like it weighed beside the best lexical matches.
    query = await asyncio.to_thread(cache.model.query, text)
    similarity = kb_model.similarities(cached.vectors, query)
    closest = kb_model.best_of(similarity, cached.rows(site_id), kb_model.ADDED)
    candidates, _ = cached.index.search(text, cached.allowed(site_id), limit=CONSIDERED,
                                        include=closest)
    return company_id, intent, [
        replace(c, similarity=float(similarity[cached.position(c.entry.id)]))
        for c in candidates]


async def consider(svc: Services, site_id: int, text: str) -> tuple[Intent, list[Candidate]]:
    """What `text` sent on `site_id` is, and the entries that could answer it (best match
    first, before the bot's re-ranking)."""
    _, intent, candidates = await _considered(svc, site_id, text)
    return intent, candidates


async def answer(svc: Services, site_id: int, text: str,
                 thresholds: Thresholds | None = None, *, listing: int = 0) -> Decision:
    """What the bot does with `text` sent on `site_id`: answer with one entry, offer the
    top entries, hand over, or reply to small talk. Reads nothing but the knowledge base.
    `listing`: never answer, list the best `listing` entries whatever the confidence (the
    agents' suggestions)."""
    intent, candidates = await consider(svc, site_id, text)
    thresholds = thresholds or shipped(candidates)
    if listing:
        thresholds = replace(thresholds, answer=math.inf, suggest=-1.0, min_score=-1.0,
                             suggestions=listing)
    return decide(intent, candidates, thresholds)


def shipped(candidates: list[Candidate]) -> Thresholds:
    """The bot's settings for these candidates: those chosen for the re-ranking model when
    it weighed them (it is on and the entries' vectors are ready)."""
    return THRESHOLDS_WITH_MODEL if any(c.similarity for c in candidates) else THRESHOLDS


async def warm(svc: Services, site_id: int) -> None:
    """Build the site's company index now, and with the re-ranking model wait for its
    entries' vectors (tests, benchmarks)."""
    company_id, revision = await svc.db.read(store.search_state, site_id)
    await index_cache(svc.db).ready(svc.db, company_id, revision)


def plausible(candidates: list[Candidate], thresholds: Thresholds,
              limit: int) -> list[Candidate]:
    """The entries worth giving the model: ranked as the bot ranks them, with at least the
    score the bot needs to offer an entry."""
    return [c for c in rank(candidates, thresholds)
            if c.score >= thresholds.min_score / 2][:limit]


@dataclass(frozen=True, slots=True)
class ModelCall:
    """A call to the company's model endpoint, prepared (the entries worth giving it) but
    not made: the widget's bot makes it after the visitor's message is stored and
    acknowledged (services/bot_chat.py)."""

    settings: LlmSettings
    text: str
    sources: tuple[Source, ...]

    async def ask(self) -> bot_llm.Outcome:
        return await bot_llm.ask(self.settings, self.text, self.sources)


async def prepare_with_model(svc: Services, site_id: int, text: str,
                             thresholds: Thresholds | None = None,
                             llm: LlmSettings | None = None,
                             ) -> tuple[Decision, ModelCall | None]:
    """`answer`, and when the company's model endpoint is on (or `llm` is given) and some
    entry is plausible, the call to make to it (None: the model is not asked)."""
    company_id, intent, candidates = await _considered(svc, site_id, text)
    thresholds = thresholds or shipped(candidates)
    decision = decide(intent, candidates, thresholds)
    if company_id is None:
        return decision, None
    settings = llm if llm is not None else await bot_llm.settings_of(svc, company_id)
    if not settings.usable:
        return decision, None
    given = plausible(candidates, thresholds, settings.max_entries)
    if not given:
        return decision, None
    sources = tuple(Source(c.entry.id, c.entry.question, c.entry.answer_text) for c in given)
    return decision, ModelCall(settings, text, sources)


async def answer_with_model(svc: Services, site_id: int, text: str,
                            thresholds: Thresholds | None = None,
                            llm: LlmSettings | None = None,
                            ) -> tuple[Decision, bot_llm.Outcome | None]:
    """`prepare_with_model` and the call made at once: the model's answer from the
    plausible entries (an `Outcome`: `answered` with its text and cited entries, or why
    not; None when no call was made). `bench/bot_eval.py --llm` goes through here; the
    widget's bot prepares the same call and makes it after the visitor's `ack`."""
    decision, call = await prepare_with_model(svc, site_id, text, thresholds, llm)
    return decision, None if call is None else await call.ask()


# -- the bot in a conversation --------------------------------------------------------------

async def check_ask(svc: Services, site_id: int, conversation_id: int | None,
                    text: str) -> tuple[Decision, BotAnswer]:
    """The bot's reply to a visitor's message, recorded so that the visitor can vote on it;
    a question it could not answer joins the site's "to improve" list, in the same
    transaction."""
    decision = await answer(svc, site_id, text)
    entry_ids = [c.entry.id for c in decision.candidates]
    now = svc.now()
    unanswered = decision.action is not Action.ANSWER and decision.intent is Intent.QUESTION

    return decision, await svc.db.write(_log_answer_job, site_id, conversation_id, text,
                                        decision.action, entry_ids, unanswered, now)


async def check_vote(svc: Services, site_id: int, answer_id: int, vote: object) -> BotAnswer:
    """👍 (1) or 👎 (-1) on one of the bot's answers on `site_id`; a 👎 puts the question
    in the "to improve" list with the entry it got."""
    if vote not in (1, -1) or isinstance(vote, bool):
        raise Invalid("vote must be 1 or -1", field="vote")
    found = await svc.db.read(store.get_answer, answer_id)
    if found.site_id != site_id:
        raise NotFound("No such bot answer")
    if found.action is not Action.ANSWER:
        raise Invalid("Only answers can be voted on", field="answer_id")
    if found.vote is not None:
        raise Conflict("This answer was already voted on")
    now = svc.now()

    return await svc.db.write(_vote_job, site_id, answer_id, vote, found, now)


def _log_answer_job(site_id: int, conversation_id: int | None, text: str, action: Action,
                    entry_ids: list[int], unanswered: bool, now: datetime) -> BotAnswer:
    company_id, _ = store.search_state(site_id)
    logged = store.log_answer(site_id, conversation_id, text[:MATCHED_CHARS],
                              action, entry_ids, now)
    if unanswered:
        store.note_question(company_id, site_id, text[:QUESTION_KEPT],
                            ImproveReason.UNANSWERED, None, now)
    return logged


def _vote_job(site_id: int, answer_id: int, vote: int, found: BotAnswer,
              now: datetime) -> BotAnswer:
    voted = store.set_vote(answer_id, 1 if vote == 1 else -1)
    if vote == -1:
        company_id, _ = store.search_state(site_id)
        store.note_question(company_id, site_id, found.question[:QUESTION_KEPT],
                            ImproveReason.DOWNVOTED,
                            found.entry_ids[0] if found.entry_ids else None, now)
    return voted
