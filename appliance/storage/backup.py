"""Online, consistent copies of the database file (SQLite's backup API)."""

from __future__ import annotations

import contextlib
import os
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
