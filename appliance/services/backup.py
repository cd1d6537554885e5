"""Backing up the database file while the appliance may be serving."""

from __future__ import annotations

from pathlib import Path

from appliance.storage.backup import BackupError, backup_database, restore_database


def do_backup(source: Path, target: Path) -> int:
    """Write a consistent, integrity-checked copy of `source` to `target`; returns its size."""
    return backup_database(source, target)


def do_restore(backup: Path, target: Path, keep_folder: Path, stamp: str) -> Path | None:
    """Put a backup in place of the database (Kefu stopped); returns where the replaced
    database was kept."""
    return restore_database(backup, target, keep_folder, stamp)


__all__ = ["BackupError", "do_backup", "do_restore"]
