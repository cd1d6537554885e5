"""Migration 9: the search index leaves the commit path and learns each message's site.

`message_index` replaces `message_search`: the same terms, plus the site as a token of its own
column, so that a search applies its scope and its limit inside the index; and an index of
one-character prefixes, so that a one-character query reads one list too; and the prefixes
of Latin words and numbers (2–8 characters) as tokens of their own column, so that a prefix
query (`ref` for `refund`) reads one list as well instead of merging every word it starts.
It is filled by batches behind the messages (storage/search_index.py) up to the high-water
mark kept in `search_mark`, in the batch's own transaction: a crash leaves the mark where the
index is, and indexing resumes from there. Existing messages are indexed the same way, from
mark 0."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(9, "search index filled behind the messages, scoped by site", sql("""
DROP TABLE "message_search";
CREATE VIRTUAL TABLE "message_index" USING fts5 ("terms", "prefixes", "site", content='',
  contentless_delete=1, tokenize="unicode61", prefix='1');
CREATE TABLE "search_mark" ("id" INTEGER NOT NULL PRIMARY KEY,
  "last_message_id" INTEGER NOT NULL);
INSERT INTO "search_mark" ("id", "last_message_id") VALUES (1, 0);
CREATE TRIGGER "message_unindex" AFTER DELETE ON "message" BEGIN
  DELETE FROM "message_index" WHERE rowid = old."id";
  UPDATE "search_mark" SET "last_message_id" = min("last_message_id", old."id" - 1);
END;
"""))
