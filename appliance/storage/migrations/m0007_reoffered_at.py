"""Migration 7: an unanswered chat is re-offered once (when it was is recorded)."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(7, "an unanswered chat is re-offered once", sql("""
ALTER TABLE "conversation" ADD COLUMN "reoffered_at" DATETIME;
"""))
