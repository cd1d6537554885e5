"""Migration 13: the answer bot in visitor conversations: the bot's part of a message (its
answer, suggestions, the vote's record) and what became of the bot in each conversation."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(13, "the bot in conversations", sql("""
ALTER TABLE "message" ADD COLUMN "bot" TEXT;
ALTER TABLE "conversation" ADD COLUMN "bot_outcome" TEXT;
ALTER TABLE "conversation" ADD COLUMN "handover_reason" TEXT;
ALTER TABLE "conversation" ADD COLUMN "handed_over_at" DATETIME;
"""))
