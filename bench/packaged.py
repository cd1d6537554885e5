"""The one-file executable against Kefu from source (CPython): relay throughput and latency.

Usage: python bench/packaged.py dist/kefu-<version>-linux-x86_64

Runs bench/relay.py's part (b) — RELAY_CONNS visitors each send, wait for the ack, send again;
one agent socket receives everything — against `kefu` from source and against the executable,
alternating (source, executable, source, executable, …) so that a change in the machine's load
hits both alike, each on a fresh data directory. Baseline in the same run: the bare `websockets`
echo server of part (a). Prints a table and writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import uvloop
from relay import (
    DOC,
    RELAY_CONNS,
    RELAY_SECONDS,
    LoopResult,
    kefu_command,
    part_a,
    part_b,
    pct,
    write_doc,
)
from run import machine

ROUNDS = 3  # runs of each build
SECTION = "## Compiled executable vs CPython (`bench/packaged.py`)"


async def run(executable: Path, tmp: Path) -> dict[str, list[LoopResult]]:
    builds = {"CPython (source)": kefu_command(), "compiled (Nuitka onefile)": [str(executable)]}
    results: dict[str, list[LoopResult]] = {name: [] for name in builds}
    results["echo baseline"] = []
    for n in range(ROUNDS):
        echo_folder = tmp / f"echo-{n}"
        echo_folder.mkdir(parents=True)
        results["echo baseline"].append(await part_a(echo_folder))
        for name, command in builds.items():
            folder = tmp / f"{name.split()[0]}-{n}"
            folder.mkdir(parents=True)
            result = await part_b(folder, command)
            print(f"round {n + 1}: {name}: {result.rate:,.0f} msg/s", flush=True)
            results[name].append(result)
    return results


def row(name: str, runs: list[LoopResult], baseline: float) -> str:
    rates = [r.rate for r in runs]
    latencies = [x for r in runs for x in r.latencies]
    median = statistics.median(rates)
    errors = sum(r.errors for r in runs)
    return (f"| {name} | {' / '.join(f'{r:,.0f}' for r in rates)} | {median:,.0f} | "
            f"{median / baseline:.2f} | {pct(latencies, 0.5):.1f} / {pct(latencies, 0.99):.1f} | "
            f"{errors} |")


def main() -> int:
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_file():
        print(__doc__)
        return 2
    executable = Path(sys.argv[1]).resolve()
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-packaged-") as tmp:
        results = uvloop.run(asyncio.wait_for(run(executable, Path(tmp)), 900))
    echo = statistics.median(r.rate for r in results.pop("echo baseline"))
    source = statistics.median(r.rate for r in results["CPython (source)"])
    compiled = statistics.median(r.rate for r in results["compiled (Nuitka onefile)"])
    header = ("| server | acked messages/s per run | median | × echo | send→ack p50 / p99 ms "
              "| errors |\n|---|---:|---:|---:|---:|---:|")
    table = "\n".join([header, f"| echo baseline (round trips/s) | | {echo:,.0f} | 1.00 | | |",
                       *(row(name, runs, echo) for name, runs in results.items())])
    print(table)
    print(f"compiled / CPython: {compiled / source:.2f}")
    section = f"""{SECTION}

`bench/packaged.py {executable.name}` runs part (b) of `bench/relay.py` ({RELAY_CONNS} visitors
send one at a time and wait for the ack, one agent socket receives; {RELAY_SECONDS:.0f} s
measured per run) {ROUNDS} times against `kefu` from source on CPython and {ROUNDS} times against
the one-file executable, alternating, each on a fresh data directory; the echo baseline of part
(a) is measured in each round too.

Measured {dt.date.today().isoformat()} on {machine()} (load average {load_before:.2f} when the run
started, {os.getloadavg()[0]:.2f} when it ended; {time.monotonic() - started:.0f} s in all):

{table}

The compiled executable relays **{compiled / source:.2f}×** as many messages per second as the same
code on CPython.
"""
    write_doc(section, SECTION)
    print(f"wrote section {SECTION!r} of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
