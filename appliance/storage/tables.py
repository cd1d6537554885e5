"""Table definitions (peewee models); the schema they describe is built by migrations.py."""

from __future__ import annotations

from typing import Any

import peewee as pw
from playhouse.apsw_ext import BooleanField, DateField, DateTimeField
from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField

from appliance.storage.database import bound_database


class BaseTable(pw.Model):
    # peewee adds the `id` primary key (and, for each foreign key, a `<name>_id` column
    # attribute) when it builds the class; declared for the type checker.
    id: Any

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


class KbEntryRow(BaseTable):
    """A knowledge-base entry of a company, for all its sites or one (migration 8)."""

    company_id: Any  # the column behind `company` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    site = pw.ForeignKeyField(SiteRow, null=True, on_delete="CASCADE")
    question = pw.TextField()
    phrasings = pw.TextField()  # JSON list of strings
    answer = pw.TextField()  # sanitised HTML
    category = pw.TextField()
    enabled = BooleanField()
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "kb_entry"


class KbSynonymRow(BaseTable):
    """One group of interchangeable terms of a company (JSON list)."""

    company_id: Any  # the column behind `company` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    terms = pw.TextField()
    created_at = DateTimeField()

    class Meta:
        table_name = "kb_synonym"


class KbRevisionRow(BaseTable):
    """Bumped by every change to a company's entries or synonyms: the bot's cached index
    is rebuilt when it differs."""

    company = pw.ForeignKeyField(CompanyRow, primary_key=True, on_delete="CASCADE")
    revision = pw.IntegerField()

    class Meta:
        table_name = "kb_revision"


class BotSettingsRow(BaseTable):
    """A site's bot: off, first, or when nobody is online; the name it shows."""

    site = pw.ForeignKeyField(SiteRow, primary_key=True, on_delete="CASCADE")
    mode = pw.TextField()
    name = pw.TextField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "bot_settings"


class BotAnswerRow(BaseTable):
    """What the bot replied to one visitor message, and the visitor's vote on it."""

    site_id: Any  # the column behind `site` (peewee adds it)

    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    conversation_id = pw.IntegerField(null=True)
    question = pw.TextField()
    action = pw.TextField()  # answer | suggest | handover | small_talk
    entry_ids = pw.TextField()  # JSON list: the answer, or the suggestions
    vote = pw.IntegerField(null=True)  # 1 👍, -1 👎
    created_at = DateTimeField()

    class Meta:
        table_name = "bot_answer"


class KbQuestionRow(BaseTable):
    """A visitor question the bot could not answer or was voted down on: the "to improve"
    list, one row per site, reason and normalised text, counted."""

    company_id: Any  # the column behind `company` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    site = pw.ForeignKeyField(SiteRow, on_delete="CASCADE")
    text = pw.TextField()
    text_key = pw.TextField()
    reason = pw.TextField()  # unanswered | downvoted
    entry_id = pw.IntegerField(null=True)  # the entry voted down
    count = pw.IntegerField()
    created_at = DateTimeField()
    last_at = DateTimeField()
    resolved_at = DateTimeField(null=True)

    class Meta:
        table_name = "kb_question"
        indexes = ((("site", "reason", "text_key"), False),)


class VisitRow(BaseTable):
    """A run of page views of one visitor with no long gap (migration 10)."""

    visitor_id: Any  # the column behind `visitor` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

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


class CustomerRow(BaseTable):
    """A company's record of a person (migration 11)."""

    company_id: Any  # the column behind `company` (peewee adds it)
    owner_id: Any  # the column behind `owner` (peewee adds it)

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
    duplicate_of = pw.IntegerField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "lead"
        indexes = (
            (("company", "created_at"), False),
            (("company", "phone"), False),
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


class ReportAggRow(BaseTable):
    """Counts and sums of one metric per company, local period, site, team, agent and key
    (migration 12; see storage/report_aggregates.py)."""

    company_id = pw.IntegerField()
    metric = pw.TextField()
    period = pw.TextField()
    site_id = pw.IntegerField()
    team_id = pw.IntegerField()
    agent_id = pw.IntegerField()
    key = pw.TextField()
    n = pw.IntegerField()
    total = pw.FloatField()

    class Meta:
        table_name = "report_agg"
        primary_key = pw.CompositeKey("company_id", "metric", "period", "site_id", "team_id",
                                      "agent_id", "key")
        without_rowid = True


class ReportFactRow(BaseTable):
    """What one conversation or invitation added to the aggregates, and from what."""

    source = pw.TextField()
    row_id = pw.IntegerField()
    company_id = pw.IntegerField()
    fingerprint = pw.TextField()
    contrib = pw.TextField()  # JSON

    class Meta:
        table_name = "report_fact"
        primary_key = pw.CompositeKey("source", "row_id")
        without_rowid = True


class ReportMarkRow(BaseTable):
    """How far the aggregates have read each growing source; `zones`: the time zones used."""

    source = pw.TextField(primary_key=True)
    last_id = pw.IntegerField()
    timezones = pw.TextField()

    class Meta:
        table_name = "report_mark"


class AgentStatusRow(BaseTable):
    """One span of an agent's effective status (online, busy, away) at the workbench."""

    user_id = pw.IntegerField()
    status = pw.TextField()
    started_at = DateTimeField()
    ended_at = DateTimeField()

    class Meta:
        table_name = "agent_status"
        indexes = ((("user_id", "started_at"), False),)


ALL_TABLES: tuple[type[pw.Model], ...] = (
    SchemaMigration, CompanyRow, SiteRow, UserRow, UserSiteRow, SessionRow,
    VisitorRow, ConversationRow, AttachmentRow, MessageRow, CannedReplyRow, MessageIndexRow,
    TeamRow, TeamMemberRow, CategoryRow,
    SmtpSettingsRow, OutboxRow, SearchMarkRow,
    KbEntryRow, KbSynonymRow, KbRevisionRow, BotSettingsRow, BotAnswerRow, KbQuestionRow,
    VisitRow, PageViewRow, InvitationRuleRow, InvitationRow, BlockRow,
    CustomerRow, CustomerSearchRow, CustomerNoteRow, FollowUpRow, CustomerMergeRow, LeadRow,
    ReportRunRow, AuditLogRow, ReportAggRow, ReportFactRow, ReportMarkRow, AgentStatusRow,
)
