"""Desktop mode (a double-click): serve in the background, show the console in a window."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance.config import Config, display_environment
from appliance.paths import user_data_dir

LOCK_FILE = "kefu-desktop.lock"
STATE_FILE = "kefu-desktop.json"


class NoDisplay(Exception):
    """There is no graphical session to show a window in."""


def has_display(environ: dict[str, str] | None = None) -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(display_environment(environ))


def desktop_data_dir(config: Config, explicit: bool) -> Path:
    """The user's data folder, unless a data directory was chosen explicitly."""
    return config.data_path if explicit else user_data_dir()


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

    def publish(self, url: str) -> None:
        self.state.write_text(json.dumps({"url": url, "pid": os.getpid()}), "utf-8")

    def running_url(self) -> str | None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return str(json.loads(self.state.read_text("utf-8"))["url"])
        return None

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.state.unlink()
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def open_window(url: str, ask_keep_serving: Callable[[], None] | None = None) -> bool:
    """Show `url` in a pywebview window; False when no web-view backend is available."""
    try:
        import webview  # type: ignore[import-not-found]
    except ImportError:
        return False
    window = webview.create_window("Kefu 客服", url, width=1280, height=820, min_size=(900, 600))
    keep = {"serving": False}

    def on_closing() -> bool:
        keep["serving"] = bool(window.create_confirmation_dialog(
            "Kefu", "关闭窗口后继续在后台接待访客吗？\nKeep serving visitors in the background?"))
        return True

    window.events.closing += on_closing
    try:
        webview.start()
    except Exception:  # no usable GUI backend (e.g. Qt/GTK libraries missing)
        return False
    if keep["serving"] and ask_keep_serving is not None:
        ask_keep_serving()
    return True


def show_in_browser(url: str) -> None:
    webbrowser.open(url)
