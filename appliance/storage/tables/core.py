"""Tables: Companies, sites, people, sessions, conversations, messages, routing and mail."""

from __future__ import annotations

from typing import Any

import peewee as pw
from playhouse.apsw_ext import BooleanField, DateTimeField
from playhouse.sqlite_ext import AutoIncrementField, FTS5Model, RowIDField, SearchField

from appliance.storage.database import bound_database
from appliance.storage.tables.base import BaseTable


class CompanyRow(BaseTable):
    name = pw.TextField()
    created_at = DateTimeField()
    # Added by migration 4: concurrent chats per agent unless the agent has their own limit.
    max_chats = pw.IntegerField(default=5, constraints=[pw.SQL("DEFAULT 5")])
    # Added by migration 11: customers', leads' and reports' settings (JSON object).
    settings = pw.TextField(default="{}", constraints=[pw.SQL("DEFAULT '{}'")])

    class Meta:
        table_name = "company"


class SiteRow(BaseTable):
    company_id: Any  # the column behind `company` (peewee adds it)

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
    # Added by migration 2 with ALTER TABLE, which needs the defaults in the schema too.
    typing_preview = BooleanField(default=False, constraints=[pw.SQL("DEFAULT 0")])
    identity_secret = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])
    # Added by migration 3: JSON list of {"field": ..., "required": bool} for the pre-chat form.
    prechat_fields = pw.TextField(default="[]", constraints=[pw.SQL("DEFAULT '[]'")])
    # Added by migration 4 (routing).
    routing_strategy = pw.TextField(default="least_busy",
                                    constraints=[pw.SQL("DEFAULT 'least_busy'")])
    unanswered_seconds = pw.IntegerField(default=60, constraints=[pw.SQL("DEFAULT 60")])
    fallback_team_id = pw.IntegerField(null=True)
    # Added by migration 5 (offline path): JSON schedule ('' = always open), mail address.
    business_hours = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])
    offline_mode = pw.TextField(default="leave_message",
                                constraints=[pw.SQL("DEFAULT 'leave_message'")])
    notify_email = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])
    # Added by migration 10 (visitors): privacy, who may chat, invitation templates (JSON).
    track_before_chat = BooleanField(default=True, constraints=[pw.SQL("DEFAULT 1")])
    honour_dnt = BooleanField(default=True, constraints=[pw.SQL("DEFAULT 1")])
    require_identity = pw.TextField(default="none", constraints=[pw.SQL("DEFAULT 'none'")])
    invitation_templates = pw.TextField(default="[]", constraints=[pw.SQL("DEFAULT '[]'")])

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
    # Added by migration 4: own chat limit (NULL: the company's) and last chosen status.
    max_chats = pw.IntegerField(null=True)
    status_choice = pw.TextField(default="online", constraints=[pw.SQL("DEFAULT 'online'")])
    # Added by migration 11: the one company a client (portal) account sees.
    company_id = pw.IntegerField(null=True)

    class Meta:
        table_name = "user"


class UserSiteRow(BaseTable):
    user_id: Any  # the column behind `user` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

    user = pw.ForeignKeyField(UserRow, backref="site_links", on_delete="CASCADE")
    site = pw.ForeignKeyField(SiteRow, backref="user_links", on_delete="CASCADE")

    class Meta:
        table_name = "user_site"
        primary_key = pw.CompositeKey("user", "site")


class SessionRow(BaseTable):
    user_id: Any  # the column behind `user` (peewee adds it)

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


class VisitorRow(BaseTable):
    site_id: Any  # the column behind `site` (peewee adds it)

    id = AutoIncrementField()  # never reused (migration 23)
    site = pw.ForeignKeyField(SiteRow, backref="visitors", on_delete="CASCADE")
    token_hash = pw.TextField(unique=True)
    name = pw.TextField(default="")
    email = pw.TextField(default="")
    phone = pw.TextField(default="")
    attributes = pw.TextField(default="{}")  # JSON object
    page_url = pw.TextField(default="")
    page_title = pw.TextField(default="")
    referrer = pw.TextField(default="")
    user_agent = pw.TextField(default="")
    first_seen_at = DateTimeField()
    last_seen_at = DateTimeField()
    # Added by migration 11: the customer this visitor turned out to be (one company only;
    # cleared by the code that deletes a customer).
    customer_id = pw.IntegerField(null=True, index=True)

    class Meta:
        table_name = "visitor"


class ConversationRow(BaseTable):
    site_id: Any  # the column behind `site` (peewee adds it)
    visitor_id: Any  # the column behind `visitor` (peewee adds it)
    assignee_id: Any  # the column behind `assignee` (peewee adds it)

    id = AutoIncrementField()  # never reused (migration 23)
    site = pw.ForeignKeyField(SiteRow, backref="conversations", on_delete="CASCADE",
                              index=False)
    visitor = pw.ForeignKeyField(VisitorRow, backref="conversations", on_delete="CASCADE")
    status = pw.TextField()
    assignee = pw.ForeignKeyField(UserRow, null=True, on_delete="SET NULL", index=False)
    last_seq = pw.IntegerField(default=0)
    visitor_last_seq = pw.IntegerField(default=0)
    agent_read_seq = pw.IntegerField(default=0)
    visitor_read_seq = pw.IntegerField(default=0)
    unread = pw.IntegerField(default=0)
    last_message_id = pw.IntegerField(null=True)
    created_at = DateTimeField()
    last_activity_at = DateTimeField()
    closed_at = DateTimeField(null=True)
    # Added by migration 4 (routing, queue, follow-up, rating).
    team_id = pw.IntegerField(null=True)
    category_id = pw.IntegerField(null=True)
    queued_at = DateTimeField(null=True)
    first_response_at = DateTimeField(null=True)
    missed = BooleanField(default=False, constraints=[pw.SQL("DEFAULT 0")])
    rating = pw.IntegerField(null=True)
    rating_comment = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])
    # Added by migration 7: when the chat, unanswered too long, had its one re-offer.
    reoffered_at = DateTimeField(null=True)
    # Added by migration 13: the answer bot served this chat (`served`), or did and handed it
    # to a person (`handed_over`, why and when); NULL: the bot never took part.
    bot_outcome = pw.TextField(null=True)
    handover_reason = pw.TextField(null=True)
    handed_over_at = DateTimeField(null=True)

    class Meta:
        table_name = "conversation"
        indexes = (
            (("site", "status", "last_activity_at"), False),
            (("assignee", "status"), False),
        )


class AttachmentRow(BaseTable):
    site_id: Any  # the column behind `site` (peewee adds it)
    conversation_id: Any  # the column behind `conversation` (peewee adds it)

    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    conversation = pw.ForeignKeyField(ConversationRow, null=True, on_delete="CASCADE")
    uploader_type = pw.TextField()
    uploader_id = pw.IntegerField()
    name = pw.TextField()
    mime = pw.TextField()
    kind = pw.TextField()
    size = pw.IntegerField()
    storage_name = pw.TextField(unique=True)
    created_at = DateTimeField()

    class Meta:
        table_name = "attachment"


class MessageRow(BaseTable):
    conversation_id: Any  # the column behind `conversation` (peewee adds it)
    attachment_id: Any  # the column behind `attachment` (peewee adds it)

    conversation = pw.ForeignKeyField(ConversationRow, backref="messages", on_delete="CASCADE",
                                      index=False)
    seq = pw.IntegerField()
    client_id = pw.TextField()
    sender_type = pw.TextField()
    sender_id = pw.IntegerField(null=True)
    sender_name = pw.TextField()
    kind = pw.TextField()
    body = pw.TextField()
    attachment = pw.ForeignKeyField(AttachmentRow, null=True, on_delete="SET NULL")
    created_at = DateTimeField()
    bot = pw.TextField(null=True)  # migration 13: the bot's reply (JSON, domain/bot_chat.py)

    class Meta:
        table_name = "message"
        indexes = (
            (("conversation", "seq"), True),
            # The dedup key: a sender's client id is stored once, across restarts.
            (("sender_type", "sender_id", "client_id"), True),
        )


# The messages any report metric looks at (domain/report_metrics.conversation_rows): replies,
# assignments and transfers, the left message, the bot's. Report aggregates read a
# conversation's messages after each of its changes; this partial index (migration 18) lets
# them read only these, not every visitor line of a long chat.
REPORT_MESSAGES_WHERE = (
    "((sender_type = 'agent' AND kind != 'note') OR sender_type = 'bot' "
    "OR (kind = 'system' AND body IN ('agent_joined', 'transferred')) "
    "OR (sender_type = 'visitor' AND substr(client_id, 1, 5) = 'left-'))")
MessageRow.add_index(MessageRow.index(MessageRow.conversation, MessageRow.seq,
                                      name="message_report", where=pw.SQL(REPORT_MESSAGES_WHERE)))


class CannedReplyRow(BaseTable):
    site_id: Any  # the column behind `site` (peewee adds it)
    owner_id: Any  # the column behind `owner` (peewee adds it)

    site = pw.ForeignKeyField(SiteRow, null=True, on_delete="CASCADE")
    owner = pw.ForeignKeyField(UserRow, null=True, on_delete="CASCADE")
    shortcut = pw.TextField()
    body = pw.TextField()
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # Added by migration 11: a script shared by every site of one (client) company.
    company_id = pw.IntegerField(null=True, index=True)

    class Meta:
        table_name = "canned_reply"


class TeamRow(BaseTable):
    """A team (技能组): of one site, or shared across sites when site is NULL."""

    site_id: Any  # the column behind `site` (peewee adds it)

    # Never reused (migration 22): conversations, rules and reports keep it after a delete.
    id = AutoIncrementField()
    site = pw.ForeignKeyField(SiteRow, null=True, on_delete="CASCADE")
    name = pw.TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "team"


class TeamMemberRow(BaseTable):
    team_id: Any  # the column behind `team` (peewee adds it)
    user_id: Any  # the column behind `user` (peewee adds it)

    team = pw.ForeignKeyField(TeamRow, on_delete="CASCADE")
    user = pw.ForeignKeyField(UserRow, on_delete="CASCADE")

    class Meta:
        table_name = "team_member"
        primary_key = pw.CompositeKey("team", "user")


class CategoryRow(BaseTable):
    """A question category (问题分类) a visitor picks before chatting, routed to a team."""

    site_id: Any  # the column behind `site` (peewee adds it)
    team_id: Any  # the column behind `team` (peewee adds it)

    id = AutoIncrementField()  # never reused (migration 22): conversations keep it
    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    name = pw.TextField()
    team = pw.ForeignKeyField(TeamRow, null=True, on_delete="SET NULL")
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "category"


class SmtpSettingsRow(BaseTable):
    """The install's outgoing mail server (one row, id 1). Added by migration 5."""

    host = pw.TextField()
    port = pw.IntegerField()
    security = pw.TextField()  # none | starttls | tls
    username = pw.TextField()
    password = pw.TextField()
    from_address = pw.TextField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "smtp_settings"


class OutboxRow(BaseTable):
    """A side effect to deliver (a mail…); it stays until sent or given up (migration 6)."""

    kind = pw.TextField()
    payload = pw.TextField()  # JSON
    status = pw.TextField()  # queued | sent | failed
    attempts = pw.IntegerField()
    last_error = pw.TextField()
    created_at = DateTimeField()
    next_attempt_at = DateTimeField()
    sent_at = DateTimeField(null=True)

    class Meta:
        table_name = "outbox"
        indexes = ((("status", "next_attempt_at"), False),)


class MessageIndexRow(FTS5Model):  # type: ignore[misc]  # playhouse is untyped
    """Search terms of each message (rowid = message id; see domain/search.py) and its site as
    a token (`site_token`), filled behind the messages by storage/search_index.py."""

    rowid = RowIDField()
    terms = SearchField()
    prefixes = SearchField()
    site = SearchField()

    class Meta:
        database = bound_database
        table_name = "message_index"
        options = {"content": "", "contentless_delete": 1, "tokenize": "unicode61",  # noqa: RUF012
                   "prefix": "'1'"}


class SearchMarkRow(BaseTable):
    """One row: every message up to `last_message_id` is in `message_index` (migration 9)."""

    last_message_id = pw.IntegerField()

    class Meta:
        table_name = "search_mark"
