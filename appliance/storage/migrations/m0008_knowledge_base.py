"""Migration 8: the knowledge base, synonyms, the bot's settings, answers, votes and the
"to improve" list."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(8, "knowledge base and answer bot", sql("""
CREATE TABLE "kb_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "site_id" INTEGER, "question" TEXT NOT NULL, "phrasings" TEXT NOT NULL,
  "answer" TEXT NOT NULL, "category" TEXT NOT NULL, "enabled" INTEGER NOT NULL,
  "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "kb_entry_company_id" ON "kb_entry" ("company_id");
CREATE INDEX "kb_entry_site_id" ON "kb_entry" ("site_id");
CREATE TABLE "kb_synonym" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "terms" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE INDEX "kb_synonym_company_id" ON "kb_synonym" ("company_id");
CREATE TABLE "kb_revision" ("company_id" INTEGER NOT NULL PRIMARY KEY,
  "revision" INTEGER NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE TABLE "bot_settings" ("site_id" INTEGER NOT NULL PRIMARY KEY, "mode" TEXT NOT NULL,
  "name" TEXT NOT NULL, "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE TABLE "bot_answer" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER NOT NULL,
  "conversation_id" INTEGER, "question" TEXT NOT NULL, "action" TEXT NOT NULL,
  "entry_ids" TEXT NOT NULL, "vote" INTEGER, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "bot_answer_site_id" ON "bot_answer" ("site_id");
CREATE TABLE "kb_question" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "site_id" INTEGER NOT NULL, "text" TEXT NOT NULL, "text_key" TEXT NOT NULL,
  "reason" TEXT NOT NULL, "entry_id" INTEGER, "count" INTEGER NOT NULL,
  "created_at" DATETIME NOT NULL, "last_at" DATETIME NOT NULL, "resolved_at" DATETIME,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "kb_question_company_id" ON "kb_question" ("company_id");
CREATE INDEX "kb_question_site_id" ON "kb_question" ("site_id");
CREATE INDEX "kb_question_site_id_reason_text_key"
  ON "kb_question" ("site_id", "reason", "text_key");
"""))
