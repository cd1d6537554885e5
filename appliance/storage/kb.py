"""The knowledge base and the bot's records: queries and changes, run on the database
threads. Every change to entries or synonyms bumps the company's revision in the same
transaction, so a cached search index is never older than what committed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.bot_llm import LlmSettings
from appliance.domain.errors import Conflict, Invalid, NotFound
from appliance.domain.kb import (
    Action,
    BotAnswer,
    BotMode,
    BotSettings,
    ImproveItem,
    ImproveReason,
    KbEntry,
    SynonymGroup,
    plain_text,
    question_key,
)
from appliance.storage.tables import (
    BotAnswerRow,
    BotLlmSettingsRow,
    BotSettingsRow,
    KbEntryRow,
    KbQuestionRow,
    KbRevisionRow,
    KbSynonymRow,
    SiteRow,
)


def _entry(row: KbEntryRow) -> KbEntry:
    return KbEntry(id=row.id, company_id=row.company_id, site_id=row.site_id,
                   question=row.question, answer=row.answer,
                   phrasings=tuple(json.loads(row.phrasings)), category=row.category,
                   enabled=bool(row.enabled), created_at=row.created_at,
                   updated_at=row.updated_at)


def revision(company_id: int) -> int:
    row = KbRevisionRow.get_or_none(KbRevisionRow.company == company_id)
    return 0 if row is None else int(row.revision)


def _bump(company_id: int) -> None:
    KbRevisionRow.insert(company=company_id, revision=1).on_conflict(
        conflict_target=[KbRevisionRow.company],
        update={KbRevisionRow.revision: KbRevisionRow.revision + 1}).execute()


# -- entries --------------------------------------------------------------------------------

def company_entries(company_id: int) -> tuple[int, list[KbEntry]]:
    """The revision and every entry of a company (for building the search index)."""
    query = KbEntryRow.select().where(KbEntryRow.company == company_id).order_by(KbEntryRow.id)
    return revision(company_id), [_entry(r) for r in query]


def list_entries(company_id: int, *, site_id: int | None = None, text: str = "",
                 category: str | None = None, offset: int = 0,
                 limit: int = 50) -> tuple[int, list[KbEntry]]:
    """A page of a company's entries (those of `site_id` and the company-wide ones when
    given), with the total count."""
    where = KbEntryRow.company == company_id
    if site_id is not None:
        where &= KbEntryRow.site.is_null() | (KbEntryRow.site == site_id)
    if category is not None:
        where &= KbEntryRow.category == category
    if text:
        # contains() escapes LIKE's % and _ (and the escape character): user text is
        # matched as it is, never as a pattern. The answer is matched by its visible text:
        # its markup (tag and attribute names, addresses, entities) finds nothing.
        where &= (KbEntryRow.question.contains(text) | _has_phrasing_with(text)
                  | KbEntryRow.answer_text.contains(text))
    query = KbEntryRow.select().where(where)
    total = query.count()
    rows = query.order_by(KbEntryRow.id).offset(offset).limit(limit)
    return total, [_entry(r) for r in rows]


def _has_phrasing_with(text: str) -> pw.Node:
    """A phrasing contains `text` (matched in the decoded list, not in its JSON: `[`, `"` or
    `,` match only phrasings that have them), escaped as contains() escapes."""
    escaped = text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return pw.NodeList((
        pw.SQL("EXISTS (SELECT 1 FROM json_each("), KbEntryRow.phrasings,
        pw.SQL(") WHERE value LIKE"), pw.Value(f"%{escaped}%", converter=False),
        pw.SQL("ESCAPE '\\')")))


def get_entry(entry_id: int) -> KbEntry:
    row = KbEntryRow.get_or_none(KbEntryRow.id == entry_id)
    if row is None:
        raise NotFound("No such knowledge-base entry")
    return _entry(row)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    columns = dict(fields)
    if "phrasings" in columns:
        columns["phrasings"] = json.dumps(list(columns["phrasings"]), ensure_ascii=False)
    if "site_id" in columns:
        columns["site"] = columns.pop("site_id")
    if "answer" in columns:
        columns["answer_text"] = plain_text(columns["answer"])
    return columns


def create_entries(company_id: int, items: Sequence[dict[str, Any]], now: datetime) -> list[int]:
    """Insert entries (already validated); one revision bump for all of them."""
    ids = []
    for fields in items:
        row = KbEntryRow.create(company=company_id, created_at=now, updated_at=now,
                                **_columns(fields))
        ids.append(row.id)
    _bump(company_id)
    return ids


def update_entry(entry_id: int, fields: dict[str, Any], now: datetime) -> KbEntry:
    entry = get_entry(entry_id)
    KbEntryRow.update(updated_at=now, **_columns(fields)).where(
        KbEntryRow.id == entry_id).execute()
    _bump(entry.company_id)
    return get_entry(entry_id)


def delete_entry(entry_id: int) -> None:
    entry = get_entry(entry_id)
    KbEntryRow.delete().where(KbEntryRow.id == entry_id).execute()
    _forget_voted_entries(KbQuestionRow.entry_id == entry_id)
    _bump(entry.company_id)


def delete_company_entries(company_id: int) -> int:
    """Remove every entry of a company (an import that replaces the knowledge base)."""
    count = KbEntryRow.delete().where(KbEntryRow.company == company_id).execute()
    _forget_voted_entries(KbQuestionRow.company == company_id)
    _bump(company_id)
    return int(count)


def _forget_voted_entries(where: Any) -> None:
    """The "to improve" list's questions no longer name a deleted entry as the one voted down
    (its id is never given again: migration 21)."""
    KbQuestionRow.update(entry_id=None).where(where & KbQuestionRow.entry_id.is_null(False)
                                              ).execute()


def categories(company_id: int, site_ids: Sequence[int] | None = None) -> list[str]:
    """The categories in use; with `site_ids`, only those of company-wide entries and of
    those sites' entries."""
    where = (KbEntryRow.company == company_id) & (KbEntryRow.category != "")
    if site_ids is not None:
        where &= KbEntryRow.site.is_null() | KbEntryRow.site.in_(list(site_ids))
    query = (KbEntryRow.select(KbEntryRow.category).distinct().where(where)
             .order_by(KbEntryRow.category))
    return [r.category for r in query]


# -- synonyms -------------------------------------------------------------------------------

def _synonym(row: KbSynonymRow) -> SynonymGroup:
    return SynonymGroup(id=row.id, company_id=row.company_id, terms=tuple(json.loads(row.terms)))


def list_synonyms(company_id: int) -> list[SynonymGroup]:
    query = KbSynonymRow.select().where(KbSynonymRow.company == company_id)
    return [_synonym(r) for r in query.order_by(KbSynonymRow.id)]


def get_synonym(group_id: int) -> SynonymGroup:
    row = KbSynonymRow.get_or_none(KbSynonymRow.id == group_id)
    if row is None:
        raise NotFound("No such synonym group")
    return _synonym(row)


def create_synonym(company_id: int, terms: tuple[str, ...], now: datetime) -> SynonymGroup:
    row = KbSynonymRow.create(company=company_id, created_at=now,
                              terms=json.dumps(list(terms), ensure_ascii=False))
    _bump(company_id)
    return _synonym(row)


def update_synonym(group_id: int, terms: tuple[str, ...]) -> SynonymGroup:
    group = get_synonym(group_id)
    KbSynonymRow.update(terms=json.dumps(list(terms), ensure_ascii=False)).where(
        KbSynonymRow.id == group_id).execute()
    _bump(group.company_id)
    return get_synonym(group_id)


def delete_synonym(group_id: int) -> None:
    group = get_synonym(group_id)
    KbSynonymRow.delete().where(KbSynonymRow.id == group_id).execute()
    _bump(group.company_id)


# -- bot settings ---------------------------------------------------------------------------

def bot_settings(site_id: int) -> BotSettings:
    row = BotSettingsRow.get_or_none(BotSettingsRow.site == site_id)
    if row is None:
        return BotSettings(site_id)
    return BotSettings(site_id, BotMode(row.mode), row.name)


def save_bot_settings(settings: BotSettings, now: datetime) -> BotSettings:
    BotSettingsRow.insert(site=settings.site_id, mode=settings.mode.value, name=settings.name,
                          updated_at=now).on_conflict_replace().execute()
    return bot_settings(settings.site_id)


def llm_settings(company_id: int) -> LlmSettings:
    row = BotLlmSettingsRow.get_or_none(BotLlmSettingsRow.company == company_id)
    if row is None:
        return LlmSettings(company_id)
    return LlmSettings(company_id, bool(row.enabled), row.base_url, row.model, row.api_key,
                       row.timeout_seconds, row.max_entries)


def save_llm_settings(settings: LlmSettings, now: datetime) -> LlmSettings:
    BotLlmSettingsRow.insert(
        company=settings.company_id, enabled=settings.enabled, base_url=settings.base_url,
        model=settings.model, api_key=settings.api_key,
        timeout_seconds=settings.timeout_seconds, max_entries=settings.max_entries,
        updated_at=now).on_conflict_replace().execute()
    return llm_settings(settings.company_id)


# -- answers and votes ----------------------------------------------------------------------

def _answer(row: BotAnswerRow) -> BotAnswer:
    return BotAnswer(id=row.id, site_id=row.site_id, conversation_id=row.conversation_id,
                     question=row.question, action=Action(row.action),
                     entry_ids=tuple(json.loads(row.entry_ids)), vote=row.vote,
                     created_at=row.created_at)


def log_answer(site_id: int, conversation_id: int | None, question: str, action: Action,
               entry_ids: Sequence[int], now: datetime) -> BotAnswer:
    row = BotAnswerRow.create(site=site_id, conversation_id=conversation_id,
                              question=question, action=action.value,
                              entry_ids=json.dumps(list(entry_ids)), created_at=now)
    return _answer(row)


def get_answer(answer_id: int) -> BotAnswer:
    row = BotAnswerRow.get_or_none(BotAnswerRow.id == answer_id)
    if row is None:
        raise NotFound("No such bot answer")
    return _answer(row)


def set_vote(answer_id: int, vote: int) -> BotAnswer:
    """The one vote on an answer; a second one (two taps that both passed the service's
    check) is `409 conflict` here, in the transaction."""
    changed = BotAnswerRow.update(vote=vote).where(
        (BotAnswerRow.id == answer_id) & BotAnswerRow.vote.is_null()).execute()
    if not changed:
        get_answer(answer_id)
        raise Conflict("This answer was already voted on")
    return get_answer(answer_id)


# -- the "to improve" list ------------------------------------------------------------------

def _item(row: KbQuestionRow) -> ImproveItem:
    return ImproveItem(id=row.id, company_id=row.company_id, site_id=row.site_id,
                       text=row.text, reason=ImproveReason(row.reason), entry_id=row.entry_id,
                       count=row.count, created_at=row.created_at, last_at=row.last_at,
                       resolved_at=row.resolved_at)


def note_question(company_id: int, site_id: int, text: str, reason: ImproveReason,
                  entry_id: int | None, now: datetime) -> ImproveItem:
    """Add a question to the list, or count it again if it is there and open."""
    key = question_key(text)
    row = KbQuestionRow.get_or_none(
        (KbQuestionRow.site == site_id) & (KbQuestionRow.reason == reason.value)
        & (KbQuestionRow.text_key == key) & KbQuestionRow.resolved_at.is_null())
    if row is None:
        row = KbQuestionRow.create(company=company_id, site=site_id, text=text, text_key=key,
                                   reason=reason.value, entry_id=entry_id, count=1,
                                   created_at=now, last_at=now)
    else:
        KbQuestionRow.update(count=KbQuestionRow.count + 1, last_at=now,
                             entry_id=entry_id).where(KbQuestionRow.id == row.id).execute()
    return get_question(row.id)


def get_question(item_id: int) -> ImproveItem:
    row = KbQuestionRow.get_or_none(KbQuestionRow.id == item_id)
    if row is None:
        raise NotFound("No such question in the list")
    return _item(row)


def list_questions(company_id: int, site_ids: Sequence[int] | None, *,
                   resolved: bool = False, limit: int = 200) -> list[ImproveItem]:
    where = (KbQuestionRow.company == company_id) & (
        KbQuestionRow.resolved_at.is_null(not resolved))
    if site_ids is not None:
        where &= KbQuestionRow.site.in_(list(site_ids))
    query = KbQuestionRow.select().where(where).order_by(
        KbQuestionRow.count.desc(), KbQuestionRow.last_at.desc(), KbQuestionRow.id)
    return [_item(r) for r in query.limit(limit)]


def resolve_question(item_id: int, now: datetime) -> ImproveItem:
    """The question leaves the "to improve" list; one already handled (two clicks that both
    passed the service's check) is `400 invalid` here, so the job that made an entry of it
    rolls back instead of making a second one."""
    changed = KbQuestionRow.update(resolved_at=now).where(
        (KbQuestionRow.id == item_id) & KbQuestionRow.resolved_at.is_null()).execute()
    if not changed:
        get_question(item_id)
        raise Invalid("This question was already handled", field="id")
    return get_question(item_id)


def search_state(site_id: int) -> tuple[int, int]:
    """The company of a site and its knowledge base's revision."""
    site = SiteRow.get_or_none(SiteRow.id == site_id)
    if site is None:
        raise NotFound("No such site")
    return site.company_id, revision(site.company_id)
