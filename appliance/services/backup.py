"""Backing up the database file while the appliance may be serving."""

from __future__ import annotations

from pathlib import Path

from appliance.storage.backup import BackupError, backup_database


def do_backup(source: Path, target: Path) -> int:
    """Write a consistent, integrity-checked copy of `source` to `target`; returns its size."""
    return backup_database(source, target)


__all__ = ["BackupError", "do_backup"]
