"""Migration 4: routing: teams, categories, chat limits, queue, follow-up, rating."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(
    4, "routing: teams, categories, chat limits, queue, follow-up, rating", sql("""
ALTER TABLE "company" ADD COLUMN "max_chats" INTEGER NOT NULL DEFAULT 5;
ALTER TABLE "site" ADD COLUMN "routing_strategy" TEXT NOT NULL DEFAULT 'least_busy';
ALTER TABLE "site" ADD COLUMN "unanswered_seconds" INTEGER NOT NULL DEFAULT 60;
ALTER TABLE "site" ADD COLUMN "fallback_team_id" INTEGER;
ALTER TABLE "user" ADD COLUMN "max_chats" INTEGER;
ALTER TABLE "user" ADD COLUMN "status_choice" TEXT NOT NULL DEFAULT 'online';
ALTER TABLE "conversation" ADD COLUMN "team_id" INTEGER;
ALTER TABLE "conversation" ADD COLUMN "category_id" INTEGER;
ALTER TABLE "conversation" ADD COLUMN "queued_at" DATETIME;
ALTER TABLE "conversation" ADD COLUMN "first_response_at" DATETIME;
ALTER TABLE "conversation" ADD COLUMN "missed" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "conversation" ADD COLUMN "rating" INTEGER;
ALTER TABLE "conversation" ADD COLUMN "rating_comment" TEXT NOT NULL DEFAULT '';
CREATE TABLE "team" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER,
  "name" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "team_site_id" ON "team" ("site_id");
CREATE TABLE "team_member" ("team_id" INTEGER NOT NULL, "user_id" INTEGER NOT NULL,
  PRIMARY KEY ("team_id", "user_id"),
  FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE INDEX "team_member_team_id" ON "team_member" ("team_id");
CREATE INDEX "team_member_user_id" ON "team_member" ("user_id");
CREATE TABLE "category" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL, "team_id" INTEGER, "position" INTEGER NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE SET NULL);
CREATE INDEX "category_site_id" ON "category" ("site_id");
CREATE INDEX "category_team_id" ON "category" ("team_id");
"""))
