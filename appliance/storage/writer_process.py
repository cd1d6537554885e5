"""The writer in a process of its own (setting `writer = "process"`): the jobs' Python runs on
its own interpreter and core instead of sharing the event loop's interpreter lock.

The server's `Database` keeps its queue of jobs. Its link thread pickles the waiting jobs
(`fn`, `args`: module-level functions and picklable arguments, checked by the test suite with
`KEFU_CHECK_WRITER_JOBS=1`) and sends them down a pipe as one message; a second thread reads
the outcomes back and resolves the callers. This process reads every message waiting in the
pipe, runs all their jobs in one transaction (each in its savepoint, `database.run_batch`, the
writer thread's own code), commits, and only then writes one outcome message per message it
read: (committed, [(error, pickled result), ...]). So the durability contract is the writer
thread's:
nobody hears of a write before its COMMIT returned.

The process ends when its pipe reaches end of file: the server closed it, or the server died
(a `kill -9` closes the pipe too); a batch under way is committed or rolled back by SQLite as
usual, and its outcome, if it cannot be written, was never acknowledged to anyone.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import copyreg
import dataclasses
import importlib
import logging
import multiprocessing
import operator
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

READY = b"ready"
STOP = b"stop"


# -- pickling the domain's dataclasses cheaply ---------------------------------------------------
# A slotted dataclass pickles by default through `__getstate__`, which walks
# `dataclasses.fields()` for every object, and unpickles through `__setstate__` doing it again:
# most of the cost of sending a job's arguments and result. Registered here instead (by
# `register_loaded`, in the server before it starts a child and in the child at its start): the
# class and its field values in order, rebuilt through the generated `__init__` where that only
# stores them, otherwise field by field without it (the values were valid when the object was
# made). The receiving side needs no registration.

def _rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    obj: Any = object.__new__(cls)
    names = _FIELDS.get(cls) or tuple(f.name for f in dataclasses.fields(cls))
    for name, value in zip(names, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


_FIELDS: dict[type, tuple[str, ...]] = {}


def _reducer(cls: type, names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    values = operator.attrgetter(*names) if len(names) > 1 else (
        lambda obj: (getattr(obj, names[0]),) if names else ())
    fields = dataclasses.fields(cls)
    if all(f.init and not f.kw_only for f in fields) and not hasattr(cls, "__post_init__"):
        # Its generated __init__ only stores the values, in field order: a third cheaper.
        def positional(obj: Any) -> tuple[Any, ...]:
            return cls, values(obj)
        return positional

    def rebuilt(obj: Any) -> tuple[Any, ...]:
        return _rebuild, (cls, values(obj))
    return rebuilt


def register_dataclasses(module: Any) -> int:
    """Registers every slotted dataclass defined in `module`; returns how many."""
    count = 0
    for value in vars(module).values():
        if (isinstance(value, type) and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__ and "__slots__" in vars(value)
                and value not in _FIELDS):
            _FIELDS[value] = tuple(f.name for f in dataclasses.fields(value))
            copyreg.pickle(value, _reducer(value, _FIELDS[value]))
            count += 1
    return count


def register_loaded() -> int:
    """Registers the slotted dataclasses of every `appliance` module imported so far (the
    sending side of each pipe; the receiving side needs no registration)."""
    return sum(register_dataclasses(module) for name, module in list(sys.modules.items())
               if name.startswith("appliance.") and module is not None)


class WriterProcessGone(RuntimeError):
    """The writer process ended before it reported this job's outcome: the job may or may not
    have committed (a client resends under the same client id; the server deduplicates)."""


class WriterJobNotPicklable(TypeError):
    """A writer job, its result or its error that would not cross a process boundary: refused
    before it is sent, or (result, error) rolled back in the writer process. The check mode of
    the writer thread (`KEFU_CHECK_WRITER_JOBS=1`, storage/database.py) raises it too."""


class _ChildJob:
    __slots__ = ("args", "error", "fn", "result")

    def __init__(self, fn: Any, args: tuple[Any, ...]) -> None:
        self.fn, self.args = fn, args
        self.result: Any = None
        self.error: BaseException | None = None


def _pickled_call(fn: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    """Runs a job in its savepoint and pickles its result there: a result that cannot travel
    back raises, so the job rolls back alone instead of committing unanswerable."""
    result = fn(*args)
    try:
        return pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise WriterJobNotPicklable(
            f"the result of writer job {getattr(fn, '__qualname__', fn)!r} does not pickle: "
            f"{exc!r}") from None


def _outcomes(committed: bool, jobs: list[_ChildJob]) -> bytes:
    """One message back: (committed, [(error, pickled result), ...]) in the jobs' order."""
    pairs: list[tuple[BaseException | None, bytes | None]] = []
    for job in jobs:
        error = job.error
        if error is not None:
            try:
                pickle.dumps(error, pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                error = WriterJobNotPicklable(f"an error that does not pickle ({exc!r}): {error!r}")
        pairs.append((error, None if error is not None else job.result))
    return pickle.dumps((committed, pairs), pickle.HIGHEST_PROTOCOL)


def _read(message: bytes) -> list[_ChildJob]:
    """The jobs of one message from the server; if they cannot be rebuilt here, one job that
    failed (the server then fails every job of the message with its error)."""
    try:
        calls = pickle.loads(message)  # noqa: S301 (our own server's bytes, our own pipe)
        return [_ChildJob(_pickled_call, (fn, args)) for fn, args in calls]
    except Exception as exc:
        log.exception("a batch of writer jobs could not be read")
        broken = _ChildJob(None, ())
        broken.error = WriterJobNotPicklable(
            f"the writer could not read these jobs: {exc!r}")
        return [broken]


def _log_levels() -> dict[str, int]:
    """The levels set on this process's loggers (the root's under ""): the child logs as the
    server does — in particular the libraries kept quiet there (peewee would log every
    statement with its parameters at debug level) stay quiet in the child."""
    levels = {"": logging.getLogger().level}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def main(path: str, conn: Connection, batch_max: int, log_levels: dict[str, int]) -> None:
    """The writer process: serve the pipe until it closes or the server says stop."""
    from appliance.storage.database import bound_database, open_connection, run_batch

    for name in PRELOAD:  # already there when forked from the fork server
        importlib.import_module(name)
    register_loaded()

    # Ctrl+C reaches the whole process group: the server stops us through the pipe, after
    # the jobs already sent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s[writer]: %(message)s")
    for name, level in log_levels.items():
        logging.getLogger(name or None).setLevel(level)
    db = open_connection(Path(path))
    db.connect()
    bound_database.obj = db
    db.execute_sql("PRAGMA wal_autocheckpoint=0")  # the server's checkpointer thread does it
    conn.send_bytes(READY + b" %d" % os.getpid())
    try:
        while True:
            try:
                first = conn.recv_bytes()
            except EOFError:
                return
            # One transaction for every batch waiting in the pipe, up to `batch_max` jobs.
            groups: list[list[_ChildJob]] = []
            stop = first == STOP
            message: bytes | None = None if stop else first
            size = 0
            while message is not None:
                groups.append(_read(message))
                size += len(groups[-1])
                message = None
                if size < batch_max and conn.poll():
                    message = conn.recv_bytes()
                    if message == STOP:
                        stop, message = True, None
            runnable = [job for group in groups for job in group if job.error is None]
            committed = run_batch(db, runnable) if runnable else True
            for group in groups:
                conn.send_bytes(_outcomes(committed, group))
            if stop:
                return
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the server is gone: nothing more to tell anyone
    finally:
        db.close()


# -- the server's side --------------------------------------------------------------------------

START_TIMEOUT_SECONDS = 60.0
RESTART_PAUSE_SECONDS = 1.0


# Modules a new writer process would import anyway at its first jobs (the services' job
# functions are unpickled by module name): loaded once in the fork server.
PRELOAD = ["appliance.storage.writer_process", "appliance.runtime"]


def _context() -> Any:
    """How the child starts. From a fork server where there is one (Linux, macOS; not in the
    compiled executable, whose interpreter cannot be started with `-c`): the server is started
    once per process, with the modules the jobs need already imported, and each writer is a
    fork of it (tens of milliseconds, not the second an interpreter takes to import them).
    Otherwise a fresh interpreter (spawn). Never a fork of the server itself: its other
    threads may hold locks at that moment."""
    compiled = "__compiled__" in globals()
    if not compiled and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class Link:
    """The server's end: a child process, the jobs sent to it and not yet answered (in order),
    and the thread that reads its answers. `send` is called by one thread (the database's
    writer loop); `resolve(jobs)` and `committed()` are called on the reading thread."""

    def __init__(self, path: Path, batch_max: int, resolve: Callable[[list[Any]], None],
                 committed: Callable[[], None]) -> None:
        self.path, self.batch_max = path, batch_max
        self._resolve, self._committed = resolve, committed
        self._lock = threading.Lock()
        self._sent: collections.deque[list[Any]] = collections.deque()
        self._stopping = False
        self._conn: Connection | None = None
        self._process: Any = None
        self._reader: threading.Thread | None = None
        self.pid = 0
        self.restarts = 0

    def start(self) -> None:
        register_loaded()
        # At interpreter exit multiprocessing ends its daemonic children; this runs first
        # (atexit is last in, first out), so the reader takes that end for a stop.
        atexit.register(self._exiting)
        self._spawn()
        self._reader = threading.Thread(target=self._read_loop, name="kefu-writer-results",
                                        daemon=True)
        self._reader.start()

    def _spawn(self) -> None:
        context = _context()
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=main, name="kefu-writer",
            args=(str(self.path), theirs, self.batch_max, _log_levels()),
            daemon=True)
        process.start()
        theirs.close()  # only the child holds its end: its exit is our end of file
        if not ours.poll(START_TIMEOUT_SECONDS):
            process.kill()
            raise RuntimeError("the writer process did not start")
        try:
            hello = ours.recv_bytes()
        except EOFError:
            process.join(5)
            raise RuntimeError(
                f"the writer process could not open {self.path} (exit code {process.exitcode}); "
                "its log lines are above") from None
        with self._lock:
            self._conn, self._process = ours, process
        self.pid = int(hello.split()[1])

    def send(self, jobs: list[Any]) -> None:
        """Pickle `jobs` and send them as one message. A job that does not pickle fails alone,
        at once. The jobs are answered (resolved) by the reading thread after the commit."""
        calls = [(job.fn, job.args) for job in jobs]
        try:
            message = pickle.dumps(calls, pickle.HIGHEST_PROTOCOL)
        except Exception:  # find the ones that do not pickle; send the rest
            kept = []
            for job in jobs:
                try:
                    pickle.dumps((job.fn, job.args), pickle.HIGHEST_PROTOCOL)
                    kept.append(job)
                except Exception as exc:
                    job.error = WriterJobNotPicklable(
                        f"writer job {job.fn!r} does not pickle: {exc!r}")
                    self._resolve([job])
            if not kept:
                return
            jobs = kept
            message = pickle.dumps([(job.fn, job.args) for job in jobs], pickle.HIGHEST_PROTOCOL)
        with self._lock:
            conn = self._conn
            self._sent.append(jobs)
        while conn is None:  # a new child is starting (after a loss): it gets these first
            time.sleep(0.05)
            with self._lock:
                conn = self._conn
                if conn is None and self._stopping:
                    self._sent.remove(jobs)
                    for job in jobs:
                        job.error = WriterProcessGone("the database is closing")
                    self._resolve(jobs)
                    return
        with contextlib.suppress(OSError):  # the child is gone: the reader fails these jobs
            conn.send_bytes(message)

    def _exiting(self) -> None:
        with self._lock:
            self._stopping = True

    def stop(self) -> None:
        """Let the child finish what was sent, then end it and the reading thread."""
        atexit.unregister(self._exiting)
        with self._lock:
            self._stopping = True
            conn, process = self._conn, self._process
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send_bytes(STOP)
        if self._reader is not None:
            self._reader.join(timeout=60)
        with self._lock:  # a child started meanwhile (after a loss) is the one to wait for
            conn, process = self._conn, self._process
        if process is not None:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join(5)
        if conn is not None:
            conn.close()

    def _read_loop(self) -> None:
        while True:
            with self._lock:
                conn = self._conn
            assert conn is not None
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                if not self._restart_after_loss():
                    return
                continue
            committed, outcomes = pickle.loads(message)  # noqa: S301 (our own child's bytes)
            with self._lock:
                jobs = self._sent.popleft()
            if len(outcomes) != len(jobs):  # the child could not read them: its one error
                outcomes = [outcomes[0]] * len(jobs)
            for job, (error, result) in zip(jobs, outcomes, strict=True):
                job.error = error
                if error is None:
                    job.result = pickle.loads(result)  # noqa: S301 (pickled by our child)
            if committed:
                self._committed()
            self._resolve(jobs)

    def _restart_after_loss(self) -> bool:
        """The child's pipe ended. At a stop that is the end; otherwise the child died: every
        job it had not answered fails (it may have committed: clients resend, the server
        deduplicates) and a new child takes over. Returns whether to go on reading."""
        with self._lock:
            stopping = self._stopping
            lost = list(self._sent)
            self._sent.clear()
            if not stopping:
                # Until the new child runs, `send` queues behind this lock's successor.
                self._conn = None
        for jobs in lost:
            for job in jobs:
                job.error = WriterProcessGone(
                    "the writer process ended before it answered; the write may not be stored")
            self._resolve(jobs)
        if stopping:
            return False
        log.error("the writer process (pid %d) ended unexpectedly; starting a new one", self.pid)
        while True:
            time.sleep(RESTART_PAUSE_SECONDS)
            try:
                self._spawn()
            except Exception:  # keep trying: nothing can be written meanwhile
                log.exception("the writer process could not be started again")
                continue
            self.restarts += 1
            with self._lock:
                stopping, conn = self._stopping, self._conn
            if stopping and conn is not None:  # closed while the new child was starting
                with contextlib.suppress(OSError):
                    conn.send_bytes(STOP)
            return True
