"""Running the app: in the main thread for `kefu serve`, or in a thread for tests and desktop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from sanic import Sanic

App = Sanic[Any, Any]  # our app: config and ctx are plain attribute bags


class PortInUse(Exception):
    """The requested address cannot be listened on: another program has it, it is not this
    machine's, it needs administrator rights, or its host name does not resolve."""


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so that an occupied port is a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(_why_not(exc, host, port)) from exc
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _why_not(exc: OSError, host: str, port: int) -> str:
    """What the owner can do about a socket that cannot listen."""
    if isinstance(exc, socket.gaierror):
        return (f"The host name {host!r} cannot be resolved to an address of this machine. "
                "Use an address (127.0.0.1, or 0.0.0.0 for every network) with --host.")
    if exc.errno == errno.EADDRINUSE:
        return (f"Port {port} on {host} is already in use. Stop the other program "
                "or choose another port with --port.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"Port {port} on {host} needs administrator rights (ports below 1024 do). "
                "Choose a port above 1024 with --port, and put a reverse proxy in front.")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"{host} is not an address of this machine. Use one of its addresses, or "
                "0.0.0.0 for every network, with --host.")
    return f"Cannot listen on {host} port {port}: {exc.strerror or exc}."


FULL_COLLECTION_AFTER = 100  # younger collections before a full one (Python's default: 10)


def serve_forever(app: App, sock: socket.socket) -> None:
    """Serve in this (main) thread, one process, until interrupted."""
    # What starting made (modules and their tables: some 250,000 objects, most of them lists)
    # lives as long as the process. Kept out of the collector's passes, a full collection walks
    # only what serving makes. And full collections (they stop every thread, for 0.1-0.4 s with
    # 2,000 visitors) come after 100 younger ones instead of 10: on classic sites every page
    # view is a socket whose objects live long enough to reach the oldest generation, which
    # made them come every few seconds (docs/benchmarks.md: loop lag p99 394 -> 71 ms, for
    # some 50 MiB more memory at 2,000 visitors).
    gc.collect()
    gc.freeze()
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, FULL_COLLECTION_AFTER)
    app.run(sock=sock, single_process=True, access_log=False, motd=False)


@dataclass
class BackgroundServer:
    """The app served on its own event loop in a thread (tests, the desktop launcher)."""

    app: App
    sock: socket.socket
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _stop: asyncio.Event | None = None
    error: BaseException | None = None
    drain_seconds: float = 1.0

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def start(self, timeout: float = 30) -> BackgroundServer:
        self.thread = threading.Thread(target=self._run, name="kefu-server", daemon=True)
        self.thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("server did not start in time")
        if self.error is not None:
            raise RuntimeError("server failed to start") from self.error
        return self

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:
            self.error = exc
            self._ready.set()
        finally:
            _cancel_remaining_tasks(self.loop)
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await self.app.create_server(sock=self.sock, return_asyncio_server=True,
                                              access_log=False)
        assert server is not None
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._ready.set()
        await self._stop.wait()
        await server.before_stop()
        server.close()
        await server.wait_closed()
        connections = server.connections
        for conn in list(connections):
            conn.close_if_idle()
        for _ in range(int(self.drain_seconds * 10)):
            if not connections:
                break
            await asyncio.sleep(0.1)
        for conn in list(connections):
            if getattr(conn, "websocket", None):
                conn.websocket.fail_connection(code=1001)
            else:
                conn.abort()
        await server.after_stop()

    def stop(self, timeout: float = 15) -> None:
        if self.loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stop.set)
        if self.thread is not None:
            self.thread.join(timeout)


def _cancel_remaining_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """What asyncio.run does on exit: cancel leftover tasks and let them finish."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
