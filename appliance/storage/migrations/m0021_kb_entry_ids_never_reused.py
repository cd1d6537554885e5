"""Migration 21: a knowledge-base entry's id is never given to another entry.

Bot answers (`bot_answer.entry_ids`), the "to improve" list (`kb_question.entry_id`) and the
bot's replies kept in transcripts refer to entries by id. SQLite gives a new row the largest
id plus one, so deleting the newest entries — or an import that replaces the knowledge base —
handed their ids to new, unrelated entries: a 👎 on an old answer then offered one of them as
"the entry voted down". The table is rebuilt with AUTOINCREMENT (ids only grow), its sequence
starting above every id in use or referred to by the answers and the list (the transcripts'
replies are also in `bot_answer`); the list's questions stop naming entries already deleted."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(21, "knowledge-base entry ids never reused", sql("""
CREATE TABLE "kb_entry_new" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "company_id" INTEGER NOT NULL, "site_id" INTEGER, "question" TEXT NOT NULL,
  "phrasings" TEXT NOT NULL, "answer" TEXT NOT NULL, "category" TEXT NOT NULL,
  "enabled" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL,
  "answer_text" TEXT NOT NULL DEFAULT '',
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
INSERT INTO "kb_entry_new" ("id", "company_id", "site_id", "question", "phrasings", "answer",
  "category", "enabled", "created_at", "updated_at", "answer_text")
  SELECT "id", "company_id", "site_id", "question", "phrasings", "answer", "category",
  "enabled", "created_at", "updated_at", "answer_text" FROM "kb_entry";
DROP TABLE "kb_entry";
ALTER TABLE "kb_entry_new" RENAME TO "kb_entry";
CREATE INDEX "kb_entry_company_id" ON "kb_entry" ("company_id");
CREATE INDEX "kb_entry_site_id" ON "kb_entry" ("site_id");
INSERT INTO "sqlite_sequence" ("name", "seq") SELECT 'kb_entry', 0
  WHERE NOT EXISTS (SELECT 1 FROM "sqlite_sequence" WHERE "name" = 'kb_entry');
UPDATE "sqlite_sequence" SET "seq" = max("seq",
  coalesce((SELECT max("entry_id") FROM "kb_question"), 0),
  coalesce((SELECT max(CAST(j."value" AS INTEGER))
            FROM "bot_answer", json_each("bot_answer"."entry_ids") j), 0))
  WHERE "name" = 'kb_entry';
UPDATE "kb_question" SET "entry_id" = NULL WHERE "entry_id" IS NOT NULL
  AND "entry_id" NOT IN (SELECT "id" FROM "kb_entry");
"""))
