"""Migration 6: one outbox for every side effect that leaves the process (mail first)."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(6, "one outbox for side effects; mails move into it", sql("""
CREATE TABLE "outbox" ("id" INTEGER NOT NULL PRIMARY KEY, "kind" TEXT NOT NULL,
  "payload" TEXT NOT NULL, "status" TEXT NOT NULL, "attempts" INTEGER NOT NULL,
  "last_error" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "next_attempt_at" DATETIME NOT NULL, "sent_at" DATETIME);
CREATE INDEX "outbox_status_next_attempt_at" ON "outbox" ("status", "next_attempt_at");
INSERT INTO "outbox" ("id", "kind", "payload", "status", "attempts", "last_error",
  "created_at", "next_attempt_at", "sent_at")
  SELECT "id", 'mail', json_object('to', "to_address", 'subject', "subject", 'body', "body"),
    "status", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at"
  FROM "mail_outbox";
DROP TABLE "mail_outbox";
"""))
