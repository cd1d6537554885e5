"""Migration 10: who is on the site: visits, page views, invitations and their rules, blocks,
and the sites' privacy and identity settings."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(10, "visits, page views, invitations, blocks", sql("""
ALTER TABLE "site" ADD COLUMN "track_before_chat" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "site" ADD COLUMN "honour_dnt" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "site" ADD COLUMN "require_identity" TEXT NOT NULL DEFAULT 'none';
ALTER TABLE "site" ADD COLUMN "invitation_templates" TEXT NOT NULL DEFAULT '[]';
CREATE TABLE "visit" ("id" INTEGER NOT NULL PRIMARY KEY, "visitor_id" INTEGER NOT NULL,
  "site_id" INTEGER NOT NULL, "number" INTEGER NOT NULL, "started_at" DATETIME NOT NULL,
  "last_seen_at" DATETIME NOT NULL, "entry_url" TEXT NOT NULL, "entry_title" TEXT NOT NULL,
  "referrer" TEXT NOT NULL, "source_kind" TEXT NOT NULL, "source_name" TEXT NOT NULL,
  "keyword" TEXT NOT NULL, "campaign" TEXT NOT NULL, "user_agent" TEXT NOT NULL,
  "browser" TEXT NOT NULL, "os" TEXT NOT NULL, "device" TEXT NOT NULL,
  "language" TEXT NOT NULL, "ip" TEXT NOT NULL, "ip_truncated" INTEGER NOT NULL,
  "country" TEXT NOT NULL, "province" TEXT NOT NULL, "city" TEXT NOT NULL,
  "page_count" INTEGER NOT NULL,
  FOREIGN KEY ("visitor_id") REFERENCES "visitor" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "visit_visitor_id_started_at" ON "visit" ("visitor_id", "started_at");
CREATE INDEX "visit_site_id_started_at" ON "visit" ("site_id", "started_at");
CREATE INDEX "visit_ip_truncated_started_at" ON "visit" ("ip_truncated", "started_at");
CREATE TABLE "page_view" ("id" INTEGER NOT NULL PRIMARY KEY, "visit_id" INTEGER NOT NULL,
  "visitor_id" INTEGER NOT NULL, "tab" TEXT NOT NULL, "url" TEXT NOT NULL,
  "title" TEXT NOT NULL, "started_at" DATETIME NOT NULL, "seconds" INTEGER NOT NULL,
  "position" INTEGER NOT NULL,
  FOREIGN KEY ("visit_id") REFERENCES "visit" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "page_view_visit_id_position" ON "page_view" ("visit_id", "position");
CREATE TABLE "invitation_rule" ("id" INTEGER NOT NULL PRIMARY KEY,
  "site_id" INTEGER NOT NULL, "name" TEXT NOT NULL, "enabled" INTEGER NOT NULL,
  "priority" INTEGER NOT NULL, "conditions" TEXT NOT NULL, "message" TEXT NOT NULL,
  "team_id" INTEGER, "per_visit_cap" INTEGER NOT NULL, "per_day_cap" INTEGER NOT NULL,
  "on_phones" INTEGER NOT NULL, "created_at" DATETIME NOT NULL,
  "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "invitation_rule_site_id" ON "invitation_rule" ("site_id");
CREATE TABLE "invitation" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER NOT NULL,
  "visitor_id" INTEGER NOT NULL, "visit_id" INTEGER, "agent_id" INTEGER, "rule_id" INTEGER,
  "message" TEXT NOT NULL, "page_url" TEXT NOT NULL, "status" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL, "answered_at" DATETIME, "conversation_id" INTEGER,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "invitation_site_id" ON "invitation" ("site_id");
CREATE INDEX "invitation_visitor_id_created_at" ON "invitation" ("visitor_id", "created_at");
CREATE INDEX "invitation_status" ON "invitation" ("status");
CREATE TABLE "block" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "site_id" INTEGER, "kind" TEXT NOT NULL, "value" TEXT NOT NULL, "reason" TEXT NOT NULL,
  "created_by" INTEGER, "created_at" DATETIME NOT NULL, "removed_at" DATETIME,
  "removed_by" INTEGER,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
CREATE INDEX "block_company_id" ON "block" ("company_id");
"""))
