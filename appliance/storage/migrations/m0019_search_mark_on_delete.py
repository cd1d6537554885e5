"""Migration 19: deleting old messages no longer sends the search index back over history.

Migration 9's trigger moved the index's high-water mark below every message deleted, so that
a new message reusing a deleted id (SQLite gives a new row the largest id plus one) would be
indexed. But a retention purge deletes the *oldest* visitors' messages: the mark then fell to
the oldest of them and every message since was indexed again, a second time. Only an id above
every remaining message can be reused, so the mark now falls at most to the largest id left.
Existing indexes are left as they are (the terms of the messages indexed twice are replaced,
not repeated)."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(19, "search mark kept on deleting old messages", sql("""
DROP TRIGGER "message_unindex";
CREATE TRIGGER "message_unindex" AFTER DELETE ON "message" BEGIN
  DELETE FROM "message_index" WHERE rowid = old."id";
  UPDATE "search_mark" SET "last_message_id" = min("last_message_id",
    (SELECT coalesce(max("id"), 0) FROM "message"));
END;
"""))
