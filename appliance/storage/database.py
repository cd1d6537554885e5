"""The SQLite file: one writer thread with group commit, a small pool of reader threads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import apsw
import peewee
from playhouse.apsw_ext import APSWDatabase

from appliance.storage import writer_process
from appliance.storage.writer_process import WriterJobNotPicklable

log = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 10.0
READER_THREADS = 4
CHECKPOINT_SECONDS = 0.25  # how often the checkpointer copies committed WAL pages back


class ThreadBoundDatabase(peewee.DatabaseProxy):
    """A model binding resolved per thread.

    Each thread of a `Database` points this at its own peewee database, so that several
    databases (tests, a backup) can be used in one process without the models' global
    binding being swapped underneath a running thread.
    """

    __slots__ = ("_local",)

    def __init__(self) -> None:
        object.__setattr__(self, "_local", threading.local())
        super().__init__()

    @property
    def obj(self) -> Any:
        return getattr(self._local, "db", None)

    @obj.setter
    def obj(self, value: Any) -> None:
        self._local.db = value

    def __setattr__(self, attr: str, value: Any) -> None:
        object.__setattr__(self, attr, value)


bound_database = ThreadBoundDatabase()


class _Connection(APSWDatabase):  # type: ignore[misc]
    def _add_conn_hooks(self, conn: apsw.Connection) -> None:
        super()._add_conn_hooks(conn)
        # The query planner's stability guarantee: a statement keeps the plan it was prepared
        # with, whatever values are bound to it. Without it this SQLite prepares a statement
        # again at each use when its plan could depend on a bound value — any join or
        # `ORDER BY … LIMIT` on a bound id: the conversation head that every message reads
        # took 16 µs instead of 2. Kefu runs no ANALYZE (no statistics for values to steer
        # plans) and binds no LIKE prefix, so the plans are the ones it had.
        conn.config(apsw.SQLITE_DBCONFIG_ENABLE_QPSG, 1)


def open_connection(path: Path) -> APSWDatabase:
    """A peewee database on one SQLite file with the durability settings Kefu relies on."""
    return _Connection(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        pragmas=[
            ("journal_mode", "wal"),
            # FULL: an acknowledged write survives a power cut, not only a crash.
            ("synchronous", "full"),
            ("foreign_keys", 1),
            ("temp_store", "memory"),
        ],
    )


@dataclass(slots=True)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    loop: asyncio.AbstractEventLoop | None
    future: Any  # asyncio.Future or concurrent.futures.Future
    # Called on the loop with the result of a job that committed, before the future resolves
    # and even if its caller was cancelled meanwhile (see `submit`).
    then: Callable[[Any], None] | None = None
    result: Any = None
    error: BaseException | None = None


_STOP = object()

CHECK_JOBS_ENV = "KEFU_CHECK_WRITER_JOBS"

# Jobs (`module.qualname` of their function) that the check mode lets through unpickled: work
# that cannot cross a process boundary yet. Each entry is a debt for the writer process.
UNPICKLED_JOBS: frozenset[str] = frozenset()


def _job_name(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _round_trip(value: T, what: str) -> T:
    try:
        copy: T = pickle.loads(pickle.dumps(value))  # noqa: S301 (our own bytes, just made)
    except Exception as exc:
        raise WriterJobNotPicklable(f"{what} does not pickle: {exc!r}") from exc
    return copy


def _checked_call(fn: Callable[..., T], *args: Any) -> T:
    """Check mode, on the writer: runs a job that was pickled and unpickled, and hands back
    a pickled and unpickled copy of its result or of its error."""
    try:
        result = fn(*args)
    except WriterJobNotPicklable:
        raise
    except BaseException as exc:
        raise _round_trip(exc, f"the error of writer job {_job_name(fn)}") from None
    return _round_trip(result, f"the result of writer job {_job_name(fn)}")


class Database:
    """Owns the SQLite file. All writes go through `write`, reads through `read`.

    `write(fn)` queues `fn` for the writer thread. The thread takes every job waiting (up to
    `batch_max`), runs each in its own savepoint inside one transaction and commits once
    (group commit), then resolves the callers. A job that raises rolls back alone; the caller
    gets its exception. Nobody hears of a write before its commit returned.
    """

    def __init__(self, path: Path, *, batch_max: int = 500,
                 check_jobs: bool | None = None, process: bool = False) -> None:
        self.path = path
        # The writer's jobs run in a process of their own (storage/writer_process.py) rather
        # than on a thread of this one; the contract is the same.
        self.process = process
        self._link: writer_process.Link | None = None
        # A development check, not a setting: every job, result and error is pickled and
        # unpickled, as it will be when the writer is a process of its own.
        self.check_jobs = (os.environ.get(CHECK_JOBS_ENV) == "1" if check_jobs is None
                           else check_jobs)
        self.batch_max = max(1, batch_max)
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._checkpointer: threading.Thread | None = None
        self._stopping = threading.Event()
        self._readers: ThreadPoolExecutor | None = None
        self._connections: list[APSWDatabase] = []
        self._lock = threading.Lock()
        self.commits = 0  # transactions committed by the writer (for tests and benchmarks)
        # Why the writer's last transaction failed (disk full, a file made read-only…); None
        # once one commits. /healthz answers 503 meanwhile.
        self.write_failure: str | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._writer is not None:
            return
        self._readers = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="kefu-read",
                                           initializer=self._bind_thread)
        if self.process:
            self._link = writer_process.Link(self.path, self.batch_max, self._resolve,
                                             self._count_commit)
            self._link.start()
        self._writer = threading.Thread(target=self._write_loop, name="kefu-writer", daemon=True)
        self._writer.start()
        self._stopping.clear()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop,
                                              name="kefu-checkpoint", daemon=True)
        self._checkpointer.start()

    def close(self) -> None:
        if self._writer is not None:
            self._jobs.put(_STOP)
            self._writer.join(timeout=30)
            self._writer = None
        if self._link is not None:
            self._link.stop()
            self._link = None
        if self._checkpointer is not None:
            self._stopping.set()
            self._checkpointer.join(timeout=30)
            self._checkpointer = None
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()

    def _bind_thread(self) -> APSWDatabase:
        conn = open_connection(self.path)
        conn.connect()
        with self._lock:
            self._connections.append(conn)
        bound_database.obj = conn
        return conn

    # -- reads -----------------------------------------------------------------------------
    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on a reader thread, in one read transaction (a consistent snapshot)."""
        if self._readers is None:
            raise RuntimeError("database is not started")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._read_job, fn, args)

    @staticmethod
    def _read_job(fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        db = bound_database.obj
        with db.atomic():
            return fn(*args)

    # -- writes ----------------------------------------------------------------------------
    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the writer thread; returns once its transaction has committed."""
        return await self.submit(fn, *args)

    def submit(self, fn: Callable[..., T], *args: Any,
               then: Callable[[T], None] | None = None) -> asyncio.Future[T]:
        """Queue `fn(*args)` for the writer now, in the caller's step of the event loop (so jobs
        run in the order they were submitted); the future resolves after the commit.

        `then(result)` runs on the event loop once the job committed, in the same callback
        that resolves the futures of its batch (no task, no callback of its own), right
        before its future is resolved, and also when the future was cancelled meanwhile (a
        caller that went away): a write that committed is always followed up."""
        if self._writer is None:
            raise RuntimeError("database is not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if self.check_jobs and not self.process:
            fn, args = self._checked(fn, args)
        self._jobs.put(_Job(fn, args, loop, future, then))
        return future

    @staticmethod
    def _checked(fn: Callable[..., T], args: tuple[Any, ...]
                 ) -> tuple[Callable[..., T], tuple[Any, ...]]:
        name = _job_name(fn)
        if name in UNPICKLED_JOBS:
            return _checked_call, (fn, *args)
        fn, args = _round_trip((fn, args), f"writer job {name}")
        return _checked_call, (fn, *args)

    def write_blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Same as `write` for callers outside the event loop (the command line)."""
        if self._writer is None:
            raise RuntimeError("database is not started")
        import concurrent.futures

        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self.check_jobs and not self.process:
            fn, args = self._checked(fn, args)
        self._jobs.put(_Job(fn, args, None, future))
        return future.result()

    def _checkpoint_loop(self) -> None:
        """Copies committed pages from the WAL into the database file off the commit path:
        the writer's commits then fsync only the WAL (the durable part), and never also wait
        for a checkpoint's writes and fsync of the main file."""
        conn = apsw.Connection(str(self.path))
        conn.setbusytimeout(int(BUSY_TIMEOUT_SECONDS * 1000))
        conn.execute("PRAGMA synchronous=FULL")  # the file is fsynced before the WAL is reused
        done = self.commits
        try:
            while not self._stopping.wait(CHECKPOINT_SECONDS):
                if self.commits != done:
                    done = self.commits
                    try:
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    except apsw.Error:
                        log.warning("checkpoint failed; the next one catches up", exc_info=True)
        finally:
            conn.close()

    def _count_commit(self) -> None:
        self.commits += 1

    def _write_loop(self) -> None:
        link = self._link
        if link is None:
            db = self._bind_thread()
            db.execute_sql("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it
        while True:
            first = self._jobs.get()
            if first is _STOP:
                return
            batch: list[_Job] = [first]
            stop_after = False
            while len(batch) < self.batch_max:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stop_after = True
                    break
                batch.append(job)
            if link is not None:
                link.send(batch)  # committed and answered by the writer process
            else:
                self._commit_batch(db, batch)
            if stop_after:
                return

    def _commit_batch(self, db: APSWDatabase, batch: list[_Job]) -> None:
        if run_batch(db, batch):
            self.commits += 1
        self._resolve(batch)

    def _resolve(self, batch: list[_Job]) -> None:
        self.write_failure = _transaction_failure(batch)
        _resolve(batch)


def run_batch(db: APSWDatabase, batch: list[Any]) -> bool:
    """Runs the jobs of `batch` (objects with `fn`, `args`, `result`, `error`) in one
    transaction, each in a savepoint of its own, and commits once. A job that raises rolls
    back alone and keeps its exception in `error`; if the transaction itself fails, every job
    gets that error. Returns whether it committed. Used by the writer thread and by the writer
    process (storage/writer_process.py)."""
    try:
        with db.atomic("IMMEDIATE"):
            # Each job in a savepoint of its own, in plain SQL: the ORM's savepoints cost
            # more Python than a short job's own work.
            cursor = db.connection().cursor()
            for job in batch:
                cursor.execute("SAVEPOINT job")
                try:
                    job.result = job.fn(*job.args)
                except BaseException as exc:  # the caller gets it; the batch goes on
                    job.error = exc
                    cursor.execute("ROLLBACK TO job")
                cursor.execute("RELEASE job")
    except Exception as exc:
        log.exception("write transaction failed; %d jobs rolled back", len(batch))
        for job in batch:
            if job.error is None:
                job.error = exc
        return False
    return True


def _transaction_failure(batch: list[Any]) -> str | None:
    """The database's refusal of a whole transaction (every job has the same error, one of
    SQLite's or the file system's), else None."""
    errors = {id(job.error): job.error for job in batch}
    if len(errors) != 1:
        return None
    [error] = errors.values()
    if isinstance(error, apsw.Error | peewee.DatabaseError | OSError):
        return f"{type(error).__name__}: {error}"
    return None


def _settle(job: _Job) -> None:
    if job.then is not None and job.error is None:
        try:
            job.then(job.result)
        except Exception:
            log.exception("following up a committed write failed")
    if job.future.done():  # the awaiting task was cancelled
        return
    if job.error is not None:
        job.future.set_exception(job.error)
    else:
        job.future.set_result(job.result)


def _settle_all(jobs: list[_Job]) -> None:
    for job in jobs:
        _settle(job)


def _resolve(batch: list[_Job]) -> None:
    """Hand the results back: one wake-up of each event loop per batch, not one per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in batch:
        if job.loop is None:
            _settle(job)
        else:
            by_loop.setdefault(job.loop, []).append(job)
    for loop, jobs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # loop already closed at shutdown
            loop.call_soon_threadsafe(_settle_all, jobs)


def integrity_check(path: Path) -> str:
    """`PRAGMA integrity_check` of a database file: 'ok' or the first problem found."""
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])
    finally:
        conn.close()
