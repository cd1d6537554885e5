"""Online, consistent copies of the database file (SQLite's backup API)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import apsw

from appliance.storage.database import BUSY_TIMEOUT_SECONDS, integrity_check


class BackupError(Exception):
    """The copy could not be made or failed its integrity check."""


def backup_database(source: Path, target: Path) -> int:
    """Copy `source` to `target` while the appliance may be writing; returns the byte size.

    The copy is made in one step inside one read transaction, so it is a consistent snapshot
    even while the writer commits. It is written next to the target and renamed into place
    only after `PRAGMA integrity_check` passed, so a failed backup never leaves a file that
    looks like a good one.
    """
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose another file name")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        src = apsw.Connection(str(source), flags=apsw.SQLITE_OPEN_READONLY)
        src.setbusytimeout(int(BUSY_TIMEOUT_SECONDS * 1000))
        dst = apsw.Connection(str(partial))
        try:
            with dst.backup("main", src, "main") as step:
                step.step(-1)
            # A standalone file: no -wal beside it to lose when copied elsewhere.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        result = integrity_check(partial)
        if result != "ok":
            raise BackupError(f"backup failed its integrity check: {result}")
        os.link(partial, target)  # fails rather than overwrite a file created meanwhile
    except apsw.Error as exc:
        raise BackupError(f"backup failed: {exc}") from exc
    except FileExistsError as exc:
        raise BackupError(f"{target} already exists; choose another file name") from exc
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target.stat().st_size


def restore_database(backup: Path, target: Path, keep_folder: Path, stamp: str) -> Path | None:
    """Put the backup `backup` in place of the database `target` (the appliance stopped).

    The backup is checked first (integrity, and that it is a Kefu database). The database it
    replaces is moved, with its `-wal` and `-shm` files, into `keep_folder` as
    `kefu-replaced-<stamp>.db`: copying a backup over `kefu.db` by hand and leaving the old
    `-wal` beside it makes SQLite replay the old writes onto the backup at the next start.
    The copy is written next to the target and renamed into place. Returns where the replaced
    database went (None when there was none)."""
    from appliance.storage.migrations import LATEST_VERSION, schema_version

    backup = backup.resolve()
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    for suffix in ("", "-wal", "-shm"):  # the database itself (also through a link) after a
        held = target.with_name(target.name + suffix)  # crash is no backup: its WAL holds
        if held.exists() and backup.samefile(held):    # writes the copy would lose
            raise BackupError(f"{backup} is the database Kefu uses, not a backup: restore a "
                              "file made by `kefu backup` or one from backups/")
    try:
        result = integrity_check(backup)
        conn = apsw.Connection(str(backup), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except apsw.Error as exc:
        raise BackupError(f"{backup} is not a readable SQLite database: {exc}") from exc
    if result != "ok":
        raise BackupError(f"{backup} failed its integrity check: {result}")
    if "schema_migration" not in tables:
        raise BackupError(f"{backup} is not a Kefu database")
    newest = schema_version(backup)
    if newest > LATEST_VERSION:
        raise BackupError(f"{backup} was written by a newer version of Kefu (schema {newest}; "
                          f"this version knows up to {LATEST_VERSION}): restore it with that "
                          "version. Nothing was changed.")
    partial = target.with_name(target.name + ".restoring")
    kept: Path | None = None
    try:
        shutil.copyfile(backup, partial)
        with partial.open("rb+") as copied:
            os.fsync(copied.fileno())
        if target.exists():
            keep_folder.mkdir(parents=True, exist_ok=True)
            kept = keep_folder / f"kefu-replaced-{stamp}.db"
            for suffix in ("", "-wal", "-shm"):
                old = target.with_name(target.name + suffix)
                if old.exists():
                    os.replace(old, kept.with_name(kept.name + suffix))
        else:
            for suffix in ("-wal", "-shm"):  # a WAL without its database is nobody's
                with contextlib.suppress(FileNotFoundError):
                    target.with_name(target.name + suffix).unlink()
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"cannot restore into {target}: {exc.strerror}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return kept
