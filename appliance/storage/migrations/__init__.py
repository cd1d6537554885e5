"""Schema migrations: one module per migration, listed here in order, append-only, each
applied in its own transaction and recorded; a backup is taken before any is applied.

To change the schema, add `mNNNN_what.py` with `MIGRATION = Migration(N, ...)` and append it to
`MIGRATIONS` below (never edit one that has shipped); then change the module of that part in
`storage/tables/` to match (tests/test_storage_migrations.py compares the two)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import apsw

from appliance.domain.errors import DatabaseTooNew, DatabaseUnusable
from appliance.storage.backup import backup_database
from appliance.storage.database import BUSY_TIMEOUT_SECONDS
from appliance.storage.migrations import (
    m0001_companies_sites_users,
    m0002_conversations,
    m0003_prechat_fields,
    m0004_routing,
    m0005_offline_path,
    m0006_outbox,
    m0007_reoffered_at,
    m0008_knowledge_base,
    m0009_search_index,
    m0010_visitors,
    m0011_customers_leads,
    m0012_report_aggregates,
    m0013_bot_in_conversations,
    m0014_bot_llm_settings,
    m0015_kb_answer_text,
    m0016_lead_flag_indexes,
    m0017_references_in_scope,
    m0018_report_messages_index,
    m0019_search_mark_on_delete,
    m0020_report_marks_on_delete,
    m0021_kb_entry_ids_never_reused,
    m0022_ids_never_reused,
    m0023_visitor_ids_never_reused,
    m0024_lead_chat_started_at,
)
from appliance.storage.migrations.base import Migration

log = logging.getLogger(__name__)

MIGRATIONS: tuple[Migration, ...] = (
    m0001_companies_sites_users.MIGRATION,
    m0002_conversations.MIGRATION,
    m0003_prechat_fields.MIGRATION,
    m0004_routing.MIGRATION,
    m0005_offline_path.MIGRATION,
    m0006_outbox.MIGRATION,
    m0007_reoffered_at.MIGRATION,
    m0008_knowledge_base.MIGRATION,
    m0009_search_index.MIGRATION,
    m0010_visitors.MIGRATION,
    m0011_customers_leads.MIGRATION,
    m0012_report_aggregates.MIGRATION,
    m0013_bot_in_conversations.MIGRATION,
    m0014_bot_llm_settings.MIGRATION,
    m0015_kb_answer_text.MIGRATION,
    m0016_lead_flag_indexes.MIGRATION,
    m0017_references_in_scope.MIGRATION,
    m0018_report_messages_index.MIGRATION,
    m0019_search_mark_on_delete.MIGRATION,
    m0020_report_marks_on_delete.MIGRATION,
    m0021_kb_entry_ids_never_reused.MIGRATION,
    m0022_ids_never_reused.MIGRATION,
    m0023_visitor_ids_never_reused.MIGRATION,
    m0024_lead_chat_started_at.MIGRATION,
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
            f"{backups_dir} (kefu restore) or move the file away to start afresh."
        ) from exc
    except apsw.FullError as exc:
        raise DatabaseUnusable(
            f"The disk holding {path} is full: free some space and start Kefu again. "
            "Nothing was changed.") from exc
    except (apsw.ReadOnlyError, apsw.CantOpenError, apsw.PermissionsError) as exc:
        raise DatabaseUnusable(
            f"{path} cannot be opened for writing ({exc}): give it, its folder and its -wal "
            "and -shm files to the user Kefu runs as.") from exc


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
            if not migration.foreign_keys:  # only outside a transaction
                conn.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn:  # one transaction per migration
                    migration.apply(conn)
                    conn.execute(
                        'INSERT INTO "schema_migration" ("version", "name", "applied_at") '
                        "VALUES (?, ?, ?)",
                        (migration.version, migration.name, str(now)),
                    )
            finally:
                conn.execute("PRAGMA foreign_keys=ON")
            done.append(migration.version)
            log.info("applied migration %d: %s", migration.version, migration.name)
        return MigrationReport(tuple(done), done[-1], backup)
    finally:
        conn.close()


def _prune_backups(folder: Path, keep: int) -> None:
    backups = sorted(folder.glob("kefu-*-schema*-before-*.db"))
    for old in backups[: max(0, len(backups) - max(1, keep))]:
        old.unlink(missing_ok=True)
