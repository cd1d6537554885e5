"""Companies and sites: queries and changes, run on the database threads."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.company_settings import settings_from_json, settings_json
from appliance.domain.errors import Conflict, Invalid, NotFound
from appliance.domain.hours import clean_business_hours, schedule_json
from appliance.domain.model import Company, CompanySettings, Site
from appliance.storage.routing import require_team_serves
from appliance.storage.tables import (
    BlockRow,
    BotAnswerRow,
    CannedReplyRow,
    CategoryRow,
    CompanyRow,
    ConversationRow,
    InvitationRow,
    InvitationRuleRow,
    KbEntryRow,
    KbQuestionRow,
    LeadRow,
    ReportAggRow,
    SiteRow,
    TeamRow,
    VisitorRow,
    VisitRow,
)


def _company(row: CompanyRow) -> Company:
    return Company(id=row.id, name=row.name, created_at=row.created_at,
                   max_chats=row.max_chats, settings=settings_from_json(json.loads(row.settings)))


def _site(row: SiteRow) -> Site:
    return Site(
        id=row.id, company_id=row.company_id, name=row.name, url=row.url,
        widget_key=row.widget_key, allowed_origins=tuple(json.loads(row.allowed_origins)),
        display_name=row.display_name, logo_url=row.logo_url, greeting=row.greeting,
        theme_color=row.theme_color, widget_position=row.widget_position,
        language=row.language, created_at=row.created_at,
        typing_preview=bool(row.typing_preview), identity_secret=row.identity_secret,
        prechat_fields=tuple((f["field"], bool(f["required"]))
                             for f in json.loads(row.prechat_fields)),
        business_hours=clean_business_hours(json.loads(row.business_hours))
        if row.business_hours else None,
        offline_mode=row.offline_mode, notify_email=row.notify_email,
        routing_strategy=row.routing_strategy, fallback_team_id=row.fallback_team_id,
        unanswered_seconds=row.unanswered_seconds,
        track_before_chat=bool(row.track_before_chat), honour_dnt=bool(row.honour_dnt),
        require_identity=row.require_identity,
        invitation_templates=tuple(json.loads(row.invitation_templates)),
    )


def list_companies() -> list[Company]:
    return [_company(r) for r in CompanyRow.select().order_by(CompanyRow.id)]


def get_company(company_id: int) -> Company:
    row = CompanyRow.get_or_none(CompanyRow.id == company_id)
    if row is None:
        raise NotFound("No such company", field="company_id")
    return _company(row)


def create_company(name: str, now: datetime) -> Company:
    return _company(CompanyRow.create(name=name, created_at=now))


def rename_company(company_id: int, name: str, max_chats: int | None = None) -> Company:
    get_company(company_id)
    fields: dict[str, Any] = {"name": name}
    if max_chats is not None:
        fields["max_chats"] = max_chats
    CompanyRow.update(**fields).where(CompanyRow.id == company_id).execute()
    return get_company(company_id)


def save_company_settings(company_id: int, settings: CompanySettings) -> Company:
    get_company(company_id)
    CompanyRow.update(settings=json.dumps(settings_json(settings), ensure_ascii=False)).where(
        CompanyRow.id == company_id).execute()
    return get_company(company_id)


def company_ids_of_sites(site_ids: tuple[int, ...]) -> set[int]:
    return {r.company_id for r in SiteRow.select(SiteRow.company).where(
        SiteRow.id.in_(site_ids))}


def site_ids_of_company(company_id: int) -> list[int]:
    return [r.id for r in SiteRow.select(SiteRow.id).where(SiteRow.company == company_id)]


def list_sites() -> list[Site]:
    return [_site(r) for r in SiteRow.select().order_by(SiteRow.id)]


def get_site(site_id: int) -> Site:
    row = SiteRow.get_or_none(SiteRow.id == site_id)
    if row is None:
        raise NotFound("No such site")
    return _site(row)


def get_site_by_widget_key(widget_key: str) -> Site | None:
    row = SiteRow.get_or_none(SiteRow.widget_key == widget_key)
    return None if row is None else _site(row)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    columns = dict(fields)
    if "allowed_origins" in columns:
        columns["allowed_origins"] = json.dumps(list(columns["allowed_origins"]))
    if "prechat_fields" in columns:
        columns["prechat_fields"] = json.dumps(
            [{"field": f, "required": r} for f, r in columns["prechat_fields"]])
    if "invitation_templates" in columns:
        columns["invitation_templates"] = json.dumps(list(columns["invitation_templates"]),
                                                     ensure_ascii=False)
    if "business_hours" in columns:
        hours = schedule_json(columns["business_hours"])
        columns["business_hours"] = "" if hours is None else json.dumps(hours)
    return columns


def create_site(fields: dict[str, Any], widget_key: str, now: datetime) -> Site:
    get_company(fields["company_id"])
    _check_fallback_team(fields.get("fallback_team_id"), None)
    try:
        row = SiteRow.create(widget_key=widget_key, created_at=now, updated_at=now,
                             **_columns(fields))
    except pw.IntegrityError as exc:  # a widget key collision: 128 random bits, so a bug
        raise Conflict("Could not create the site, try again") from exc
    site = _site(row)
    check_identity_requirement(site)
    return site


def update_site(site_id: int, fields: dict[str, Any], now: datetime) -> Site:
    current = get_site(site_id)
    _check_fallback_team(fields.get("fallback_team_id"), site_id)
    if "company_id" in fields:
        get_company(fields["company_id"])
        if fields["company_id"] != current.company_id:
            _check_site_may_move(current)
    if fields:
        SiteRow.update(updated_at=now, **_columns(fields)).where(SiteRow.id == site_id).execute()
    site = get_site(site_id)
    check_identity_requirement(site)
    return site


# What a site may not take to another company: the people and history it holds belong to
# its company (customers, leads, reports and the knowledge base are the company's), and its
# own teams, categories and rules name that company's staff and teams.
_SITE_HOLDINGS: tuple[tuple[Any, str], ...] = (
    (VisitorRow.site, "visitors"), (ConversationRow.site, "chats"), (LeadRow.site, "leads"),
    (VisitRow.site, "visits"), (InvitationRow.site, "invitations"),
    (KbEntryRow.site, "knowledge-base entries"), (KbQuestionRow.site, "bot questions"),
    (BotAnswerRow.site, "bot answers"), (BlockRow.site_id, "blocks"),
    (CannedReplyRow.site, "canned replies"), (TeamRow.site, "teams"),
    (CategoryRow.site, "categories"), (InvitationRuleRow.site, "invitation rules"),
)


def _check_site_may_move(site: Site) -> None:
    """A site moves to another company only while it holds nothing of its company's
    (`400 invalid`, `field: "company_id"`, naming what it holds): a site made in the wrong
    company is moved before its first visitor; one in use stays (docs/api.md)."""
    held = [label for column, label in _SITE_HOLDINGS
            if column.model.select(pw.SQL("1")).where(column == site.id).exists()]
    if (ReportAggRow.select(pw.SQL("1"))
            .where((ReportAggRow.company_id == site.company_id)
                   & (ReportAggRow.site_id == site.id)).exists()):
        held.append("report history")
    if site.fallback_team_id is not None:
        held.append("a fallback team")
    if held:
        raise Invalid("A site cannot move to another company once it holds "
                      + ", ".join(held) + "; create a new site in that company instead",
                      field="company_id")


def _check_fallback_team(team_id: int | None, site_id: int | None) -> None:
    """A team of this site or a shared one (a new site has no team of its own yet); an
    unknown team is `400 invalid` here, as it always was for this field."""
    if team_id is None:
        return
    try:
        require_team_serves(team_id, site_id, "fallback_team_id")
    except NotFound:
        raise Invalid("No such team", field="fallback_team_id") from None


def check_identity_requirement(site: Site) -> None:
    """A site that requires visitors to identify must give them a way to (the transaction
    rolls back otherwise)."""
    if site.require_identity == "prechat" and not site.prechat_fields:
        raise Invalid("require_identity: prechat needs a pre-chat form (prechat_fields)",
                      field="require_identity")
    if site.require_identity == "signed" and not site.identity_secret:
        raise Invalid("require_identity: signed needs an identity secret; create one first",
                      field="require_identity")


def set_widget_key(site_id: int, widget_key: str, now: datetime) -> Site:
    get_site(site_id)
    SiteRow.update(widget_key=widget_key, updated_at=now).where(SiteRow.id == site_id).execute()
    return get_site(site_id)


def set_identity_secret(site_id: int, secret: str, now: datetime) -> Site:
    get_site(site_id)
    SiteRow.update(identity_secret=secret, updated_at=now).where(SiteRow.id == site_id).execute()
    return get_site(site_id)

