"""Migration 14: a company's optional OpenAI-compatible endpoint for the answer bot (off by
default; docs/configuration.md, "The bot's model endpoint")."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(14, "the bot's model endpoint", sql("""
CREATE TABLE "bot_llm_settings" ("company_id" INTEGER NOT NULL PRIMARY KEY,
  "enabled" INTEGER NOT NULL, "base_url" TEXT NOT NULL, "model" TEXT NOT NULL,
  "api_key" TEXT NOT NULL, "timeout_seconds" INTEGER NOT NULL, "max_entries" INTEGER NOT NULL,
  "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
"""))
