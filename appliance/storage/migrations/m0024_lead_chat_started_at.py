"""Migration 24: a lead counts on the local day its chat started, as the chats and conversion
reports count it. Each lead keeps its chat's start (`chat_started_at`, set when the lead is
first saved), so the billing report, its exports and the lead lists read the same day as the
aggregates, and still do after a retention purge took the chat away. Existing leads take
their conversation's start; a lead whose conversation is already gone keeps the time it was
saved (nothing else is known of it)."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(24, "leads count on their chat's day", sql("""
ALTER TABLE "lead" ADD COLUMN "chat_started_at" DATETIME;
UPDATE "lead" SET "chat_started_at" = coalesce((SELECT c."created_at" FROM "conversation" c
  WHERE c."id" = "lead"."conversation_id"), "created_at");
CREATE INDEX "lead_company_id_chat_started_at" ON "lead" ("company_id", "chat_started_at");
"""))
