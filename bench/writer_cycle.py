"""Where a group commit's time goes under the relay: the jobs' CPU, their wait, the COMMIT.

Usage: python bench/writer_cycle.py [ROUNDS]

Runs part (b) of bench/relay.py (RELAY_CONNS visitors each send, wait for the ack, send again;
one agent socket receives everything) against this tree with `writer = "thread"` and with
`writer = "process"`, alternating, each on a fresh data directory. The server is started with
a `sitecustomize` module (written to a temporary folder put first on its PYTHONPATH) that
times every call of `storage.database.run_batch` — the writer's batch, in the thread or in the
writer process — and, inside it, the COMMIT: wall-clock time and the calling thread's CPU time
(`time.thread_time`, user and system). A job's wall time beyond its CPU time is time its thread
was runnable but not running: on the writer thread, waiting for the interpreter lock that the
event loop holds; in the writer process, waiting for a core. The COMMIT's wall time beyond its
CPU time is mostly the fsync. Prints a table and writes its section of docs/benchmarks.md.
The product is not changed: the timing exists only in the benchmark's server processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import uvloop
from relay import DOC, RELAY_CONNS, RELAY_SECONDS, ROOT, part_b, write_doc
from run import machine

SECTION = "## A group commit's time under the relay (`bench/writer_cycle.py`)"
MODES = ("thread", "process")
OUT_ENV = "KEFU_BENCH_CYCLE_OUT"

# Imported by the benchmark's server (and its writer process) at start-up. Totals are
# written every 200 batches to a file of its own per process (a thread would not survive the
# writer process's fork).
SHIM = '''
import json, os, threading, time
import appliance.storage.database as database

_totals = {"batches": 0, "jobs": 0, "jobs_wall": 0.0, "jobs_cpu": 0.0,
           "commit_wall": 0.0, "commit_cpu": 0.0}
_current = threading.local()
_run_batch = database.run_batch
_commit = database._Connection.commit


def _timed_commit(self, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        return _commit(self, *args, **kwargs)
    finally:
        if getattr(_current, "batch", False):
            _current.commit = (time.perf_counter() - wall, time.thread_time() - cpu)


def _timed_run_batch(db, batch):
    _current.batch, _current.commit = True, (0.0, 0.0)
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        return _run_batch(db, batch)
    finally:
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        commit_wall, commit_cpu = _current.commit
        _current.batch = False
        t = _totals
        t["batches"] += 1
        t["jobs"] += len(batch)
        t["jobs_wall"] += wall - commit_wall
        t["jobs_cpu"] += cpu - commit_cpu
        t["commit_wall"] += commit_wall
        t["commit_cpu"] += commit_cpu
        if t["batches"] % 200 == 0:
            with open(os.environ["''' + OUT_ENV + '''"] + f".{os.getpid()}", "w") as f:
                f.write(json.dumps(t))


database.run_batch = _timed_run_batch
database._Connection.commit = _timed_commit
'''


def totals(prefix: str) -> dict[str, float]:
    """The writer's totals: the one process (of the server, or its writer) that ran batches."""
    found = []
    for path in Path(prefix).parent.glob(Path(prefix).name + ".*"):
        found.append(dict(json.loads(path.read_text("utf-8"))))
    busiest = max(found, key=lambda t: t["jobs"], default=None)
    if busiest is None:
        raise RuntimeError("the server wrote no batch totals")
    return busiest


async def run(rounds: int, tmp: Path) -> dict[str, list[tuple[float, dict[str, float]]]]:
    shim = tmp / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM, "utf-8")
    results: dict[str, list[tuple[float, dict[str, float]]]] = {m: [] for m in MODES}
    for n in range(rounds):
        for mode in MODES:
            folder = tmp / f"{mode}-{n}"
            folder.mkdir(parents=True)
            out = folder / "cycle"
            command = ["env", f"PYTHONPATH={shim}{os.pathsep}{ROOT}", f"{OUT_ENV}={out}",
                       sys.executable, "-m", "appliance"]
            result = await part_b(folder, command, settings=f'writer = "{mode}"\n')
            t = totals(str(out))
            results[mode].append((result.rate, t))
            print(f"round {n + 1}: {mode}: {result.rate:,.0f} msg/s, "
                  f"{t['jobs'] / t['batches']:.1f} jobs per batch", flush=True)
    return results


def row(mode: str, runs: list[tuple[float, dict[str, float]]]) -> str:
    def median(fn: Callable[[dict[str, float]], float]) -> float:
        return float(statistics.median(fn(t) for _, t in runs))

    per_job = 1e6  # µs
    return " | ".join([
        f"| {mode}", " / ".join(f"{rate:,.0f}" for rate, _ in runs),
        f"{median(lambda t: t['jobs'] / t['batches']):.1f}",
        f"{median(lambda t: t['jobs_cpu'] / t['jobs'] * per_job):.0f}",
        f"{median(lambda t: t['jobs_wall'] / t['jobs'] * per_job):.0f}",
        f"{median(lambda t: (t['jobs_wall'] - t['jobs_cpu']) / t['jobs'] * per_job):.0f}",
        f"{median(lambda t: t['commit_cpu'] / t['batches'] * 1e3):.2f}",
        f"{median(lambda t: t['commit_wall'] / t['batches'] * 1e3):.2f}",
        f"{median(lambda t: (t['jobs_wall'] + t['commit_wall']) / t['batches'] * 1e3):.2f} |",
    ])


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-cycle-") as tmp:
        results = uvloop.run(asyncio.wait_for(run(rounds, Path(tmp)), 3600))
    table = "\n".join([
        "| writer | acked messages/s per run | jobs per batch | jobs' CPU µs per message "
        "| jobs' wall µs per message | of which not running µs per message | COMMIT CPU ms "
        "per batch | COMMIT wall ms per batch | batch wall ms (jobs + COMMIT) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(row(mode, results[mode]) for mode in MODES)])
    print(table)
    section = f"""{SECTION}

`bench/writer_cycle.py` runs part (b) of `bench/relay.py` ({RELAY_CONNS} visitors send one at a
time and wait for the ack, one agent socket receives; {RELAY_SECONDS:.0f} s measured per run)
{rounds} times with each writer, alternating, and times every batch the writer runs (its jobs,
each in its savepoint, then the COMMIT) in wall-clock time and in the writer's own CPU time
(user and system), through a `sitecustomize` module that only the benchmark's servers load.
Medians of the runs; each run's figures are totals over the server's life (the measured
window and the {RELAY_CONNS} first messages before it). "Not running": the jobs' wall time
beyond their CPU time — on the writer thread, waiting for the interpreter lock held by the
event loop; in the writer process, waiting for a core.

Measured {dt.date.today().isoformat()} on {machine()} (load average {load_before:.2f} when the
run started, {os.getloadavg()[0]:.2f} when it ended; {time.monotonic() - started:.0f} s in all):

{table}
"""
    write_doc(section, SECTION)
    print(f"wrote section {SECTION!r} of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
