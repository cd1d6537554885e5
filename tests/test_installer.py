"""The Linux installer scripts, run for real in a throw-away home folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

INSTALLER = Path(__file__).resolve().parent.parent / "installer"


def run(script: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    return subprocess.run(["bash", str(INSTALLER / script), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_install_and_uninstall_keep_the_data_unless_purged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    exe = tmp_path / "kefu-9.9.9-linux-x86_64"
    exe.write_text("#!/bin/sh\necho kefu 9.9.9\n")
    exe.chmod(0o755)
    result = run("install.sh", home, str(exe))
    assert result.returncode == 0, result.stderr
    binary = home / ".local/bin/kefu"
    assert subprocess.run([str(binary)], capture_output=True, text=True).stdout == "kefu 9.9.9\n"
    entry = (home / ".local/share/applications/kefu.desktop").read_text()
    assert f"Exec={binary}" in entry and "Name=Kefu 客服" in entry
    assert (home / ".local/share/icons/hicolor/scalable/apps/kefu.svg").is_file()
    data = home / ".local/share/kefu"
    data.mkdir(parents=True)
    (data / "kefu.db").write_text("the company's records")
    result = run("uninstall.sh", home)
    assert result.returncode == 0 and "Kept the data" in result.stdout
    assert not binary.exists() and (data / "kefu.db").is_file()
    run("install.sh", home, str(exe))
    result = run("uninstall.sh", home, "--purge")
    assert result.returncode == 0 and not data.exists()


def test_install_refuses_a_missing_executable(tmp_path: Path) -> None:
    result = run("install.sh", tmp_path, str(tmp_path / "nope"))
    assert result.returncode == 2 and "not found" in result.stderr
