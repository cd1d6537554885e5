"""Migration 16: indexes for judging duplicate leads again after an edit. "The leads flagged
against this one" walks an index on `duplicate_of`, and "the company's leads with this phone
within the window" one on (company, phone, created_at), which replaces (company, phone): with
only that, SQLite walked (company, created_at) over every later lead of the company."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(16, "duplicate-lead indexes", sql("""
CREATE INDEX "lead_duplicate_of" ON "lead" ("duplicate_of");
DROP INDEX "lead_company_id_phone";
CREATE INDEX "lead_company_id_phone_created_at" ON "lead" ("company_id", "phone", "created_at");
"""))
