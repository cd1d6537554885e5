"""What a visitor's message costs the writer when nothing else runs: the storage work of a send
on one thread, no event loop, no interpreter lock shared with anyone.

It answers one planning question for issue 13: if the writer ran in a process of its own (its own
interpreter and core), how many messages per second could it commit? Each row runs the storage
calls of a visitor's send (the dedup lookup, the visitor's open conversation, the message row and
the conversation's counters, each in its own savepoint) for 16 messages per transaction, the
batch size the writer reaches in part (b) of bench/relay.py, on a database made by `kefu setup`
with 50 visitors, with and without the search index's job (its own transaction every 2,000
messages, as the server runs it) and the fsync of `synchronous=FULL`.
CPU is this thread's (time.thread_time), wall its elapsed time; COMMIT is the wall time of one
commit.

Usage: python bench/writer_parts.py [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from run import machine

from appliance.domain.conversations import VISITOR, Sender
from appliance.storage import conversations as store
from appliance.storage import message_log, search_index
from appliance.storage.database import bound_database, open_connection

BATCH = 16
BATCHES = 500
# The server indexes every 0.5 s what arrived, in jobs of up to search_index.BATCH messages:
# at the ~4,000 messages/s of part (b) that is ~2,000 messages, 125 batches of 16.
INDEX_EVERY = 125
VISITORS = 50
BODY = "你好，我想问一下这个产品的价格和发货时间 hello"


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def make_database(tmp: Path) -> Path:
    data = tmp / "data"
    subprocess.run(
        [sys.executable, "-m", "appliance", "setup", "--data-dir", str(data), "--company", "Bench",
         "--owner", "owner@example.com", "--password-file", "-", "--site-name", "Bench",
         "--site-url", "https://www.example.com"],
        input="bench-password-123\n", capture_output=True, text=True, check=True, timeout=120)
    path = data / "kefu.db"
    db = open_connection(path)
    db.connect()
    bound_database.obj = db
    with db.atomic():
        site_id = db.execute_sql("SELECT id FROM site").fetchone()[0]
        for _ in range(VISITORS):
            visitor = store.create_visitor(site_id, uuid.uuid4().hex, {}, "bench", now())
            message_log.create_conversation(site_id, visitor.id, now())
    db.close()
    return path


def run(path: Path, *, fsync: bool, index: bool) -> tuple[float, float, float]:
    """(CPU µs, wall µs per message, COMMIT ms per batch) of BATCHES batches."""
    db = open_connection(path)
    db.connect()
    bound_database.obj = db
    db.execute_sql(f"PRAGMA synchronous={'FULL' if fsync else 'OFF'}")
    visitors = [row[0] for row in db.execute_sql("SELECT visitor_id FROM conversation")]
    cursor = db.connection().cursor()
    client_ids = [uuid.uuid4().hex for _ in range(BATCH * BATCHES)]
    stamp = now()
    commit_wall = 0.0
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    for b in range(BATCHES):
        cursor.execute("BEGIN IMMEDIATE")
        for i in range(BATCH):
            visitor_id = visitors[(b * BATCH + i) % len(visitors)]
            cursor.execute("SAVEPOINT job")
            sender = Sender(VISITOR, visitor_id, "访客")
            client_id = client_ids[b * BATCH + i]
            store.find_sent(sender, client_id)
            head = message_log.open_conversation_head(visitor_id)
            assert head is not None
            store.append_to(head, sender, "text", BODY, client_id, None, stamp)
            cursor.execute("RELEASE job")
        started = time.perf_counter()
        cursor.execute("COMMIT")
        commit_wall += time.perf_counter() - started
        if index and (b + 1) % INDEX_EVERY == 0:  # the index's own job, as the server runs it
            indexed = search_index.BATCH
            while indexed == search_index.BATCH:  # as services/search.py: index_behind
                with db.atomic("IMMEDIATE"):
                    indexed = search_index.index_batch()
    wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
    db.close()
    n = BATCH * BATCHES
    return cpu / n * 1e6, wall / n * 1e6, commit_wall / BATCHES * 1e3


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    configs = [(False, False), (False, True), (True, False), (True, True)]
    results: dict[tuple[bool, bool], list[tuple[float, float, float]]] = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as tmp:
        path = make_database(Path(tmp))
        for _ in range(rounds):
            for fsync, index in configs:
                results[(fsync, index)].append(run(path, fsync=fsync, index=index))
    print(f"{machine()}, load average {os.getloadavg()[0]:.2f}; {rounds} rounds, medians")
    print("| search index | fsync (synchronous) | writer CPU µs per message | wall µs per message "
          "| COMMIT ms per batch of 16 | messages/s one core could commit |")
    print("|---|---|---:|---:|---:|---:|")
    for fsync, index in configs:
        cpu, wall, commit = (statistics.median(r[k] for r in results[(fsync, index)])
                             for k in range(3))
        print(f"| {'yes' if index else 'no'} | {'FULL' if fsync else 'OFF'} | {cpu:.0f} | "
              f"{wall:.0f} | {commit:.2f} | {1e6 / wall:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
