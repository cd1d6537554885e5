"""Migration 18: a partial index of the messages reports look at (replies, assignments and
transfers, left messages, the bot's: `tables.core.REPORT_MESSAGES_WHERE`). The report
aggregates read a conversation's messages after each change to it; through (conversation, seq)
alone SQLite visited every visitor line of the chat to find these few, so the cost of one more
message grew with the length of the chat."""

from appliance.storage.migrations.base import Migration, sql
from appliance.storage.tables.core import REPORT_MESSAGES_WHERE

MIGRATION = Migration(18, "report messages index", sql(
    'CREATE INDEX "message_report" ON "message" ("conversation_id", "seq") '
    f"WHERE {REPORT_MESSAGES_WHERE};"))
