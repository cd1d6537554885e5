"""Migration 2: visitors, conversations, messages, attachments, canned replies, search."""

from appliance.storage.migrations.base import Migration, sql

MIGRATION = Migration(
    2, "visitors, conversations, messages, attachments, canned replies, search", sql("""
ALTER TABLE "site" ADD COLUMN "typing_preview" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "site" ADD COLUMN "identity_secret" TEXT NOT NULL DEFAULT '';
CREATE TABLE "visitor" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER NOT NULL,
  "token_hash" TEXT NOT NULL, "name" TEXT NOT NULL, "email" TEXT NOT NULL,
  "phone" TEXT NOT NULL, "attributes" TEXT NOT NULL, "page_url" TEXT NOT NULL,
  "page_title" TEXT NOT NULL, "referrer" TEXT NOT NULL, "user_agent" TEXT NOT NULL,
  "first_seen_at" DATETIME NOT NULL, "last_seen_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE);
CREATE INDEX "visitor_site_id" ON "visitor" ("site_id");
CREATE UNIQUE INDEX "visitor_token_hash" ON "visitor" ("token_hash");
CREATE TABLE "conversation" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER NOT NULL,
  "visitor_id" INTEGER NOT NULL, "status" TEXT NOT NULL, "assignee_id" INTEGER,
  "last_seq" INTEGER NOT NULL, "visitor_last_seq" INTEGER NOT NULL,
  "agent_read_seq" INTEGER NOT NULL, "visitor_read_seq" INTEGER NOT NULL,
  "unread" INTEGER NOT NULL, "last_message_id" INTEGER, "created_at" DATETIME NOT NULL,
  "last_activity_at" DATETIME NOT NULL, "closed_at" DATETIME,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("visitor_id") REFERENCES "visitor" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("assignee_id") REFERENCES "user" ("id") ON DELETE SET NULL);
CREATE INDEX "conversation_visitor_id" ON "conversation" ("visitor_id");
CREATE INDEX "conversation_site_id_status_last_activity_at"
  ON "conversation" ("site_id", "status", "last_activity_at");
CREATE INDEX "conversation_assignee_id_status" ON "conversation" ("assignee_id", "status");
CREATE TABLE "attachment" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER NOT NULL,
  "conversation_id" INTEGER, "uploader_type" TEXT NOT NULL, "uploader_id" INTEGER NOT NULL,
  "name" TEXT NOT NULL, "mime" TEXT NOT NULL, "kind" TEXT NOT NULL, "size" INTEGER NOT NULL,
  "storage_name" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("conversation_id") REFERENCES "conversation" ("id") ON DELETE CASCADE);
CREATE INDEX "attachment_site_id" ON "attachment" ("site_id");
CREATE INDEX "attachment_conversation_id" ON "attachment" ("conversation_id");
CREATE UNIQUE INDEX "attachment_storage_name" ON "attachment" ("storage_name");
CREATE TABLE "message" ("id" INTEGER NOT NULL PRIMARY KEY, "conversation_id" INTEGER NOT NULL,
  "seq" INTEGER NOT NULL, "client_id" TEXT NOT NULL, "sender_type" TEXT NOT NULL,
  "sender_id" INTEGER, "sender_name" TEXT NOT NULL, "kind" TEXT NOT NULL, "body" TEXT NOT NULL,
  "attachment_id" INTEGER, "created_at" DATETIME NOT NULL,
  FOREIGN KEY ("conversation_id") REFERENCES "conversation" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("attachment_id") REFERENCES "attachment" ("id") ON DELETE SET NULL);
CREATE INDEX "message_attachment_id" ON "message" ("attachment_id");
CREATE UNIQUE INDEX "message_conversation_id_seq" ON "message" ("conversation_id", "seq");
CREATE UNIQUE INDEX "message_sender_type_sender_id_client_id"
  ON "message" ("sender_type", "sender_id", "client_id");
CREATE TABLE "canned_reply" ("id" INTEGER NOT NULL PRIMARY KEY, "site_id" INTEGER,
  "owner_id" INTEGER, "shortcut" TEXT NOT NULL, "body" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("site_id") REFERENCES "site" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE INDEX "canned_reply_site_id" ON "canned_reply" ("site_id");
CREATE INDEX "canned_reply_owner_id" ON "canned_reply" ("owner_id");
CREATE VIRTUAL TABLE "message_search" USING fts5 ("terms", content='', contentless_delete=1,
  tokenize="unicode61");
"""))
