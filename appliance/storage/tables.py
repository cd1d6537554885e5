"""Table definitions (peewee models); the schema they describe is built by migrations.py."""

from __future__ import annotations

import peewee as pw
from playhouse.apsw_ext import BooleanField, DateTimeField

from appliance.storage.database import bound_database


class BaseTable(pw.Model):
    class Meta:
        database = bound_database
        legacy_table_names = False


class SchemaMigration(BaseTable):
    version = pw.IntegerField(primary_key=True)
    name = pw.TextField()
    applied_at = DateTimeField()


class CompanyRow(BaseTable):
    name = pw.TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "company"


class SiteRow(BaseTable):
    company = pw.ForeignKeyField(CompanyRow, backref="sites", on_delete="RESTRICT")
    name = pw.TextField()
    url = pw.TextField()
    widget_key = pw.TextField(unique=True)
    allowed_origins = pw.TextField(default="[]")  # JSON list of origins
    display_name = pw.TextField(default="")
    logo_url = pw.TextField(default="")
    greeting = pw.TextField(default="")
    theme_color = pw.TextField(default="#1f6feb")
    widget_position = pw.TextField(default="right")
    language = pw.TextField(default="zh-CN")
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "site"


class UserRow(BaseTable):
    login = pw.TextField(unique=True)
    display_name = pw.TextField()
    role = pw.TextField()
    password_hash = pw.TextField()
    active = BooleanField(default=True)
    language = pw.TextField(default="zh-CN")
    created_at = DateTimeField()
    updated_at = DateTimeField()
    deactivated_at = DateTimeField(null=True)

    class Meta:
        table_name = "user"


class UserSiteRow(BaseTable):
    user = pw.ForeignKeyField(UserRow, backref="site_links", on_delete="CASCADE")
    site = pw.ForeignKeyField(SiteRow, backref="user_links", on_delete="CASCADE")

    class Meta:
        table_name = "user_site"
        primary_key = pw.CompositeKey("user", "site")


class SessionRow(BaseTable):
    token_hash = pw.TextField(unique=True)
    user = pw.ForeignKeyField(UserRow, backref="sessions", on_delete="CASCADE")
    csrf_token = pw.TextField()
    created_at = DateTimeField()
    last_seen_at = DateTimeField()
    expires_at = DateTimeField(index=True)
    ip = pw.TextField(default="")
    user_agent = pw.TextField(default="")

    class Meta:
        table_name = "session"


ALL_TABLES: tuple[type[BaseTable], ...] = (
    SchemaMigration, CompanyRow, SiteRow, UserRow, UserSiteRow, SessionRow,
)
