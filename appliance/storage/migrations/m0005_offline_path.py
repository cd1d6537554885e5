"""Migration 5: offline path: business hours, notification address, SMTP, mail outbox."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(
    5, "offline path: business hours, notification address, SMTP, mail outbox", sql("""
ALTER TABLE "site" ADD COLUMN "business_hours" TEXT NOT NULL DEFAULT '';
ALTER TABLE "site" ADD COLUMN "offline_mode" TEXT NOT NULL DEFAULT 'leave_message';
ALTER TABLE "site" ADD COLUMN "notify_email" TEXT NOT NULL DEFAULT '';
CREATE TABLE "smtp_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "host" TEXT NOT NULL,
  "port" INTEGER NOT NULL, "security" TEXT NOT NULL, "username" TEXT NOT NULL,
  "password" TEXT NOT NULL, "from_address" TEXT NOT NULL, "updated_at" DATETIME NOT NULL);
CREATE TABLE "mail_outbox" ("id" INTEGER NOT NULL PRIMARY KEY, "to_address" TEXT NOT NULL,
  "subject" TEXT NOT NULL, "body" TEXT NOT NULL, "status" TEXT NOT NULL,
  "attempts" INTEGER NOT NULL, "last_error" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "next_attempt_at" DATETIME NOT NULL, "sent_at" DATETIME);
CREATE INDEX "mail_outbox_status_next_attempt_at" ON "mail_outbox" ("status", "next_attempt_at");
"""))
