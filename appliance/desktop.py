"""Desktop mode (a double-click): serve in the background, show the console in a window.

One instance runs per data directory (an OS file lock). The running instance listens on a
loopback control socket, guarded by a random token kept in a file only the user can read, so a
second double-click brings its window to the front (showing it again if it was closed with "keep
serving in the background").
"""

from __future__ import annotations

import contextlib
import hmac
import importlib.util
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from appliance import APP_TITLE
from appliance.config import Config, display_environment, user_data_folder

log = logging.getLogger(__name__)

LOCK_FILE = "kefu-desktop.lock"
STATE_FILE = "kefu-desktop.json"
WINDOW_STORAGE = "window"  # the web view's cookies and local storage, inside the data directory
CONTROL_TIMEOUT = 5.0
CONTROL_LINE_MAX = 4096

CLOSE_QUESTION = (
    "关闭窗口后，要继续在后台为网站访客服务吗？\n"
    "「确定」继续在后台服务：访客仍可留言，再次打开 Kefu 即回到这里。\n"
    "「取消」退出 Kefu：网站上的聊天窗口将无法连接。\n\n"
    "Keep serving your website's visitors in the background after closing the window?\n"
    "OK: keep serving (open Kefu again to come back).\n"
    "Cancel: quit Kefu (the chat on your website cannot connect)."
)

# Replies of the control channel.
FOCUSED = "focused"
OPEN = "open"


def has_display(environ: dict[str, str] | None = None) -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(display_environment(environ))


def desktop_data_dir(config: Config, explicit: bool) -> Path:
    """The user's data folder, unless a data directory was chosen explicitly."""
    return config.data_path if explicit else user_data_folder()


class InstanceLock:
    """One desktop instance per data directory (an OS file lock, released if we die)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self.state = folder / STATE_FILE
        self._handle: Any = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            if sys.platform.startswith("win"):
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def publish(self, url: str, control: ControlServer | None = None) -> None:
        """Tell a later double-click where the running instance is (readable by the user only)."""
        state: dict[str, Any] = {"url": url, "pid": os.getpid()}
        if control is not None:
            state.update(control_port=control.port, control_token=control.token)
        with contextlib.suppress(OSError):
            self.state.unlink()
        fd = os.open(self.state, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state, out)

    def running_state(self) -> dict[str, Any]:
        with contextlib.suppress(OSError, ValueError):
            state = json.loads(self.state.read_text("utf-8"))
            if isinstance(state, dict):
                return state
        return {}

    def running_url(self) -> str | None:
        url = self.running_state().get("url")
        return url if isinstance(url, str) else None

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.state.unlink()
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class ControlServer:
    """Loopback socket of the running instance: one line `<token> <command>` in, one line out."""

    def __init__(self, handle: Callable[[str], str]) -> None:
        self._handle = handle
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.token = secrets.token_urlsafe(32)
        self._thread = threading.Thread(target=self._serve, name="kefu-desktop-control",
                                        daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            with conn:
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    conn.settimeout(CONTROL_TIMEOUT)
                    line = conn.makefile("rb").readline(CONTROL_LINE_MAX).decode("utf-8")
                    token, _, command = line.strip().partition(" ")
                    if not hmac.compare_digest(token.encode(), self.token.encode()):
                        conn.sendall(b"denied\n")
                        continue
                    try:
                        reply = self._handle(command)
                    except Exception:
                        log.exception("desktop control command %r failed", command)
                        reply = "error"
                    conn.sendall(reply.encode("utf-8") + b"\n")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        with contextlib.suppress(OSError):
            self._sock.close()
        if self._thread.is_alive():
            self._thread.join(CONTROL_TIMEOUT)


def ask_running(state: dict[str, Any], command: str) -> str | None:
    """Send a command to the running instance; None when it cannot be reached."""
    port, token = state.get("control_port"), state.get("control_token")
    if not isinstance(port, int) or not isinstance(token, str):
        return None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=CONTROL_TIMEOUT) as conn:
            conn.sendall(f"{token} {command}\n".encode())
            reply = conn.makefile("rb").readline(CONTROL_LINE_MAX).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return reply or None


def _gui_backend() -> Literal["qt"] | None:
    """pywebview's backend: Qt on Linux when it is installed (pywebview would try GTK first)."""
    if sys.platform.startswith("linux") and importlib.util.find_spec("qtpy") is not None:
        return "qt"
    return None


class Window:
    """The console in a pywebview window; `run` blocks until Kefu should quit.

    Closing the window asks whether to keep serving. "Keep serving" hides the window and unloads
    the console (so the owner goes off duty and is not offered chats nobody sees); another
    double-click shows it again. "Quit" closes it, and `run` returns.
    """

    def __init__(self, storage: Path, on_background: Callable[[], None]) -> None:
        self.storage = storage
        self._on_background = on_background
        self._window: Any = None
        self._url = ""
        self._shown = threading.Event()
        self._hidden = threading.Event()
        self._quitting = threading.Event()

    def run(self, url: str) -> bool:
        """Show `url` until Kefu should quit; False when no web-view backend is available."""
        try:
            import webview  # type: ignore[import-not-found]
        except ImportError:
            return False
        if sys.platform.startswith("linux") and os.geteuid() == 0:
            # Qt WebEngine (Chromium) refuses to start as root with its sandbox on.
            os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
        self.storage.mkdir(parents=True, exist_ok=True)
        self._url = url
        window = webview.create_window(APP_TITLE, url, width=1280, height=820,
                                       min_size=(900, 600))
        assert window is not None  # None only for a window created before start() returned
        window.events.closing += self._on_closing
        window.events.shown += self._shown.set
        window.events.before_show += self._integrate
        self._window = window
        try:
            webview.start(gui=_gui_backend(), private_mode=False, storage_path=str(self.storage))
        except Exception:  # no usable GUI backend (e.g. Qt/GTK libraries missing)
            log.exception("no window toolkit could start")
            return False
        finally:
            self._window = None
        return True

    def _on_closing(self) -> bool:
        """Runs on the GUI thread; returning False keeps the window (hidden)."""
        window = self._window
        if self._quitting.is_set() or window is None:
            return True
        if not window.create_confirmation_dialog("Kefu", CLOSE_QUESTION):
            self._quitting.set()
            return True
        window.load_url("about:blank")  # the console's socket closes: off duty until shown
        window.hide()
        self._hidden.set()
        self._on_background()
        return False

    def _integrate(self, window: Any) -> None:
        """On the GUI thread, before the window shows: the console's title and notifications
        reach the desktop (Qt only; other backends keep pywebview's behaviour)."""
        if _gui_backend() != "qt":
            return
        from appliance import desktop_qt

        native = window.native  # the QMainWindow

        def to_front() -> None:
            native.showNormal()
            native.raise_()
            native.activateWindow()

        desktop_qt.integrate(native, self._url, self._hidden.is_set, to_front)

    def bring_to_front(self, url: str) -> bool:
        """Show the window again (loading `url` if it was hidden); False when there is none."""
        window = self._window
        if window is None or not self._shown.is_set() or self._quitting.is_set():
            return False
        if self._hidden.is_set():
            self._hidden.clear()
            window.load_url(url)
        window.restore()
        window.show()
        return True

    def close_quietly(self) -> None:
        """Quit without asking (a signal, or the system shutting down)."""
        self._quitting.set()
        window = self._window
        if window is not None and self._shown.is_set():
            window.destroy()


@contextlib.contextmanager
def on_stop_signals(handler: Callable[[], None]) -> Iterator[None]:
    """Call `handler` (from a watcher thread) on SIGTERM or SIGINT.

    Python runs its signal handlers in the main thread, between bytecodes: while the main thread
    sits in a window toolkit's C++ event loop (and in compiled code) that may never happen. The
    wakeup fd is written by the C-level handler at once, so a thread reading it always hears.
    """
    wanted = {int(signal.SIGTERM), int(signal.SIGINT)}
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {sig: signal.signal(sig, lambda *_: handler()) for sig in wanted}

    def watch() -> None:
        with contextlib.suppress(OSError):
            while data := reader.recv(64):
                if wanted.intersection(data):
                    handler()

    watcher = threading.Thread(target=watch, name="kefu-desktop-signals", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for sig, old in previous.items():
            signal.signal(sig, old)
        writer.close()  # the watcher reads end-of-file and returns
        watcher.join(CONTROL_TIMEOUT)
        reader.close()


def show_in_browser(url: str) -> None:
    webbrowser.open(url)
