"""Tables: The knowledge base and the answer bot."""

from __future__ import annotations

from typing import Any

import peewee as pw
from playhouse.apsw_ext import BooleanField, DateTimeField
from playhouse.sqlite_ext import AutoIncrementField

from appliance.storage.tables.base import BaseTable
from appliance.storage.tables.core import CompanyRow, SiteRow


class KbEntryRow(BaseTable):
    """A knowledge-base entry of a company, for all its sites or one (migration 8)."""

    company_id: Any  # the column behind `company` (peewee adds it)
    site_id: Any  # the column behind `site` (peewee adds it)

    # Never reused (migration 21): answers, votes and the "to improve" list keep entry ids.
    id = AutoIncrementField()
    company = pw.ForeignKeyField(CompanyRow, on_delete="CASCADE")
    site = pw.ForeignKeyField(SiteRow, null=True, on_delete="CASCADE")
    question = pw.TextField()
    phrasings = pw.TextField()  # JSON list of strings
    answer = pw.TextField()  # sanitised HTML
    category = pw.TextField()
    enabled = BooleanField()
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # The answer's visible text (domain/kb.py: plain_text), kept with every write of `answer`
    # for the entries search (migration 15).
    answer_text = pw.TextField(default="", constraints=[pw.SQL("DEFAULT ''")])

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


class BotLlmSettingsRow(BaseTable):
    """A company's OpenAI-compatible endpoint for the bot (migration 14; off by default)."""

    company = pw.ForeignKeyField(CompanyRow, primary_key=True, on_delete="CASCADE")
    enabled = BooleanField()
    base_url = pw.TextField()
    model = pw.TextField()
    api_key = pw.TextField()  # never sent to any client (domain/bot_llm.py: key_hint)
    timeout_seconds = pw.IntegerField()
    max_entries = pw.IntegerField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "bot_llm_settings"


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
