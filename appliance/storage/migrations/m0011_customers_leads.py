"""Migration 11: customers (notes, follow-ups, merges), visitors linked to them, leads
(effective consultations), company settings, per-company canned replies, report runs, the
audit log, and client (portal) accounts bound to one company."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(11, "customers, leads, reports and the client portal", sql("""
ALTER TABLE "company" ADD COLUMN "settings" TEXT NOT NULL DEFAULT '{}';
ALTER TABLE "user" ADD COLUMN "company_id" INTEGER;
CREATE TABLE "customer" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL, "phone" TEXT NOT NULL, "email" TEXT NOT NULL, "wechat" TEXT NOT NULL,
  "qq" TEXT NOT NULL, "organization" TEXT NOT NULL, "address" TEXT NOT NULL, "tags" TEXT NOT NULL,
  "owner_id" INTEGER, "custom" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE SET NULL);
CREATE INDEX "customer_company_id" ON "customer" ("company_id");
CREATE INDEX "customer_owner_id" ON "customer" ("owner_id");
CREATE INDEX "customer_company_id_phone" ON "customer" ("company_id", "phone");
CREATE INDEX "customer_company_id_updated_at" ON "customer" ("company_id", "updated_at");
CREATE VIRTUAL TABLE "customer_search" USING fts5 ("terms", content='', prefix='1',
  contentless_delete=1, tokenize='unicode61');
CREATE TABLE "customer_note" ("id" INTEGER NOT NULL PRIMARY KEY,
  "customer_id" INTEGER NOT NULL, "author_id" INTEGER, "author_name" TEXT NOT NULL,
  "body" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE);
CREATE INDEX "customer_note_customer_id" ON "customer_note" ("customer_id");
CREATE TABLE "follow_up" ("id" INTEGER NOT NULL PRIMARY KEY, "customer_id" INTEGER NOT NULL,
  "owner_id" INTEGER, "due_date" DATE NOT NULL, "note" TEXT NOT NULL, "done_at" DATETIME,
  "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE SET NULL);
CREATE INDEX "follow_up_customer_id" ON "follow_up" ("customer_id");
CREATE INDEX "follow_up_owner_id" ON "follow_up" ("owner_id");
CREATE TABLE "customer_merge" ("id" INTEGER NOT NULL PRIMARY KEY,
  "company_id" INTEGER NOT NULL, "kept_id" INTEGER NOT NULL, "merged_id" INTEGER NOT NULL,
  "actor_id" INTEGER, "snapshot" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "undone_at" DATETIME,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE INDEX "customer_merge_company_id" ON "customer_merge" ("company_id");
ALTER TABLE "visitor" ADD COLUMN "customer_id" INTEGER;
CREATE INDEX "visitor_customer_id" ON "visitor" ("customer_id");
ALTER TABLE "canned_reply" ADD COLUMN "company_id" INTEGER;
CREATE INDEX "canned_reply_company_id" ON "canned_reply" ("company_id");
CREATE TABLE "lead" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "site_id" INTEGER NOT NULL, "conversation_id" INTEGER, "visitor_id" INTEGER,
  "customer_id" INTEGER, "agent_id" INTEGER, "agent_name" TEXT NOT NULL,
  "name" TEXT NOT NULL, "phone" TEXT NOT NULL, "email" TEXT NOT NULL,
  "wechat" TEXT NOT NULL, "qq" TEXT NOT NULL, "need" TEXT NOT NULL,
  "category" TEXT NOT NULL, "intent" TEXT NOT NULL, "follow_up_date" DATE,
  "source" TEXT NOT NULL, "keyword" TEXT NOT NULL, "landing_page" TEXT NOT NULL,
  "effective" INTEGER NOT NULL, "duplicate_of" INTEGER, "created_at" DATETIME NOT NULL,
  "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "lead_company_id_created_at" ON "lead" ("company_id", "created_at");
CREATE INDEX "lead_company_id_phone" ON "lead" ("company_id", "phone");
CREATE INDEX "lead_site_id" ON "lead" ("site_id");
CREATE INDEX "lead_customer_id" ON "lead" ("customer_id");
CREATE UNIQUE INDEX "lead_conversation_id" ON "lead" ("conversation_id");
CREATE TABLE "report_run" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "schedule" TEXT NOT NULL, "period" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "report_run_company_id_schedule_period"
  ON "report_run" ("company_id", "schedule", "period");
CREATE TABLE "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "actor_id" INTEGER, "actor_name" TEXT NOT NULL, "action" TEXT NOT NULL,
  "subject" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE INDEX "audit_log_company_id" ON "audit_log" ("company_id");
"""))
