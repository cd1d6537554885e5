"""Migration 12: report aggregates, filled behind the raw rows (storage/report_aggregates.py).

`report_agg` holds counts and sums per company, metric, local period (`dYYYY-MM-DD` days and
`mYYYY-MM` months, in the company's time zone), site, team, agent and key. What each
conversation and invitation added is kept in `report_fact` with a fingerprint of the columns
it was computed from, so a change is applied as a difference, once; visits, page views and
agents' status spans only grow and are read above the high-water marks in `report_mark`. Marks,
facts and aggregates change in one transaction: a crash loses nothing and counts nothing twice.
`agent_status` records each span of an agent's effective status (online, busy, away)."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(12, "report aggregates and agents' status spans", sql("""
CREATE TABLE "report_agg" ("company_id" INTEGER NOT NULL, "metric" TEXT NOT NULL,
  "period" TEXT NOT NULL, "site_id" INTEGER NOT NULL, "team_id" INTEGER NOT NULL,
  "agent_id" INTEGER NOT NULL, "key" TEXT NOT NULL, "n" INTEGER NOT NULL, "total" REAL NOT NULL,
  PRIMARY KEY ("company_id", "metric", "period", "site_id", "team_id", "agent_id", "key"))
  WITHOUT ROWID;
CREATE TABLE "report_fact" ("source" TEXT NOT NULL, "row_id" INTEGER NOT NULL,
  "company_id" INTEGER NOT NULL, "fingerprint" TEXT NOT NULL, "contrib" TEXT NOT NULL,
  PRIMARY KEY ("source", "row_id")) WITHOUT ROWID;
CREATE TABLE "report_mark" ("source" TEXT NOT NULL PRIMARY KEY, "last_id" INTEGER NOT NULL,
  "timezones" TEXT NOT NULL);
INSERT INTO "report_mark" ("source", "last_id", "timezones") VALUES
  ('visit', 0, ''), ('page_view', 0, ''), ('agent_status', 0, ''), ('zones', 0, '{}');
CREATE TABLE "agent_status" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL,
  "status" TEXT NOT NULL, "started_at" DATETIME NOT NULL, "ended_at" DATETIME NOT NULL);
CREATE INDEX "agent_status_user_id_started_at" ON "agent_status" ("user_id", "started_at");
"""))
