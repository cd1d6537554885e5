"""`kefu` as a real subprocess: run commands, or serve and wait until it answers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

SERVING_LINE = re.compile(r"is serving at (http://127\.0\.0\.1:(\d+))")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kefu_env(**extra: str) -> dict[str, str]:
    """This process's environment without any KEFU_* setting, plus `extra`."""
    env = {k: val for k, val in os.environ.items() if not k.startswith("KEFU_")}
    if "KEFU_WRITER" in os.environ:  # the suite's choice of writer (tests/conftest.py)
        env["KEFU_WRITER"] = os.environ["KEFU_WRITER"]
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def kefu(*args: str | Path, env: dict[str, str] | None = None, stdin: str | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appliance", *map(str, args)],
                          env=env or kefu_env(), input=stdin, capture_output=True, text=True,
                          timeout=timeout, check=False)


class Served:
    """`kefu serve` (or another `command`) in a subprocess, its output collected line by line."""

    def __init__(self, *args: str | Path, env: dict[str, str] | None = None,
                 command: tuple[str, ...] = ("serve", "--port", "0"),
                 program: tuple[str, ...] = (sys.executable, "-m", "appliance")) -> None:
        self.proc = subprocess.Popen(
            [*program, *command, *map(str, args)],
            env=env or kefu_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                match = pattern.search("".join(self.lines))
                if match:
                    return match
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no {pattern.pattern!r} in output:\n{self.output}")
                self._changed.wait(min(left, 0.5))

    def wait_ready(self) -> str:
        """The base URL, once /healthz answers."""
        url = self.wait_for(SERVING_LINE).group(1)
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"{url}/healthz", timeout=5)
                if response.status_code == 200:
                    assert response.json()["database"] == "ok"
                    return url
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, f"serve exited early:\n{self.output}"
            assert time.monotonic() < deadline, f"/healthz never answered:\n{self.output}"
            time.sleep(0.05)

    def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
