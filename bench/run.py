"""Benchmarks that `make bench` runs; each prints its tables, results go to docs/benchmarks.md
(relay.py, queue_burst.py, housekeeping.py, search.py and packaged.py write their own sections
there; packaged.py runs only when `make package` has built dist/kefu-<version>-linux-x86_64;
search.py builds its 1M-message database once, under bench/.data/). relay_compare.py, which
compares with an earlier commit, is run by hand: `python bench/relay_compare.py REF`."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    print(f"machine: {machine()}\n")
    runs = [["writer.py"], ["writer_parts.py"], ["relay.py"], ["writer_modes.py"],
            ["refused_sends.py"],
            ["queue_burst.py"], ["housekeeping.py"], ["search.py"], ["customers.py"],
            ["lead_reflag.py"]]
    # The one-file executable against CPython, when `make package` has built it.
    built = sorted(HERE.parent.glob("dist/kefu-*-linux-x86_64"))
    if built:
        runs.append(["packaged.py", str(built[-1])])
    for script, *args in runs:
        result = subprocess.run([sys.executable, str(HERE / script), *args], check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
