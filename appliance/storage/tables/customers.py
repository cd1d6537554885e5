"""Tables: Customers, leads, the client reports' runs and the audit log."""

from __future__ import annotations

from typing import Any

import peewee as pw
from playhouse.apsw_ext import BooleanField, DateField, DateTimeField
from playhouse.sqlite_ext import AutoIncrementField, FTS5Model, RowIDField, SearchField

from appliance.storage.database import bound_database
from appliance.storage.tables.base import BaseTable
from appliance.storage.tables.core import CompanyRow, SiteRow, UserRow


class CustomerRow(BaseTable):
    """A company's record of a person (migration 11)."""

    company_id: Any  # the column behind `company` (peewee adds it)
    owner_id: Any  # the column behind `owner` (peewee adds it)

    # Never reused (migration 22): a merge's record keeps it to bring the customer back.
    id = AutoIncrementField()
    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    name = pw.TextField()
    phone = pw.TextField()  # E.164 or ""
    email = pw.TextField()
    wechat = pw.TextField()
    qq = pw.TextField()
    organization = pw.TextField()  # where the person works
    address = pw.TextField()
    tags = pw.TextField()  # JSON list
    owner = pw.ForeignKeyField(UserRow, null=True, on_delete="SET NULL")
    custom = pw.TextField()  # JSON object of the company's own fields
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "customer"
        indexes = (
            (("company", "phone"), False),
            (("company", "updated_at"), False),
        )


class CustomerNoteRow(BaseTable):
    customer_id: Any  # the column behind `customer` (peewee adds it)

    customer = pw.ForeignKeyField(CustomerRow, on_delete="CASCADE")
    author_id = pw.IntegerField(null=True)
    author_name = pw.TextField()
    body = pw.TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "customer_note"


class FollowUpRow(BaseTable):
    customer_id: Any  # the column behind `customer` (peewee adds it)
    owner_id: Any  # the column behind `owner` (peewee adds it)

    customer = pw.ForeignKeyField(CustomerRow, on_delete="CASCADE")
    owner = pw.ForeignKeyField(UserRow, null=True, on_delete="SET NULL")
    due_date = DateField()
    note = pw.TextField()
    done_at = DateTimeField(null=True)
    created_at = DateTimeField()

    class Meta:
        table_name = "follow_up"


class CustomerMergeRow(BaseTable):
    """One merge of two customers, with what undo needs (JSON)."""

    company_id: Any  # the column behind `company` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    kept_id = pw.IntegerField()
    merged_id = pw.IntegerField()
    actor_id = pw.IntegerField(null=True)
    snapshot = pw.TextField()
    created_at = DateTimeField()
    undone_at = DateTimeField(null=True)

    class Meta:
        table_name = "customer_merge"


class LeadRow(BaseTable):
    """A lead (有效咨询 when effective) captured in a conversation (migration 11)."""

    company_id: Any  # the column behind `company` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE", index=False)
    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    conversation_id = pw.IntegerField(null=True, unique=True)
    visitor_id = pw.IntegerField(null=True)
    customer_id = pw.IntegerField(null=True, index=True)
    agent_id = pw.IntegerField(null=True)
    agent_name = pw.TextField()
    name = pw.TextField()
    phone = pw.TextField()
    email = pw.TextField()
    wechat = pw.TextField()
    qq = pw.TextField()
    need = pw.TextField()
    category = pw.TextField()
    intent = pw.TextField()
    follow_up_date = DateField(null=True)
    source = pw.TextField()
    keyword = pw.TextField()
    landing_page = pw.TextField()
    effective = BooleanField()
    duplicate_of = pw.IntegerField(null=True, index=True)  # index: migration 16
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # Added by migration 24: when the lead's chat started (the day it counts on).
    chat_started_at = DateTimeField(null=True)

    class Meta:
        table_name = "lead"
        indexes = (
            (("company", "created_at"), False),
            (("company", "chat_started_at"), False),  # migration 24
            (("company", "phone", "created_at"), False),  # migration 16
        )


class ReportRunRow(BaseTable):
    """A scheduled report queued for one company and period: never two for one period."""

    company_id: Any  # the column behind `company` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE", index=False)
    schedule = pw.TextField()
    period = pw.TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "report_run"
        indexes = ((("company", "schedule", "period"), True),)


class AuditLogRow(BaseTable):
    """Who exported or erased whose data, and when."""

    company_id: Any  # the column behind `company` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    actor_id = pw.IntegerField(null=True)
    actor_name = pw.TextField()
    action = pw.TextField()
    subject = pw.TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "audit_log"


class CustomerSearchRow(FTS5Model):  # type: ignore[misc]  # playhouse is untyped
    """Search terms of each customer (rowid = customer id); see domain/customers.py."""

    rowid = RowIDField()
    terms = SearchField()

    class Meta:
        database = bound_database
        table_name = "customer_search"
        # prefix='1': a one-character search (a surname) reads one prefix doclist.
        options = {"content": "", "contentless_delete": 1, "tokenize": "unicode61",  # noqa: RUF012
                   "prefix": "1"}
