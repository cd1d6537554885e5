"""Durable writes per second: group commit through the writer vs one commit per write.

Baseline measured in the same run: plain apsw on the same kind of file, one INSERT and one
COMMIT per write with synchronous=FULL (what a naive "commit each message" server does).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import apsw

from appliance.storage.database import Database, bound_database

N_WRITES = 4000
CONCURRENCY = (1, 10, 100, 1000)
TABLE = "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, conv INTEGER, body TEXT)"


def baseline(path: Path) -> float:
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA journal_mode=wal; PRAGMA synchronous=FULL")
    conn.execute(TABLE)
    start = time.perf_counter()
    for i in range(N_WRITES):
        with conn:
            conn.execute("INSERT INTO bench (conv, body) VALUES (?, ?)", (i % 50, "你好" * 20))
    elapsed = time.perf_counter() - start
    conn.close()
    return N_WRITES / elapsed


def _insert(i: int) -> int:
    cursor = bound_database.obj.execute_sql(
        "INSERT INTO bench (conv, body) VALUES (?, ?)", (i % 50, "你好" * 20))
    return cursor.connection.last_insert_rowid()


async def through_writer(path: Path, concurrency: int) -> tuple[float, int]:
    db = Database(path)
    db.start()
    await db.write(lambda: bound_database.obj.execute_sql(TABLE))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(N_WRITES):
        queue.put_nowait(i)

    async def client() -> None:
        while not queue.empty():
            await db.write(_insert, queue.get_nowait())

    commits_before = db.commits
    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    commits = db.commits - commits_before
    db.close()
    return N_WRITES / elapsed, commits


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline(Path(tmp) / "baseline.db")
        rows = []
        for c in CONCURRENCY:
            rate, commits = asyncio.run(through_writer(Path(tmp) / f"writer-{c}.db", c))
            rows.append((c, rate, commits))
    print(f"durable writes ({N_WRITES} inserts, WAL, synchronous=FULL)")
    print(f"{'path':<38}{'writes/s':>10}{'commits':>9}{'x baseline':>12}")
    print(f"{'baseline: apsw, 1 commit per write':<38}{base:>10.0f}{N_WRITES:>9}{1.0:>12.2f}")
    for c, rate, commits in rows:
        label = f"writer, {c} concurrent callers"
        print(f"{label:<38}{rate:>10.0f}{commits:>9}{rate / base:>12.2f}")


if __name__ == "__main__":
    main()
