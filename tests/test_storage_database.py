"""The database handle: writer thread with group commit, reader threads, per-thread binding."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import apsw
import peewee
import pytest

import appliance.domain
import appliance.services
from appliance.domain.errors import Conflict, DomainError, DuplicateCustomer, RateLimited
from appliance.domain.model import Role, User
from appliance.services.kb_files import ImportRejected, RowError
from appliance.storage import accounts, sites
from appliance.storage.database import (
    UNPICKLED_JOBS,
    Database,
    WriterJobNotPicklable,
    bound_database,
    integrity_check,
)
from appliance.storage.migrations import migrate

NOW = datetime(2025, 1, 2, 3, 4, 5)


def migrated(path: Path) -> Path:
    migrate(path, path.parent / "backups", now=NOW)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(migrated(tmp_path / "kefu.db"))
    database.start()
    try:
        yield database
    finally:
        database.close()


def new_user(login: str) -> User:
    return accounts.create_user(login=login, display_name=login, role=Role.AGENT,
                                password_hash="x", language="en", site_ids=(), now=NOW)


# Jobs are module-level functions (the check mode, on for the suite, pickles every job). The
# few that must wait for the test use these events: a job pickled by name still finds them,
# since it runs in this process.
GATE, STARTED = threading.Event(), threading.Event()


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    GATE.clear()
    STARTED.clear()
    yield GATE
    GATE.set()


def hold_the_writer() -> None:
    STARTED.set()
    assert GATE.wait(10)


def half_done_then_fail() -> None:
    sites.create_company("Doomed", NOW)
    raise ValueError("boom")


def pragmas() -> dict[str, object]:
    conn = bound_database.obj
    found: dict[str, object] = {
        name: conn.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    # -1 reads the setting without changing it.
    found["qpsg"] = conn.connection().config(apsw.SQLITE_DBCONFIG_ENABLE_QPSG, -1)
    return found


def orphan_session() -> None:
    accounts.create_session(user_id=12345, token_hash="t", csrf_token="c", ip="", user_agent="",
                            now=NOW, expires_at=NOW)


def slow_create(login: str) -> User:
    GATE.wait(5)  # the writer holds this job until the caller has been cancelled
    return new_user(login)


def fail_with_conflict() -> None:
    raise Conflict("no")


def logins_on_disk(path: Path) -> list[str]:
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return [r[0] for r in conn.execute('SELECT "login" FROM "user" ORDER BY "id"')]
    finally:
        conn.close()


def test_write_then_read_round_trip(db: Database) -> None:
    async def scenario() -> None:
        company = await db.write(sites.create_company, "Acme", NOW)
        assert company.id == 1
        assert await db.read(sites.get_company, company.id) == company
        assert await db.read(sites.list_companies) == [company]

    asyncio.run(scenario())


def test_many_concurrent_writes_share_few_commits(db: Database) -> None:
    async def scenario() -> list[User]:
        return await asyncio.gather(*(db.write(new_user, f"agent{i:03d}") for i in range(200)))

    before = db.commits
    users = asyncio.run(scenario())
    commits = db.commits - before
    assert 1 <= commits <= 40, f"{commits} commits for 200 writes: group commit is not grouping"
    assert sorted(u.login for u in users) == [f"agent{i:03d}" for i in range(200)]
    assert len({u.id for u in users}) == 200
    assert sorted(logins_on_disk(db.path)) == [f"agent{i:03d}" for i in range(200)]


def test_batch_max_one_commits_every_write_alone(tmp_path: Path) -> None:
    database = Database(migrated(tmp_path / "kefu.db"), batch_max=1)
    database.start()
    try:
        async def scenario() -> None:
            await asyncio.gather(*(database.write(new_user, f"user{i}") for i in range(20)))

        asyncio.run(scenario())
        assert database.commits == 20
    finally:
        database.close()


def test_a_failing_job_rolls_back_alone_in_its_batch(db: Database,
                                                     gate: threading.Event) -> None:
    async def scenario() -> list[object]:
        await db.write(new_user, "taken")
        first_commits = db.commits
        holder = asyncio.create_task(db.write(hold_the_writer))
        assert await asyncio.to_thread(STARTED.wait, 10)
        # The writer is busy: these four jobs queue up and must be committed as one batch.
        batch = [asyncio.create_task(job) for job in (
            db.write(new_user, "before"), db.write(new_user, "taken"),
            db.write(half_done_then_fail), db.write(new_user, "after"))]
        await asyncio.sleep(0.05)
        gate.set()
        await holder
        results = await asyncio.gather(*batch, return_exceptions=True)
        assert db.commits - first_commits == 2  # the holder's batch, then all four together
        return results

    before, duplicate, failed, after = asyncio.run(scenario())
    assert isinstance(duplicate, Conflict)
    assert duplicate.field == "login"
    assert isinstance(failed, ValueError)
    assert before.login == "before"
    assert after.login == "after"
    assert logins_on_disk(db.path) == ["taken", "before", "after"]

    async def companies() -> list[str]:
        return [c.name for c in await db.read(sites.list_companies)]

    assert asyncio.run(companies()) == []


def test_an_acknowledged_write_is_on_disk_for_another_connection(db: Database) -> None:
    async def scenario() -> None:
        await db.write(new_user, "durable")
        # Right after the ack, before anything else happens in this process.
        assert logins_on_disk(db.path) == ["durable"]

    asyncio.run(scenario())


def test_write_blocking_from_plain_code(db: Database) -> None:
    user = db.write_blocking(new_user, "cli-user")
    assert user.login == "cli-user"
    with pytest.raises(Conflict):
        db.write_blocking(new_user, "cli-user")
    assert logins_on_disk(db.path) == ["cli-user"]


def test_connection_pragmas_on_readers_and_writer(db: Database) -> None:
    async def scenario() -> tuple[dict[str, object], dict[str, object]]:
        return await db.read(pragmas), await db.write(pragmas)

    on_reader, on_writer = asyncio.run(scenario())
    for found in (on_reader, on_writer):
        assert found["journal_mode"] == "wal"
        assert found["synchronous"] == 2  # FULL
        assert found["foreign_keys"] == 1
        assert found["busy_timeout"] == 10_000
        # Statements keep their plan whatever is bound (no re-prepare at each use).
        assert found["qpsg"] == 1


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(peewee.IntegrityError, match="FOREIGN KEY"):
        db.write_blocking(orphan_session)


def test_two_databases_in_one_process_stay_apart(tmp_path: Path) -> None:
    first = Database(migrated(tmp_path / "one.db"))
    second = Database(migrated(tmp_path / "two.db"))
    first.start()
    second.start()
    try:
        async def scenario() -> tuple[list[str], list[str]]:
            await asyncio.gather(*(
                job for i in range(20) for job in (
                    first.write(sites.create_company, f"one-{i}", NOW),
                    second.write(sites.create_company, f"two-{i}", NOW))))
            one, two = await asyncio.gather(first.read(sites.list_companies),
                                            second.read(sites.list_companies))
            return [c.name for c in one], [c.name for c in two]

        one, two = asyncio.run(scenario())
        assert sorted(one) == sorted(f"one-{i}" for i in range(20))
        assert sorted(two) == sorted(f"two-{i}" for i in range(20))
    finally:
        first.close()
        second.close()
    # The main thread never got a binding: models used here would fail, not hit a random file.
    assert bound_database.obj is None


def test_reads_see_a_consistent_snapshot(db: Database) -> None:
    def count_twice_with_a_write_between() -> tuple[int, int]:
        before = len(accounts.list_users())
        db.write_blocking(new_user, "sneaky")  # commits on the writer thread meanwhile
        return before, len(accounts.list_users())

    async def scenario() -> tuple[tuple[int, int], int]:
        snapshot = await db.read(count_twice_with_a_write_between)
        return snapshot, len(await db.read(accounts.list_users))

    (before, during), after = asyncio.run(scenario())
    assert before == during == 0
    assert after == 1


def test_not_started_or_closed_database_refuses_work(tmp_path: Path) -> None:
    database = Database(migrated(tmp_path / "kefu.db"))

    async def write() -> None:
        await database.write(new_user, "nobody")

    async def read() -> None:
        await database.read(accounts.list_users)

    with pytest.raises(RuntimeError, match="not started"):
        asyncio.run(write())
    with pytest.raises(RuntimeError, match="not started"):
        asyncio.run(read())
    with pytest.raises(RuntimeError, match="not started"):
        database.write_blocking(new_user, "nobody")
    database.start()
    database.close()
    with pytest.raises(RuntimeError, match="not started"):
        asyncio.run(write())
    assert logins_on_disk(database.path) == []


def test_close_finishes_queued_writes(tmp_path: Path) -> None:
    database = Database(migrated(tmp_path / "kefu.db"))
    database.start()

    async def scenario() -> None:
        tasks = [asyncio.create_task(database.write(new_user, f"late{i}")) for i in range(50)]
        await asyncio.sleep(0)  # every job is queued
        await asyncio.to_thread(database.close)
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert len(logins_on_disk(database.path)) == 50
    assert integrity_check(database.path) == "ok"


def test_then_follows_a_committed_write_before_its_caller_resumes(db: Database) -> None:
    """`submit(then=...)` (how `Services.commit` announces): called on the loop with the
    job's result, from the batch's one callback, before the awaiting caller resumes; the
    committed row is on disk by then."""
    async def scenario() -> None:
        loop_thread = threading.get_ident()
        seen: list[tuple[str, bool, int]] = []

        def then(user: User) -> None:
            on_disk = user.login in logins_on_disk(db.path)
            seen.append((user.login, on_disk, threading.get_ident()))

        async def one(n: int) -> User:
            user = await db.submit(new_user, f"then{n}", then=then)
            assert user.login in [login for login, _, _ in seen]  # followed up already
            return user

        users = await asyncio.gather(*(one(n) for n in range(20)))
        # every follow-up ran once, in submission order, on the loop, after its commit
        assert [login for login, _, _ in seen] == [u.login for u in users]
        assert all(on_disk and thread == loop_thread for _, on_disk, thread in seen)

    asyncio.run(scenario())


def test_then_runs_even_if_the_caller_was_cancelled_and_never_for_a_failed_job(
        db: Database, gate: threading.Event) -> None:
    """A socket that drops after sending cancels its wait, not the announcement of a write
    that committed; a job that raised is announced to nobody (its caller gets the error)."""
    async def scenario() -> None:
        seen: list[str] = []
        waiting = asyncio.ensure_future(db.submit(slow_create, "cancelled-caller",
                                                  then=lambda u: seen.append(u.login)))
        failing = db.submit(fail_with_conflict, then=lambda _: seen.append("failed job"))
        await asyncio.sleep(0)
        waiting.cancel()
        gate.set()
        with pytest.raises(Conflict):
            await failing  # resolved after the cancelled one: its batch has been settled
        assert waiting.cancelled()
        assert seen == ["cancelled-caller"]
        assert "cancelled-caller" in logins_on_disk(db.path)

    asyncio.run(scenario())


# -- the check mode: every job would cross to a writer process -------------------------------

def user_and_lock(login: str) -> tuple[User, threading.Lock]:
    return new_user(login), threading.Lock()


def create_with(login: str, lock: object) -> User:
    return new_user(login)


def raise_unpicklable(login: str) -> None:
    new_user(login)
    raise ValueError(threading.Lock())


def test_the_suite_runs_with_the_check_on(db: Database) -> None:
    assert db.check_jobs  # tests/conftest.py sets KEFU_CHECK_WRITER_JOBS=1
    assert UNPICKLED_JOBS == frozenset()  # every job of the appliance crosses


def test_the_check_refuses_jobs_that_would_not_cross_to_a_process(db: Database) -> None:
    """A lambda, a closure and an unpicklable argument are refused when submitted (naming
    the job), on the loop and from plain code; nothing of them runs."""
    def closure() -> User:
        return new_user("closure")

    async def scenario() -> None:
        with pytest.raises(WriterJobNotPicklable, match="<lambda>"):
            await db.write(lambda: new_user("lambda"))
        with pytest.raises(WriterJobNotPicklable, match="closure"):
            await db.write(closure)
        with pytest.raises(WriterJobNotPicklable, match="create_with"):
            await db.write(create_with, "locked", threading.Lock())
        with pytest.raises(WriterJobNotPicklable, match="<lambda>"):
            db.submit(lambda: new_user("then"), then=print)
        assert (await db.write(create_with, "plain", "a string")).login == "plain"

    asyncio.run(scenario())
    with pytest.raises(WriterJobNotPicklable, match="<lambda>"):
        db.write_blocking(lambda: new_user("blocking"))
    assert logins_on_disk(db.path) == ["plain"]


def test_the_check_refuses_results_and_errors_that_would_not_cross(db: Database) -> None:
    """An unpicklable result or error reaches the caller as WriterJobNotPicklable, and the
    job's writes are rolled back with it (the rest of its batch commits)."""
    async def scenario() -> list[object]:
        return await asyncio.gather(
            db.write(user_and_lock, "with-lock"), db.write(raise_unpicklable, "raised"),
            db.write(new_user, "fine"), return_exceptions=True)

    result, error, fine = asyncio.run(scenario())
    assert isinstance(result, WriterJobNotPicklable)
    assert "the result of writer job" in str(result) and "user_and_lock" in str(result)
    assert isinstance(error, WriterJobNotPicklable)
    assert "the error of writer job" in str(error) and "raise_unpicklable" in str(error)
    assert isinstance(fine, User)
    assert logins_on_disk(db.path) == ["fine"]


def test_without_the_check_jobs_are_not_pickled(tmp_path: Path) -> None:
    """Production (no KEFU_CHECK_WRITER_JOBS): a job runs as it was handed over."""
    database = Database(migrated(tmp_path / "kefu.db"), check_jobs=False)
    database.start()
    lock = threading.Lock()
    try:
        user, got = database.write_blocking(lambda: (new_user("as-is"), lock))
        assert user.login == "as-is" and got is lock
    finally:
        database.close()


def _every_domain_error() -> list[type[DomainError]]:
    """Every subclass in the appliance (its domain and services modules imported first)."""
    for package in (appliance.domain, appliance.services):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("cls", _every_domain_error(), ids=lambda c: c.__name__)
def test_every_domain_error_crosses_with_code_message_and_field(db: Database,
                                                                 cls: type[DomainError]) -> None:
    """Raised on the writer, it reaches the caller as it was raised (check mode pickles it)."""
    made: dict[type[DomainError], DomainError] = {
        RateLimited: RateLimited("slow down", retry_after=7),
        ImportRejected: ImportRejected([RowError(3, "broken")]),
        DuplicateCustomer: DuplicateCustomer("already a customer", field="phone",
                                             customer_id=5),
    }
    error = made.get(cls) or cls("bad thing", field="some.field")

    def expected(got: DomainError) -> None:
        assert type(got) is cls and got is not error
        assert (got.code, got.message, got.field, str(got)) == (
            error.code, error.message, error.field, str(error))
        assert vars(got) == vars(error)

    with pytest.raises(cls) as raised:
        db.write_blocking(raise_error, error)
    expected(raised.value)


def raise_error(error: DomainError) -> None:
    raise error


def test_a_transaction_the_database_refused_is_told_from_jobs_that_failed() -> None:
    """/healthz answers 503 while the writer's transactions fail (a full disk, a file made
    read-only): every job of the batch then carries the one error SQLite raised. A job's own
    refusal (a domain error), or different errors, are not the database failing."""
    from types import SimpleNamespace

    import apsw

    from appliance.domain.errors import Invalid
    from appliance.storage.database import _transaction_failure

    full = apsw.FullError("database or disk is full")
    assert _transaction_failure([SimpleNamespace(error=full)] * 3) == (
        "FullError: database or disk is full")
    refused = Invalid("no")
    assert _transaction_failure([SimpleNamespace(error=refused)]) is None
    assert _transaction_failure([SimpleNamespace(error=None), SimpleNamespace(error=full)]) is None
    assert _transaction_failure([SimpleNamespace(error=None)]) is None
