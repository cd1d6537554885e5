"""Schema migrations: listed in code, append-only, each in its own transaction, recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import apsw

from appliance.domain.errors import DatabaseTooNew, DatabaseUnusable
from appliance.storage.backup import backup_database
from appliance.storage.database import BUSY_TIMEOUT_SECONDS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[apsw.Connection], None]


def _sql(script: str) -> Callable[[apsw.Connection], None]:
    def apply(conn: apsw.Connection) -> None:
        conn.execute(script)

    return apply


# Never edit a migration that has shipped; append a new one instead.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "companies, sites, users and sessions", _sql("""
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
""")),
    Migration(2, "visitors, conversations, messages, attachments, canned replies, search",
              _sql("""
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
""")),
    Migration(3, "pre-chat form fields per site", _sql("""
ALTER TABLE "site" ADD COLUMN "prechat_fields" TEXT NOT NULL DEFAULT '[]';
""")),
    Migration(4, "routing: teams, categories, chat limits, queue, follow-up, rating", _sql("""
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
""")),
    Migration(5, "offline path: business hours, notification address, SMTP, mail outbox",
              _sql("""
ALTER TABLE "site" ADD COLUMN "business_hours" TEXT NOT NULL DEFAULT '';
ALTER TABLE "site" ADD COLUMN "offline_mode" TEXT NOT NULL DEFAULT 'leave_message';
ALTER TABLE "site" ADD COLUMN "notify_email" TEXT NOT NULL DEFAULT '';
CREATE TABLE "smtp_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "host" TEXT NOT NULL,
  "port" INTEGER NOT NULL, "security" TEXT NOT NULL, "username" TEXT NOT NULL,
  "password" TEXT NOT NULL, "from_address" TEXT NOT NULL, "updated_at" DATETIME NOT NULL);
CREATE TABLE "mail_outbox" ("id" INTEGER NOT NULL PRIMARY KEY, "to_address" TEXT NOT NULL,
  "subject" TEXT NOT NULL, "body" TEXT NOT NULL, "status" TEXT NOT NULL,
  "attempts" INTEGER NOT NULL, "last_error" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "next_attempt_at" DATETIME NOT NULL, "sent_at" DATETIME);
CREATE INDEX "mail_outbox_status_next_attempt_at" ON "mail_outbox" ("status", "next_attempt_at");
""")),
    Migration(6, "an unanswered chat is re-offered once", _sql("""
ALTER TABLE "conversation" ADD COLUMN "reoffered_at" DATETIME;
""")),
)

LATEST_VERSION = MIGRATIONS[-1].version

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS "schema_migration" ("version" INTEGER NOT NULL PRIMARY KEY,
  "name" TEXT NOT NULL, "applied_at" DATETIME NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class MigrationReport:
    applied: tuple[int, ...]
    version: int
    backup: Path | None


def _applied_versions(conn: apsw.Connection) -> set[int]:
    return {row[0] for row in conn.execute('SELECT "version" FROM "schema_migration"')}


def _has_migration_table(conn: apsw.Connection) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'schema_migration'").fetchone() is not None


def _check_not_newer(applied: set[int], known: int) -> None:
    newest = max(applied, default=0)
    if newest > known:
        raise DatabaseTooNew(
            f"This database was written by a newer version of Kefu (schema {newest}; this "
            f"version knows up to {known}). Run the newer version, or restore a "
            "backup made with this one. The database was not changed."
        )


def schema_version(path: Path) -> int:
    """The newest migration applied to the file at `path` (0 when none or no file)."""
    if not path.exists():
        return 0
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return max(_applied_versions(conn), default=0) if _has_migration_table(conn) else 0
    finally:
        conn.close()


def migrate(path: Path, backups_dir: Path, *, now: datetime, keep_backups: int = 10,
            migrations: tuple[Migration, ...] = MIGRATIONS) -> MigrationReport:
    """Apply pending migrations to the database at `path`, backing it up first if it has data."""
    try:
        return _migrate(path, backups_dir, now=now, keep_backups=keep_backups,
                        migrations=migrations)
    except (apsw.NotADBError, apsw.CorruptError) as exc:
        raise DatabaseUnusable(
            f"{path} is damaged or not a Kefu database ({exc}). Restore a backup from "
            f"{backups_dir} or move the file away to start afresh."
        ) from exc


def _migrate(path: Path, backups_dir: Path, *, now: datetime, keep_backups: int,
             migrations: tuple[Migration, ...]) -> MigrationReport:
    known = max((m.version for m in migrations), default=0)
    conn = apsw.Connection(str(path))
    try:
        conn.setbusytimeout(int(BUSY_TIMEOUT_SECONDS * 1000))
        # Refuse a newer database before touching it: even switching a copied backup to WAL
        # rewrites its header.
        if _has_migration_table(conn):
            _check_not_newer(_applied_versions(conn), known)
        conn.execute("PRAGMA journal_mode=wal")
        conn.execute("PRAGMA foreign_keys=ON")
        with conn:
            conn.execute(_BOOTSTRAP)
        applied = _applied_versions(conn)
        pending = [m for m in migrations if m.version not in applied]
        current = max(applied, default=0)
        if not pending:
            return MigrationReport((), current, None)
        backup = None
        if applied:
            backups_dir.mkdir(parents=True, exist_ok=True)
            stamp = now.strftime("%Y%m%d-%H%M%S")
            backup = backups_dir / f"kefu-{stamp}-schema{current}-before-{pending[-1].version}.db"
            backup_database(path, backup)
            _prune_backups(backups_dir, keep_backups)
            log.info("backed up the database to %s before migrating", backup)
        done: list[int] = []
        for migration in pending:
            with conn:  # one transaction per migration
                migration.apply(conn)
                conn.execute(
                    'INSERT INTO "schema_migration" ("version", "name", "applied_at") '
                    "VALUES (?, ?, ?)",
                    (migration.version, migration.name, str(now)),
                )
            done.append(migration.version)
            log.info("applied migration %d: %s", migration.version, migration.name)
        return MigrationReport(tuple(done), done[-1], backup)
    finally:
        conn.close()


def _prune_backups(folder: Path, keep: int) -> None:
    backups = sorted(folder.glob("kefu-*-schema*-before-*.db"))
    for old in backups[: max(0, len(backups) - max(1, keep))]:
        old.unlink(missing_ok=True)
