"""The writer on a thread of the server against the writer in a process of its own, same run.

Usage: python bench/writer_modes.py [ROUNDS]

Runs part (b) of bench/relay.py (RELAY_CONNS visitors each send, wait for the ack, send again;
one agent socket receives everything) against this tree with `writer = "thread"` and with
`writer = "process"`, alternating, each on a fresh data directory, with the echo baseline of
part (a) in every round. CPU per message: the server process, its event-loop thread, and its
descendants (the writer process and the fork server it was forked from), from /proc. Prints
a table and writes its section of docs/benchmarks.md.
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
from relay import DOC, RELAY_CONNS, RELAY_SECONDS, LoopResult, part_a, part_b, pct, write_doc
from run import machine

SECTION = "## The writer's two homes: thread and process (`bench/writer_modes.py`)"
MODES = ("thread", "process")


async def run(rounds: int, tmp: Path) -> tuple[dict[str, list[LoopResult]],
                                              dict[str, list[float]]]:
    results: dict[str, list[LoopResult]] = {"echo baseline": [], **{m: [] for m in MODES}}
    pings: dict[str, list[float]] = {m: [] for m in MODES}
    for n in range(rounds):
        folder = tmp / f"echo-{n}"
        folder.mkdir(parents=True)
        results["echo baseline"].append(await part_a(folder))
        for mode in MODES:
            folder = tmp / f"{mode}-{n}"
            folder.mkdir(parents=True)
            result = await part_b(folder, settings=f'writer = "{mode}"\n', pings=pings[mode])
            print(f"round {n + 1}: {mode}: {result.rate:,.0f} msg/s, server "
                  f"{result.cpu.server_total:.2f} + children {result.cpu.children:.2f} cores",
                  flush=True)
            results[mode].append(result)
    return results, pings


def row(name: str, runs: list[LoopResult], echo: float) -> str:
    def per_message(attr: str) -> float:
        return statistics.median(getattr(r.cpu, attr) / r.rate * 1e6 for r in runs if r.rate)

    rates = [r.rate for r in runs]
    median = statistics.median(rates)
    total = statistics.median((r.cpu.server_total + r.cpu.children) / r.rate * 1e6
                              for r in runs if r.rate)
    latencies = [x for r in runs for x in r.latencies]
    cores = statistics.median(r.cpu.server_total + r.cpu.children for r in runs)
    return (f"| {name} | {' / '.join(f'{r:,.0f}' for r in rates)} | {median:,.0f} | "
            f"{median / echo:.2f} | {per_message('server_main'):.0f} | "
            f"{per_message('server_total'):.0f} | {per_message('children'):.0f} | {total:.0f} | "
            f"{cores:.2f} | {pct(latencies, 0.5):.1f} / {pct(latencies, 0.99):.1f} | "
            f"{sum(r.errors for r in runs)} |")


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-writer-") as tmp:
        results, pings = uvloop.run(asyncio.wait_for(run(rounds, Path(tmp)), 3600))
    echo_runs = results.pop("echo baseline")
    echo = statistics.median(r.rate for r in echo_runs)
    table = "\n".join([
        "| writer | acked messages/s per run | median | × echo | event loop µs per message "
        "| server process CPU µs per message | writer process (and fork server) CPU µs per "
        "message | all CPU µs per message | cores | send→ack p50 / p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| echo baseline (round trips/s) | {' / '.join(f'{r.rate:,.0f}' for r in echo_runs)} "
        f"| {echo:,.0f} | 1.00 | | | | | | | |",
        *(row(mode, results[mode], echo) for mode in MODES)])
    probe = "\n".join([
        "| writer | pings | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|",
        *(f"| {mode} | {len(pings[mode]):,} | {pct(pings[mode], 0.5):.2f} | "
          f"{pct(pings[mode], 0.99):.2f} | {max(pings[mode], default=0) * 1000:.1f} |"
          for mode in MODES)])
    print(table)
    print(probe)
    section = f"""{SECTION}

`bench/writer_modes.py` runs part (b) of `bench/relay.py` ({RELAY_CONNS} visitors send one at a
time and wait for the ack, one agent socket receives; {RELAY_SECONDS:.0f} s measured per run)
{rounds} times with `writer = "thread"` and {rounds} times with `writer = "process"`,
alternating, each on a fresh data directory, with the echo baseline of part (a) in every round.
CPU per message: over the measured window, divided by the messages acknowledged in it (medians
of the runs), for the server's event-loop thread, the server process, and its descendants (the
writer process and the fork server).

Measured {dt.date.today().isoformat()} on {machine()} (load average {load_before:.2f} when the
run started, {os.getloadavg()[0]:.2f} when it ended; {time.monotonic() - started:.0f} s in all):

{table}

Meanwhile one more visitor socket sent a WebSocket ping every 10 ms, which the server's event
loop answers itself (no database): its round trips while the writer was busy with the relay:

{probe}
"""
    write_doc(section, SECTION)
    print(f"wrote section {SECTION!r} of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
