"""Table definitions (peewee models), one module per part of the product; the schema they
describe is built by the migrations (storage/migrations/). Everything is importable from here."""

from __future__ import annotations

import peewee as pw

from appliance.storage.tables.base import BaseTable, SchemaMigration
from appliance.storage.tables.core import (
    AttachmentRow,
    CannedReplyRow,
    CategoryRow,
    CompanyRow,
    ConversationRow,
    MessageIndexRow,
    MessageRow,
    OutboxRow,
    SearchMarkRow,
    SessionRow,
    SiteRow,
    SmtpSettingsRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
    UserSiteRow,
    VisitorRow,
)
from appliance.storage.tables.customers import (
    AuditLogRow,
    CustomerMergeRow,
    CustomerNoteRow,
    CustomerRow,
    CustomerSearchRow,
    FollowUpRow,
    LeadRow,
    ReportRunRow,
)
from appliance.storage.tables.kb import (
    BotAnswerRow,
    BotLlmSettingsRow,
    BotSettingsRow,
    KbEntryRow,
    KbQuestionRow,
    KbRevisionRow,
    KbSynonymRow,
)
from appliance.storage.tables.reports import (
    AgentStatusRow,
    ReportAggRow,
    ReportFactRow,
    ReportMarkRow,
)
from appliance.storage.tables.visits import (
    BlockRow,
    InvitationRow,
    InvitationRuleRow,
    PageViewRow,
    VisitRow,
)

ALL_TABLES: tuple[type[pw.Model], ...] = (
    SchemaMigration, CompanyRow, SiteRow, UserRow, UserSiteRow, SessionRow,
    VisitorRow, ConversationRow, AttachmentRow, MessageRow, CannedReplyRow, MessageIndexRow,
    TeamRow, TeamMemberRow, CategoryRow,
    SmtpSettingsRow, OutboxRow, SearchMarkRow,
    KbEntryRow, KbSynonymRow, KbRevisionRow, BotSettingsRow, BotAnswerRow, KbQuestionRow,
    BotLlmSettingsRow,
    VisitRow, PageViewRow, InvitationRuleRow, InvitationRow, BlockRow,
    CustomerRow, CustomerSearchRow, CustomerNoteRow, FollowUpRow, CustomerMergeRow, LeadRow,
    ReportRunRow, AuditLogRow, ReportAggRow, ReportFactRow, ReportMarkRow, AgentStatusRow,
)

__all__ = [
    "ALL_TABLES",
    "AgentStatusRow",
    "AttachmentRow",
    "AuditLogRow",
    "BaseTable",
    "BlockRow",
    "BotAnswerRow",
    "BotLlmSettingsRow",
    "BotSettingsRow",
    "CannedReplyRow",
    "CategoryRow",
    "CompanyRow",
    "ConversationRow",
    "CustomerMergeRow",
    "CustomerNoteRow",
    "CustomerRow",
    "CustomerSearchRow",
    "FollowUpRow",
    "InvitationRow",
    "InvitationRuleRow",
    "KbEntryRow",
    "KbQuestionRow",
    "KbRevisionRow",
    "KbSynonymRow",
    "LeadRow",
    "MessageIndexRow",
    "MessageRow",
    "OutboxRow",
    "PageViewRow",
    "ReportAggRow",
    "ReportFactRow",
    "ReportMarkRow",
    "ReportRunRow",
    "SchemaMigration",
    "SearchMarkRow",
    "SessionRow",
    "SiteRow",
    "SmtpSettingsRow",
    "TeamMemberRow",
    "TeamRow",
    "UserRow",
    "UserSiteRow",
    "VisitRow",
    "VisitorRow",
]
