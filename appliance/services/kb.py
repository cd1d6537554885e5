"""Knowledge-base use cases: entries, synonyms, the bot's settings, agents' suggestions and
the "to improve" list. Owners and admins manage; supervisors and agents read the knowledge
base of the companies whose sites they serve, and only their own sites' entries."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Forbidden, Invalid
from appliance.domain.kb import (
    BotMode,
    BotSettings,
    Decision,
    ImproveItem,
    KbEntry,
    SynonymGroup,
)
from appliance.domain.model import User
from appliance.domain.permissions import require_install_manager, require_site_access
from appliance.services import bot, kb_files
from appliance.services.context import Services
from appliance.services.kb_rich import has_text, sanitise
from appliance.services.sites import access_site
from appliance.storage import kb as store
from appliance.storage import sites as site_store

QUESTION_MAX, ANSWER_MAX, CATEGORY_MAX = 200, 10_000, 40
PHRASINGS_MAX, SYNONYM_TERMS_MAX, SYNONYM_TERM_MAX = 50, 30, 40
SYNONYM_LIST_MAX = 100  # terms sent in one group, repeats included (repeats are merged)
BOT_NAME_MAX = 40
SUGGEST_TEXT_MAX = 2000
PAGE_MAX = 200
SUGGESTIONS_MAX = 10
ENTRY_FIELDS = ("question", "phrasings", "answer", "category", "enabled", "site_id")


# -- validation -----------------------------------------------------------------------------

def clean_question(value: Any, field: str = "question") -> str:
    return v.clean_name(value, field, max_len=QUESTION_MAX)


def clean_phrasings(value: Any) -> tuple[str, ...]:
    """At most PHRASINGS_MAX of them once repeats and empty ones are dropped (docs/api.md)."""
    if not isinstance(value, list):
        raise Invalid("phrasings must be a list of strings", field="phrasings")
    found: dict[str, None] = {}
    for item in value:
        text = v.clean_name(item, "phrasings", max_len=QUESTION_MAX, allow_empty=True)
        if text:
            found.setdefault(text)
        if len(found) > PHRASINGS_MAX:
            raise Invalid(f"at most {PHRASINGS_MAX} phrasings", field="phrasings")
    return tuple(found)


def clean_answer(value: Any) -> str:
    raw = v.require_str(value, "answer")
    if len(raw) > ANSWER_MAX:
        raise Invalid(f"answer must be at most {ANSWER_MAX} characters", field="answer")
    answer = sanitise(raw)
    if not has_text(answer):
        raise Invalid("answer is required", field="answer")
    return answer


def clean_entry(data: Any, *, creating: bool) -> dict[str, Any]:
    """The fields of an entry from untrusted input (site_id checked by the caller)."""
    body = v.only_fields(data, ENTRY_FIELDS)
    fields: dict[str, Any] = {}
    if creating or "question" in body:
        fields["question"] = clean_question(body.get("question"))
    if creating or "answer" in body:
        fields["answer"] = clean_answer(body.get("answer"))
    if "phrasings" in body or creating:
        fields["phrasings"] = clean_phrasings(body.get("phrasings", []))
    if "category" in body or creating:
        fields["category"] = v.clean_name(body.get("category", ""), "category",
                                          max_len=CATEGORY_MAX, allow_empty=True)
    if "enabled" in body or creating:
        fields["enabled"] = v.clean_bool(body.get("enabled", True), "enabled")
    if "site_id" in body or creating:
        site_id = body.get("site_id")
        fields["site_id"] = None if site_id is None else v.clean_id(site_id, "site_id")
    return fields


def clean_terms(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid("terms must be a list of strings", field="terms")
    if len(value) > SYNONYM_LIST_MAX:
        raise Invalid(f"at most {SYNONYM_TERMS_MAX} terms per group", field="terms")
    found: dict[str, None] = {}
    for item in value:
        term = v.clean_name(item, "terms", max_len=SYNONYM_TERM_MAX, allow_empty=True)
        if not term:  # refused, not dropped: the group would not be what was sent
            raise Invalid("terms must not be empty", field="terms")
        found.setdefault(term)
    if len(found) < 2:
        raise Invalid("a synonym group needs at least two terms", field="terms")
    if len(found) > SYNONYM_TERMS_MAX:
        raise Invalid(f"at most {SYNONYM_TERMS_MAX} terms per group", field="terms")
    return tuple(found)


# -- who may see what -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class KbScope:
    """What an actor reaches in one company's knowledge base: every site (None) or some."""

    company_id: int
    site_ids: tuple[int, ...] | None

    def sees(self, entry: KbEntry) -> bool:
        if entry.company_id != self.company_id:
            return False
        return self.site_ids is None or entry.site_id is None or entry.site_id in self.site_ids


async def access_scope(svc: Services, actor: User, company_id: int) -> KbScope:
    """Managers reach every company; others the companies of their sites. A company the
    actor cannot reach is refused like a missing one."""
    if actor.role.manages_install:
        await svc.db.read(site_store.get_company, company_id)  # 404 for an unknown company
        return KbScope(company_id, None)
    sites = [await svc.db.read(site_store.get_site, s) for s in actor.site_ids]
    mine = tuple(s.id for s in sites if s.company_id == company_id)
    if not mine:
        await svc.db.read(site_store.get_company, company_id)  # unknown ids are 404
        raise Forbidden("You do not serve any site of this company")
    return KbScope(company_id, mine)


async def access_manage(svc: Services, actor: User, company_id: int) -> KbScope:
    require_install_manager(actor)
    return await access_scope(svc, actor, company_id)


async def _check_site_of(svc: Services, company_id: int, site_id: int | None) -> None:
    if site_id is None:
        return
    site = await svc.db.read(site_store.get_site, site_id)
    if site.company_id != company_id:
        raise Invalid("site_id is not a site of this company", field="site_id")


async def access_entry(svc: Services, actor: User, entry_id: int) -> KbEntry:
    entry = await svc.db.read(store.get_entry, entry_id)
    scope = await access_scope(svc, actor, entry.company_id)
    if not scope.sees(entry):
        raise Forbidden("This entry belongs to a site you do not serve")
    return entry


# -- entries --------------------------------------------------------------------------------

async def list_entries(svc: Services, actor: User, company_id: int, *, site_id: int | None,
                       text: str, category: str | None, offset: int,
                       limit: int) -> tuple[int, list[KbEntry]]:
    scope = await access_scope(svc, actor, company_id)
    if site_id is not None:
        await _check_site_of(svc, company_id, site_id)  # as create and edit: 400, not 200
        require_site_access(actor, site_id)
    elif scope.site_ids is not None and len(scope.site_ids) == 1:
        site_id = scope.site_ids[0]
    text = v.clean_name(text, "q", max_len=100, allow_empty=True)
    if offset < 0:
        raise Invalid("offset must be 0 or more", field="offset")
    if not 1 <= limit <= PAGE_MAX:
        raise Invalid(f"limit must be a number from 1 to {PAGE_MAX}", field="limit")
    total, entries = await svc.db.read(lambda: store.list_entries(
        company_id, site_id=site_id, text=text, category=category, offset=offset,
        limit=limit))
    visible = [e for e in entries if scope.sees(e)]
    return total - (len(entries) - len(visible)), visible


async def check_create_entry(svc: Services, actor: User, company_id: int,
                             data: Any) -> KbEntry:
    await access_manage(svc, actor, company_id)
    fields = clean_entry(data, creating=True)
    await _check_site_of(svc, company_id, fields["site_id"])
    [entry_id] = await svc.db.write(store.create_entries, company_id, [fields], svc.now())
    return await svc.db.read(store.get_entry, entry_id)


async def check_update_entry(svc: Services, actor: User, entry_id: int, data: Any) -> KbEntry:
    entry = await svc.db.read(store.get_entry, entry_id)
    await access_manage(svc, actor, entry.company_id)
    fields = clean_entry(data, creating=False)
    if "site_id" in fields:
        await _check_site_of(svc, entry.company_id, fields["site_id"])
    return await svc.db.write(store.update_entry, entry_id, fields, svc.now())


async def do_delete_entry(svc: Services, actor: User, entry_id: int) -> None:
    entry = await svc.db.read(store.get_entry, entry_id)
    await access_manage(svc, actor, entry.company_id)
    await svc.db.write(store.delete_entry, entry_id)


async def do_add_entries(svc: Services, company_id: int, rows: Sequence[dict[str, Any]], *,
                         replace: bool = False) -> list[int]:
    """Store already validated entries in one transaction (an import): all or nothing."""
    now = svc.now()

    return await svc.db.write(_add_entries_job, company_id, list(rows), replace, now)


async def categories(svc: Services, actor: User, company_id: int) -> list[str]:
    """The categories of the entries the actor may read (a category used only by another
    site's entries is not shown to those who do not serve that site)."""
    scope = await access_scope(svc, actor, company_id)
    return await svc.db.read(store.categories, company_id, scope.site_ids)


# -- synonyms -------------------------------------------------------------------------------

async def list_synonyms(svc: Services, actor: User, company_id: int) -> list[SynonymGroup]:
    await access_scope(svc, actor, company_id)
    return await svc.db.read(store.list_synonyms, company_id)


async def check_create_synonym(svc: Services, actor: User, company_id: int,
                               data: Any) -> SynonymGroup:
    await access_manage(svc, actor, company_id)
    terms = clean_terms(v.only_fields(data, ("terms",)).get("terms"))
    return await svc.db.write(store.create_synonym, company_id, terms, svc.now())


async def check_update_synonym(svc: Services, actor: User, group_id: int,
                               data: Any) -> SynonymGroup:
    group = await svc.db.read(store.get_synonym, group_id)
    await access_manage(svc, actor, group.company_id)
    terms = clean_terms(v.only_fields(data, ("terms",)).get("terms"))
    return await svc.db.write(store.update_synonym, group_id, terms)


async def do_delete_synonym(svc: Services, actor: User, group_id: int) -> None:
    group = await svc.db.read(store.get_synonym, group_id)
    await access_manage(svc, actor, group.company_id)
    await svc.db.write(store.delete_synonym, group_id)


# -- the bot's settings ---------------------------------------------------------------------

async def bot_settings(svc: Services, actor: User, site_id: int) -> BotSettings:
    await access_site(svc, actor, site_id)
    return await svc.db.read(store.bot_settings, site_id)


async def check_save_bot_settings(svc: Services, actor: User, site_id: int,
                                  data: Any) -> BotSettings:
    require_install_manager(actor)
    await svc.db.read(site_store.get_site, site_id)
    body = v.only_fields(data, ("mode", "name"))
    current = await svc.db.read(store.bot_settings, site_id)
    mode = current.mode
    if "mode" in body:
        mode = BotMode(v.clean_choice(body["mode"], "mode", [m.value for m in BotMode]))
    name = current.name
    if "name" in body:
        name = v.clean_name(body["name"], "name", max_len=BOT_NAME_MAX, allow_empty=True)
    saved = await svc.db.write(store.save_bot_settings, BotSettings(site_id, mode, name),
                               svc.now())
    bot.settings_saved(svc.db, saved)
    return saved


# -- agents' suggestions --------------------------------------------------------------------

async def suggest(svc: Services, actor: User, site_id: int, text: Any,
                  limit: Any = 3) -> Decision:
    """The best entries for a visitor's message, for an agent to insert: the bot's own
    ranking, whatever its confidence (the agent judges)."""
    await access_site(svc, actor, site_id)
    raw = v.require_str(text, "text")
    if len(raw) > SUGGEST_TEXT_MAX:
        raise Invalid(f"text must be at most {SUGGEST_TEXT_MAX} characters", field="text")
    await svc.db.read(site_store.get_site, site_id)
    limit = v.clean_int(limit, "limit", 1, SUGGESTIONS_MAX)
    return await bot.answer(svc, site_id, raw, listing=limit)


# -- the "to improve" list ------------------------------------------------------------------

async def list_improve(svc: Services, actor: User, company_id: int, *,
                       resolved: bool = False) -> list[ImproveItem]:
    scope = await access_scope(svc, actor, company_id)
    return await svc.db.read(lambda: store.list_questions(company_id, scope.site_ids,
                                                          resolved=resolved))


async def _manage_item(svc: Services, actor: User, item_id: int) -> ImproveItem:
    item = await svc.db.read(store.get_question, item_id)
    await access_manage(svc, actor, item.company_id)
    if item.resolved_at is not None:
        raise Invalid("This question was already handled", field="id")
    return item


async def do_dismiss(svc: Services, actor: User, item_id: int) -> ImproveItem:
    await _manage_item(svc, actor, item_id)
    return await svc.db.write(store.resolve_question, item_id, svc.now())


async def check_make_entry(svc: Services, actor: User, item_id: int,
                           data: Any) -> tuple[KbEntry, ImproveItem]:
    """One click: the question becomes a new entry (the answer is given) and leaves the
    list, in one transaction."""
    item = await _manage_item(svc, actor, item_id)
    body = v.only_fields(data, ("question", "answer", "category", "site_id"))
    body.setdefault("question", item.text[:QUESTION_MAX])
    fields = clean_entry(body, creating=True)
    await _check_site_of(svc, item.company_id, fields["site_id"])
    if fields["site_id"] not in (None, item.site_id):
        raise Invalid("site_id must be the question's site (or none, for every site): "
                      "the question's visitors would never get that entry", field="site_id")
    now = svc.now()

    entry_id, resolved = await svc.db.write(_new_entry_from_question_job, item.company_id,
                                            item_id, fields, now)
    return await svc.db.read(store.get_entry, entry_id), resolved


def _check_serves(entry: KbEntry, item: ImproveItem) -> None:
    """A question is handled only by an entry its site's visitors get: the bot answers a
    site from the enabled company-wide entries and that site's own."""
    if entry.site_id not in (None, item.site_id):
        raise Invalid("entry_id is an entry of another site: the question's visitors would "
                      "never get it", field="entry_id")
    if not entry.enabled:
        raise Invalid("entry_id is a disabled entry: enable it first", field="entry_id")


async def check_add_phrasing(svc: Services, actor: User, item_id: int,
                             data: Any) -> tuple[KbEntry, ImproveItem]:
    """One click: the question becomes a new phrasing of an existing entry."""
    item = await _manage_item(svc, actor, item_id)
    body = v.only_fields(data, ("entry_id", "phrasing"))
    entry_id = v.clean_id(body.get("entry_id"), "entry_id")
    phrasing = clean_question(body.get("phrasing", item.text[:QUESTION_MAX]), "phrasing")
    entry = await svc.db.read(store.get_entry, entry_id)
    if entry.company_id != item.company_id:
        raise Invalid("entry_id is not an entry of this company", field="entry_id")
    _check_serves(entry, item)
    now = svc.now()

    return await svc.db.write(_add_phrasing_job, entry_id, item, item_id, phrasing, now)


# -- import and export ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    valid: int
    errors: tuple[kb_files.RowError, ...]


async def check_import(svc: Services, actor: User, company_id: int, *, name: str,
                       data: bytes, fmt: str | None = None, mode: str = "append",
                       dry_run: bool = False) -> ImportResult:
    """Import a file of entries: every row checked first, then all stored in one
    transaction (`replace` first removes the company's entries, in the same transaction).
    A dry run only reports what would happen."""
    await access_manage(svc, actor, company_id)
    fmt = kb_files.format_of(name, fmt)
    mode = v.clean_choice(mode, "mode", ("append", "replace"))
    sites = {s.id for s in await svc.db.read(site_store.list_sites) if s.company_id == company_id}

    def clean(raw: dict[str, Any]) -> dict[str, Any]:
        fields = dict(raw)
        if "enabled" in fields:
            fields["enabled"] = kb_files.enabled_value(fields["enabled"])
        if fields.get("site_id") in ("", None):
            fields.pop("site_id", None)
        cleaned = clean_entry(fields, creating=True)
        if cleaned["site_id"] is not None and cleaned["site_id"] not in sites:
            raise Invalid("site_id is not a site of this company", field="site_id")
        return cleaned

    good, errors = await asyncio.to_thread(
        lambda: kb_files.collect(kb_files.read_rows(fmt, data), clean))
    if not good and not errors:  # a dry run answers what the import would
        raise Invalid("The file has no entries", field="file")
    if dry_run:
        return ImportResult(0, len(good), tuple(errors))
    if errors:
        raise kb_files.ImportRejected(errors)
    ids = await do_add_entries(svc, company_id, good, replace=mode == "replace")
    return ImportResult(len(ids), len(good), ())


async def export(svc: Services, actor: User, company_id: int, fmt: str) -> tuple[bytes, str]:
    await access_manage(svc, actor, company_id)
    fmt = v.clean_choice(fmt, "format", kb_files.FORMATS)
    _, entries = await svc.db.read(store.company_entries, company_id)
    return kb_files.export(fmt, entries)


async def preview(svc: Services, actor: User, site_id: int, text: Any) -> Decision:
    """What the site's bot would do with a message (for trying the knowledge base out);
    nothing is recorded."""
    await access_site(svc, actor, site_id)
    raw = v.require_str(text, "text")
    if len(raw) > SUGGEST_TEXT_MAX:
        raise Invalid(f"text must be at most {SUGGEST_TEXT_MAX} characters", field="text")
    await svc.db.read(site_store.get_site, site_id)
    return await bot.answer(svc, site_id, raw)


def _add_entries_job(company_id: int, rows: Sequence[dict[str, Any]], replace: bool,
                     now: datetime) -> list[int]:
    if replace:
        store.delete_company_entries(company_id)
    return store.create_entries(company_id, rows, now)


def _new_entry_from_question_job(company_id: int, item_id: int, fields: dict[str, Any],
                                 now: datetime) -> tuple[int, ImproveItem]:
    resolved = store.resolve_question(item_id, now)
    [entry_id] = store.create_entries(company_id, [fields], now)
    return entry_id, resolved


def _add_phrasing_job(entry_id: int, item: ImproveItem, item_id: int, phrasing: str,
                      now: datetime) -> tuple[KbEntry, ImproveItem]:
    current = store.get_entry(entry_id)  # as it is now, not as it was read above
    _check_serves(current, item)
    resolved = store.resolve_question(item_id, now)
    phrasings = clean_phrasings([*current.phrasings, phrasing])
    return store.update_entry(entry_id, {"phrasings": phrasings}, now), resolved
