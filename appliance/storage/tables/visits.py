"""Tables: Visits, page views, invitations and blocks."""

from __future__ import annotations

from typing import Any

import peewee as pw
from playhouse.apsw_ext import BooleanField, DateTimeField
from playhouse.sqlite_ext import AutoIncrementField

from appliance.storage.tables.base import BaseTable
from appliance.storage.tables.core import CompanyRow, SiteRow, VisitorRow


class VisitRow(BaseTable):
    """A run of page views of one visitor with no long gap (migration 10)."""

    visitor_id: Any  # the column behind `visitor` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

    id = AutoIncrementField()  # never reused (migration 23)
    visitor = pw.ForeignKeyField(VisitorRow, on_delete="CASCADE", index=False)
    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE", index=False)
    number = pw.IntegerField()
    started_at = DateTimeField()
    last_seen_at = DateTimeField()
    entry_url = pw.TextField()
    entry_title = pw.TextField()
    referrer = pw.TextField()
    source_kind = pw.TextField()
    source_name = pw.TextField()
    keyword = pw.TextField()
    campaign = pw.TextField()
    user_agent = pw.TextField()
    browser = pw.TextField()
    os = pw.TextField()
    device = pw.TextField()
    language = pw.TextField()
    ip = pw.TextField()
    ip_truncated = BooleanField(default=False)
    country = pw.TextField()
    province = pw.TextField()
    city = pw.TextField()
    page_count = pw.IntegerField()

    class Meta:
        table_name = "visit"
        indexes = (
            (("visitor", "started_at"), False),
            (("site", "started_at"), False),
            (("ip_truncated", "started_at"), False),
        )


class PageViewRow(BaseTable):
    """One page shown in one tab, in the order of its visit."""

    visit_id: Any  # the column behind `visit` (peewee adds it)

    visit = pw.ForeignKeyField(VisitRow, on_delete="CASCADE", index=False)
    visitor_id = pw.IntegerField()
    tab = pw.TextField()
    url = pw.TextField()
    title = pw.TextField()
    started_at = DateTimeField()
    seconds = pw.IntegerField()
    position = pw.IntegerField()

    class Meta:
        table_name = "page_view"
        indexes = ((("visit", "position"), True),)


class InvitationRuleRow(BaseTable):
    """When a site invites visitors by itself (conditions JSON, caps, team)."""

    site_id: Any  # the column behind `site` (peewee adds it)

    id = AutoIncrementField()  # never reused (migration 22): invitations keep it
    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    name = pw.TextField()
    enabled = BooleanField()
    priority = pw.IntegerField()
    conditions = pw.TextField()  # JSON object
    message = pw.TextField()
    team_id = pw.IntegerField(null=True)
    per_visit_cap = pw.IntegerField()
    per_day_cap = pw.IntegerField()
    on_phones = BooleanField()
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "invitation_rule"


class InvitationRow(BaseTable):
    """An invitation shown to a visitor, by an agent or a rule, and how it was answered."""

    site_id: Any  # the column behind `site` (peewee adds it)

    id = AutoIncrementField()  # never reused (migration 23): the reports' facts keep it
    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    visitor_id = pw.IntegerField()
    visit_id = pw.IntegerField(null=True)
    agent_id = pw.IntegerField(null=True)
    rule_id = pw.IntegerField(null=True)
    message = pw.TextField()
    page_url = pw.TextField()
    status = pw.TextField()  # shown | accepted | declined | ignored | withdrawn
    created_at = DateTimeField()
    answered_at = DateTimeField(null=True)
    conversation_id = pw.IntegerField(null=True)

    class Meta:
        table_name = "invitation"
        indexes = (
            (("visitor_id", "created_at"), False),
            (("status",), False),
        )


class BlockRow(BaseTable):
    """A blocked visitor, address or range, for a company or one of its sites."""

    company_id: Any  # the column behind `company` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    site_id = pw.IntegerField(null=True)
    kind = pw.TextField()  # visitor | ip | range
    value = pw.TextField()
    reason = pw.TextField()
    created_by = pw.IntegerField(null=True)
    created_at = DateTimeField()
    removed_at = DateTimeField(null=True)
    removed_by = pw.IntegerField(null=True)

    class Meta:
        table_name = "block"
