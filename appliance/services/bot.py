"""The answer bot: a visitor's message to an answer, suggestions or a hand-over, from the
site's company knowledge base read from the database. The widget's bot, the agents'
suggestions and `bench/bot_eval.py` all go through `answer` here."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from appliance.domain.kb import (
    Decision,
    Intent,
    KbEntry,
    Thresholds,
    decide,
    intent_of,
)
from appliance.services.context import Services
from appliance.services.kb_index import KbIndex
from appliance.services.kb_text import Lexicon
from appliance.storage import kb as store
from appliance.storage.database import Database

# Only the start of a long message is matched: an FAQ question is a sentence or two.
MATCHED_CHARS = 300
THRESHOLDS = Thresholds()


@dataclass(slots=True)
class _Cached:
    revision: int
    index: KbIndex
    by_site: dict[int, frozenset[int]]

    def allowed(self, site_id: int) -> frozenset[int]:
        found = self.by_site.get(site_id)
        if found is None:
            found = frozenset(e.id for e in self.index.entries
                              if e.site_id is None or e.site_id == site_id)
            self.by_site[site_id] = found
        return found


class IndexCache:
    """Each company's search index, rebuilt (off the event loop) when its revision moved."""

    def __init__(self) -> None:
        self._cached: dict[int, _Cached] = {}
        self._locks: dict[int, asyncio.Lock] = {}

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
            return cached


def _build(entries: list[KbEntry], groups: list[tuple[str, ...]]) -> KbIndex:
    return KbIndex([e for e in entries if e.enabled], Lexicon.build(groups))


_caches: weakref.WeakKeyDictionary[Database, IndexCache] = weakref.WeakKeyDictionary()


def index_cache(db: Database) -> IndexCache:
    cache = _caches.get(db)
    if cache is None:
        cache = _caches[db] = IndexCache()
    return cache


async def answer(svc: Services, site_id: int, text: str,
                 thresholds: Thresholds = THRESHOLDS) -> Decision:
    """What the bot does with `text` sent on `site_id`: answer with one entry, offer the
    top entries, hand over, or reply to small talk. Reads nothing but the knowledge base."""
    text = text[:MATCHED_CHARS]
    intent = intent_of(text)
    if intent is not Intent.QUESTION:
        return decide(intent, (), thresholds)
    company_id, revision = await svc.db.read(store.search_state, site_id)
    cached = await index_cache(svc.db).get(svc.db, company_id, revision)
    candidates, _ = cached.index.search(text, cached.allowed(site_id), limit=5)
    return decide(intent, candidates, thresholds)
