"""Migration 20: a visit, page view or status span that reuses a deleted row's id is counted.

The reports read the growing tables above a high-water mark (`report_mark`). SQLite gives a
new row the largest id plus one, so when the newest rows go — a retention purge of a site that
had no visitors for its whole retention period, which cascades to their visits and page views
— the next rows get ids the mark has already passed, and the reports never counted them. As
for the search index (migration 19), a deletion now lowers the mark to the largest id left
when it was above it; deleting older rows leaves it where it is. What was deleted stays
counted: the reports keep history."""

from appliance.storage.migrations.base import Migration, sql

_TRIGGER = """
CREATE TRIGGER "{table}_report_mark" AFTER DELETE ON "{table}" BEGIN
  UPDATE "report_mark" SET "last_id" = min("last_id",
    (SELECT coalesce(max("id"), 0) FROM "{table}")) WHERE "source" = '{table}';
END;
"""

MIGRATION = Migration(20, "report marks kept below reused ids", sql("".join(
    _TRIGGER.format(table=table) for table in ("visit", "page_view", "agent_status"))))
