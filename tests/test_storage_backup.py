"""Online backups: consistent while the writer commits, checked, never half-written."""

from __future__ import annotations

import threading
from pathlib import Path

import apsw
import pytest

from appliance.storage.backup import BackupError, backup_database
from appliance.storage.database import Database, bound_database, integrity_check


def read_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def create_pair_tables() -> None:
    sql = bound_database.obj.execute_sql
    sql('CREATE TABLE "left_half" ("n" INTEGER PRIMARY KEY, "pad" BLOB NOT NULL)')
    sql('CREATE TABLE "right_half" ("n" INTEGER PRIMARY KEY, "pad" BLOB NOT NULL)')


def insert_pair(n: int) -> None:
    """One write job, two rows: a consistent copy has both or neither."""
    sql = bound_database.obj.execute_sql
    sql('INSERT INTO "left_half" VALUES (?, randomblob(2000))', (n,))
    sql('INSERT INTO "right_half" VALUES (?, randomblob(2000))', (n,))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "kefu.db"
    database = Database(path)
    database.start()
    try:
        database.write_blocking(create_pair_tables)
        for n in range(1, 51):
            database.write_blocking(insert_pair, n)
    finally:
        database.close()
    return path


def test_backup_while_another_thread_keeps_writing(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    database = Database(path, batch_max=7)  # many small transactions
    database.start()
    database.write_blocking(create_pair_tables)
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def keep_writing() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                database.write_blocking(insert_pair, n)
                written.append(n)
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    copies: list[Path] = []

    def wait_for_writes(count: int) -> None:
        for _ in range(2000):
            if len(written) >= count or failures:
                return
            stop.wait(0.005)

    try:
        for i in range(3):
            wait_for_writes(20 * (i + 1))
            acked_before = len(written)
            copy = tmp_path / f"copy-{i}.db"
            size = backup_database(path, copy)
            assert size == copy.stat().st_size > 0
            copies.append(copy)
            # Every write acknowledged before the copy started is in it.
            assert acked_before <= len(read_rows(copy, 'SELECT "n" FROM "left_half"'))
        wait_for_writes(len(written) + 10)
    finally:
        stop.set()
        writer.join(30)
        database.close()
    assert not failures
    assert not writer.is_alive()

    counts = []
    for copy in copies:
        assert integrity_check(copy) == "ok"
        left = [r[0] for r in read_rows(copy, 'SELECT "n" FROM "left_half" ORDER BY "n"')]
        right = [r[0] for r in read_rows(copy, 'SELECT "n" FROM "right_half" ORDER BY "n"')]
        assert left == right == list(range(1, len(left) + 1))  # a prefix of the commits
        # A standalone file: rollback journal, nothing left in a -wal beside it.
        assert read_rows(copy, "PRAGMA journal_mode") == [("delete",)]
        assert not copy.with_name(copy.name + "-wal").exists()
        counts.append(len(left))
    assert counts == sorted(counts)
    assert counts[-1] < len(written)  # the writer really ran on after the last copy
    assert not list(tmp_path.glob("*.partial"))


def test_backup_holds_everything_committed(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "copy.db"
    target.parent.mkdir()
    assert backup_database(source, target) == target.stat().st_size
    assert read_rows(target, 'SELECT count(*) FROM "left_half"') == [(50,)]
    assert read_rows(target, 'SELECT count(*) FROM "right_half"') == [(50,)]
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]


def test_refuses_to_overwrite_an_existing_file(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious.db"
    target.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(source, target)
    assert target.read_bytes() == b"keep me"
    assert not list(tmp_path.glob("*.partial"))


def test_refuses_a_missing_folder(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "copy.db"
    with pytest.raises(BackupError, match="does not exist"):
        backup_database(source, target)
    assert not (tmp_path / "no").exists()


def test_refuses_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database"):
        backup_database(tmp_path / "absent.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def test_a_source_that_is_not_a_database_leaves_nothing_behind(tmp_path: Path) -> None:
    bogus = tmp_path / "kefu.db"
    bogus.write_bytes(b"this is not an SQLite file, just some text " * 100)
    target = tmp_path / "copy.db"
    with pytest.raises(BackupError, match="backup failed"):
        backup_database(bogus, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kefu.db"]


def test_a_stale_partial_file_is_replaced(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    stale = tmp_path / "copy.db.partial"
    stale.write_bytes(b"left over from a crash")
    backup_database(source, target)
    assert not stale.exists()
    assert integrity_check(target) == "ok"
    assert read_rows(target, 'SELECT count(*) FROM "left_half"') == [(50,)]
