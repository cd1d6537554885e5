"""Desktop mode's parts that need no screen: one instance per data folder, its control channel."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from appliance.desktop import ControlServer, InstanceLock, ask_running, has_display


def test_only_one_instance_per_data_folder_and_the_second_finds_the_first(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path)
    assert first.acquire()
    first.publish("http://127.0.0.1:40123/app/")
    # A second process (a second double-click) cannot take the lock but finds the running URL.
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from appliance.desktop import InstanceLock; "
         "lock = InstanceLock(Path(sys.argv[1])); print(lock.acquire(), lock.running_url())",
         str(tmp_path)], capture_output=True, text=True, timeout=30, check=True)
    assert probe.stdout.split() == ["False", "http://127.0.0.1:40123/app/"]
    first.release()
    again = InstanceLock(tmp_path)
    assert again.acquire() and again.running_url() is None
    again.release()


def test_display_detection() -> None:
    if sys.platform.startswith("linux"):
        assert has_display({"DISPLAY": ":99"})
        assert has_display({"WAYLAND_DISPLAY": "wayland-0"})
        assert not has_display({})


def test_control_channel_runs_commands_only_with_the_token(tmp_path: Path) -> None:
    heard: list[str] = []

    def handle(command: str) -> str:
        heard.append(command)
        return "focused"

    channel = ControlServer(handle).start()
    try:
        lock = InstanceLock(tmp_path)
        assert lock.acquire()
        lock.publish("http://127.0.0.1:40123/app/", channel)
        # The token sits in a file only the user can read.
        assert stat.S_IMODE(os.stat(lock.state).st_mode) == 0o600
        state = lock.running_state()
        assert ask_running(state, "focus") == "focused"
        assert heard == ["focus"]
        assert ask_running({**state, "control_token": "guess"}, "focus") == "denied"
        assert ask_running({"url": state["url"]}, "focus") is None  # no channel published
        assert heard == ["focus"]
        lock.release()
    finally:
        channel.close()
    assert ask_running(state, "focus") is None  # nobody listening any more
