"""Migration 1: companies, sites, users and sessions."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(1, "companies, sites, users and sessions", sql("""
CREATE TABLE "company" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL);
CREATE TABLE "site" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL, "url" TEXT NOT NULL, "widget_key" TEXT NOT NULL,
  "allowed_origins" TEXT NOT NULL, "display_name" TEXT NOT NULL, "logo_url" TEXT NOT NULL,
  "greeting" TEXT NOT NULL, "theme_color" TEXT NOT NULL, "widget_position" TEXT NOT NULL,
  "language" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE RESTRICT);
CREATE INDEX "site_company_id" ON "site" ("company_id");
CREATE UNIQUE INDEX "site_widget_key" ON "site" ("widget_key");
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "login" TEXT NOT NULL,
  "display_name" TEXT NOT NULL, "role" TEXT NOT NULL, "password_hash" TEXT NOT NULL,
  "active" INTEGER NOT NULL, "language" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "updated_at" DATETIME NOT NULL, "deactivated_at" DATETIME);
CREATE UNIQUE INDEX "user_login" ON "user" ("login");
CREATE TABLE "user_site" ("user_id" INTEGER NOT NULL, "site_id" INTEGER NOT NULL,
  PRIMARY KEY ("user_id", "site_id"),
  FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "user_site_user_id" ON "user_site" ("user_id");
CREATE INDEX "user_site_site_id" ON "user_site" ("site_id");
CREATE TABLE "session" ("id" INTEGER NOT NULL PRIMARY KEY, "token_hash" TEXT NOT NULL,
  "user_id" INTEGER NOT NULL, "csrf_token" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "last_seen_at" DATETIME NOT NULL, "expires_at" DATETIME NOT NULL, "ip" TEXT NOT NULL,
  "user_agent" TEXT NOT NULL,
  FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "session_token_hash" ON "session" ("token_hash");
CREATE INDEX "session_user_id" ON "session" ("user_id");
CREATE INDEX "session_expires_at" ON "session" ("expires_at");
"""))
