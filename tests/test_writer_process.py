"""The writer in a process of its own (`writer = "process"`): the same contract as the writer
thread — one transaction per batch, a failing job rolls back alone, callers hear only after
the commit — across a pipe, and a child that dies with its server or is replaced if it dies
alone. Real child processes, real SQLite files."""

from __future__ import annotations

import asyncio
import copyreg
import dataclasses
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_storage_database import (
    fail_with_conflict,
    half_done_then_fail,
    logins_on_disk,
    migrated,
    new_user,
    pragmas,
)

from appliance.domain.errors import Conflict
from appliance.domain.model import User
from appliance.storage import accounts, sites, writer_process
from appliance.storage.database import Database
from appliance.storage.writer_process import (
    WriterJobNotPicklable,
    WriterProcessGone,
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(migrated(tmp_path / "kefu.db"), process=True, check_jobs=False)
    database.start()
    try:
        yield database
    finally:
        database.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def child_pid(db: Database) -> int:
    assert db._link is not None
    return db._link.pid


# -- jobs (module-level: they travel to the child by name) ------------------------------------

def my_pid() -> int:
    return os.getpid()


def wait_for_file(path: str) -> str:
    """Holds the writer until the test creates `path`."""
    Path(path + ".started").touch()
    deadline = time.monotonic() + 20
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.01)
    return "released"


def create_and_return_a_lock(login: str) -> threading.Lock:
    new_user(login)
    return threading.Lock()


def create_with(login: str, extra: object) -> User:
    return new_user(login)


def logins() -> list[str]:
    return [u.login for u in accounts.list_users()]


# -- the contract --------------------------------------------------------------------------

def test_jobs_run_in_another_process_and_answer_after_the_commit(db: Database) -> None:
    async def scenario() -> tuple[int, User]:
        pid = await db.write(my_pid)
        user = await db.write(new_user, "durable")
        # Right after the answer, before anything else happens in this process.
        assert logins_on_disk(db.path) == ["durable"]
        return pid, user

    pid, user = asyncio.run(scenario())
    assert pid == child_pid(db) != os.getpid()
    assert user.login == "durable" and isinstance(user, User)
    assert db.write_blocking(pragmas) == {"journal_mode": "wal", "synchronous": 2,
                                          "foreign_keys": 1, "busy_timeout": 10_000,
                                          "qpsg": 1}


def test_concurrent_writes_share_few_commits(db: Database) -> None:
    async def scenario() -> list[User]:
        return await asyncio.gather(*(db.write(new_user, f"u{i}") for i in range(200)))

    before = db.commits
    users = asyncio.run(scenario())
    commits = db.commits - before
    assert sorted(u.login for u in users) == sorted(f"u{i}" for i in range(200))
    assert 1 <= commits <= 40, f"{commits} commits for 200 writes: group commit is not grouping"
    assert len(logins_on_disk(db.path)) == 200


def test_a_failing_job_rolls_back_alone_and_its_error_crosses(db: Database,
                                                               tmp_path: Path) -> None:
    gate = tmp_path / "gate"

    async def scenario() -> list[object]:
        await db.write(new_user, "taken")
        holder = asyncio.create_task(db.write(wait_for_file, str(gate)))
        while not Path(str(gate) + ".started").exists():
            await asyncio.sleep(0.01)
        # The writer is busy: these jobs wait in the pipe and commit in one transaction.
        batch = [asyncio.create_task(job) for job in (
            db.write(new_user, "before"), db.write(new_user, "taken"),
            db.write(half_done_then_fail), db.write(fail_with_conflict),
            db.write(new_user, "after"))]
        await asyncio.sleep(0.1)
        commits = db.commits
        gate.touch()
        assert await holder == "released"
        results = await asyncio.gather(*batch, return_exceptions=True)
        assert db.commits - commits == 2  # the holder's batch, then all five together
        return results

    before, duplicate, failed, conflict, after = asyncio.run(scenario())
    assert isinstance(duplicate, Conflict) and duplicate.field == "login"
    assert isinstance(failed, ValueError) and str(failed) == "boom"
    assert isinstance(conflict, Conflict) and conflict.message == "no"
    assert isinstance(before, User) and isinstance(after, User)
    assert logins_on_disk(db.path) == ["taken", "before", "after"]
    assert db.write_blocking(sites.list_companies) == []  # the failed job's company is gone


def test_a_job_that_cannot_travel_fails_alone(db: Database) -> None:
    """An argument that does not pickle: refused before it leaves; a result that does not
    pickle: the job rolls back in the child (never committed without an answer)."""
    async def scenario() -> list[object]:
        return await asyncio.gather(
            db.write(new_user, "first"),
            db.write(create_with, "unsent", threading.Lock()),
            db.write(create_and_return_a_lock, "unanswerable"),
            db.write(new_user, "last"), return_exceptions=True)

    first, unsent, unanswerable, last = asyncio.run(scenario())
    assert isinstance(unsent, WriterJobNotPicklable) and "create_with" in str(unsent)
    assert isinstance(unanswerable, WriterJobNotPicklable)
    assert "create_and_return_a_lock" in str(unanswerable)
    assert isinstance(first, User) and isinstance(last, User)
    assert logins_on_disk(db.path) == ["first", "last"]


def test_close_finishes_what_was_queued_and_ends_the_child(tmp_path: Path) -> None:
    database = Database(migrated(tmp_path / "kefu.db"), process=True)
    database.start()
    pid = child_pid(database)

    async def scenario() -> None:
        for i in range(50):
            database.submit(new_user, f"queued-{i}")
        await asyncio.sleep(0)

    asyncio.run(scenario())
    database.close()
    assert len(logins_on_disk(tmp_path / "kefu.db")) == 50
    assert wait_gone(pid)


# -- deaths --------------------------------------------------------------------------------

def test_a_killed_child_fails_its_jobs_and_a_new_one_takes_over(db: Database,
                                                                 tmp_path: Path) -> None:
    gate = tmp_path / "never"
    first = child_pid(db)

    async def scenario() -> tuple[object, User]:
        await db.write(new_user, "before")
        held = asyncio.create_task(db.write(wait_for_file, str(gate)))
        while not Path(str(gate) + ".started").exists():
            await asyncio.sleep(0.01)
        queued = asyncio.create_task(db.write(new_user, "queued"))
        await asyncio.sleep(0.1)
        os.kill(first, signal.SIGKILL)
        lost = await asyncio.gather(held, queued, return_exceptions=True)
        assert all(isinstance(r, WriterProcessGone) for r in lost), lost
        return lost[0], await asyncio.wait_for(db.write(new_user, "after"), 30)

    _, after = asyncio.run(scenario())
    assert after.login == "after"
    assert child_pid(db) != first and alive(child_pid(db))
    assert db._link is not None and db._link.restarts == 1
    # What the dead child had not committed is not there; everything answered is.
    assert logins_on_disk(db.path) == ["before", "after"]


SERVER = """
import asyncio, sys, time
sys.path[:0] = {paths!r}
from appliance.storage.database import Database
from test_storage_database import new_user

if __name__ == "__main__":
    db = Database({path!r}, process=True)
    db.start()
    asyncio.run(db.write(new_user, "from-the-parent"))
    print(db._link.pid, flush=True)
    time.sleep(60)
"""


def test_the_child_ends_when_its_server_is_killed(tmp_path: Path) -> None:
    path = migrated(tmp_path / "kefu.db")
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(SERVER.format(
        paths=[str(Path(__file__).parent), *sys.path], path=str(path))))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        pid = int(server.stdout.readline())
        assert alive(pid)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        assert wait_gone(pid), "the writer process outlived its server"
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    assert logins_on_disk(path) == ["from-the-parent"]


def test_reads_in_the_server_see_the_childs_commits(db: Database) -> None:
    async def scenario() -> list[str]:
        await asyncio.gather(*(db.write(new_user, f"r{i}") for i in range(5)))
        return await db.read(logins)

    assert sorted(asyncio.run(scenario())) == [f"r{i}" for i in range(5)]


# -- the pickling of slotted dataclasses -------------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True)
class Plain:
    id: int
    name: str
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Unusual:
    id: int
    label: str = dataclasses.field(default="", kw_only=True)
    derived: str = dataclasses.field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived", f"#{self.id}")


def test_registered_dataclasses_cross_as_they_were() -> None:
    """Registered classes pickle as their values: a plain one through its __init__, others
    (keyword-only or not-init fields, __post_init__) rebuilt field by field, as they were."""
    assert writer_process.register_dataclasses(sys.modules[__name__]) == 2
    assert copyreg.dispatch_table[Plain] and copyreg.dispatch_table[Unusual]
    plain = Plain(7, "小李", ("vip",))
    odd = Unusual(3, label="x")
    object.__setattr__(odd, "derived", "changed after init")
    for value in (plain, odd, [plain, odd, plain]):
        copy = pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        assert copy == value
    assert pickle.loads(pickle.dumps(odd)).derived == "changed after init"
    # Every domain dataclass is registered in the server before a child starts.
    assert writer_process.register_loaded() >= 0
    from appliance.domain.model import Site, User
    assert {Site, User} <= set(writer_process._FIELDS)
