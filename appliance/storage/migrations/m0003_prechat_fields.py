"""Migration 3: pre-chat form fields per site."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(3, "pre-chat form fields per site", sql("""
ALTER TABLE "site" ADD COLUMN "prechat_fields" TEXT NOT NULL DEFAULT '[]';
"""))
