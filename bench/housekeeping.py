"""Does periodic housekeeping show up as latency spikes for everyone? p99 with and without.

Runs part (c) of bench/relay.py — MANY_CONNS visitors each send every MANY_INTERVAL s
(staggered), one agent socket receives every message; visitor→agent latency — against Kefu as
it ships (its background loops: unanswered-chat re-offers every 5 s, missed-chat sweeps every
10 s, search indexing every 0.5 s, expired sessions, the outbox) and against the same code
with the periodic loops left out (the outbox stays: it only wakes on events), alternating,
ROUNDS times each, on fresh data directories. Before the window every visitor opened its
conversation, so the sweeps have MANY_CONNS open chats to look at (one agent online with a
limit of 5: most of them wait in the queue).
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
    MANY_CONNS,
    MANY_INTERVAL,
    MANY_SECONDS,
    ManyResult,
    kefu_command,
    part_c_kefu,
    pct,
    raise_nofile,
    write_doc,
)
from run import machine

ROUNDS = 3
SECTION = "## Housekeeping and latency (`bench/housekeeping.py`)"
PERIODIC = ("expired sessions", "unanswered chats", "missed chats", "search index")


def without(names: tuple[str, ...]) -> list[str]:
    """The same `kefu` with these loops filtered out of the composition root's list."""
    return [sys.executable, "-c",
            "import sys, appliance.runtime as r; loops = r.background_loops; "
            f"r.background_loops = lambda rt: [x for x in loops(rt) if x.name not in {names!r}]; "
            "from appliance.cli import main; sys.argv[0] = 'kefu'; sys.exit(main())"]


async def run(tmp: Path, each: bool) -> dict[str, list[ManyResult]]:
    builds = {"with housekeeping (as shipped)": kefu_command(),
              "without the periodic loops": without(PERIODIC)}
    if each:  # which loop it is: each one left out alone
        builds.update({f"without {name} only": without((name,)) for name in PERIODIC})
    results: dict[str, list[ManyResult]] = {name: [] for name in builds}
    for n in range(ROUNDS):
        for name, command in builds.items():
            folder = tmp / f"{n}-{list(builds).index(name)}"
            folder.mkdir(parents=True)
            result = await part_c_kefu(folder, MANY_CONNS, command)
            print(f"round {n + 1}: {name}: p99 {pct(result.latencies, .99):.1f} ms, "
                  f"max {pct(result.latencies, 1):.1f} ms", flush=True)
            results[name].append(result)
    return results


def reading(results: dict[str, list[ManyResult]]) -> str:
    """The two columns compared: medians of the runs' p99 and the pooled p95."""
    def p95(name: str) -> float:
        return pct([x for r in results[name] for x in r.latencies], .95)

    def p99(name: str) -> float:
        return statistics.median(pct(r.latencies, .99) for r in results[name])

    shipped, bare = "with housekeeping (as shipped)", "without the periodic loops"
    spread = max(pct(r.latencies, .99) for r in results[bare]) - min(
        pct(r.latencies, .99) for r in results[bare])
    return (f"The periodic loops add {p99(shipped) - p99(bare):+.1f} ms to the median p99 "
            f"({p99(shipped):.1f} against {p99(bare):.1f} ms) and {p95(shipped) - p95(bare):+.1f}"
            f" ms to the p95; the p99 of the runs without them spread over {spread:.1f} ms.")


def main() -> int:
    each = "--each" in sys.argv[1:]
    raise_nofile()
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-housekeeping-") as tmp:
        results = uvloop.run(asyncio.wait_for(run(Path(tmp), each), 3600))
    lines = ["| server | p50 ms | p95 ms | p99 ms per run | median p99 ms | max ms | messages "
             "| not received | server cores |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, runs in results.items():
        every = [x for r in runs for x in r.latencies]
        p99s = [pct(r.latencies, .99) for r in runs]
        lines.append(
            f"| {name} | {pct(every, .5):.1f} | {pct(every, .95):.1f} | "
            f"{' / '.join(f'{p:.1f}' for p in p99s)} | {statistics.median(p99s):.1f} | "
            f"{pct(every, 1):.0f} | {len(every):,} | {sum(r.missing for r in runs)} | "
            f"{statistics.median(r.cpu.server_total for r in runs if r.cpu):.2f} |")
    table = "\n".join(lines)
    print(table)
    section = f"""{SECTION}

`bench/housekeeping.py`: part (c) of `bench/relay.py` — {MANY_CONNS:,} visitors each send every
{MANY_INTERVAL:.0f} s (staggered, {MANY_CONNS / MANY_INTERVAL:.0f} messages/s) for
{MANY_SECONDS:.0f} s, one agent socket hears every message — against Kefu as it ships and
against the same code with its periodic loops ({', '.join(PERIODIC)}) left out{
" (and with each left out alone)" if each else ""}, alternating,
{ROUNDS} runs each, fresh data directories. Latency is visitor → agent socket. Every visitor
opened its conversation before the window, so the sweeps have {MANY_CONNS:,} open chats to look
at.

Measured {dt.date.today().isoformat()} on {machine()} (load average {load_before:.2f} when the
run started, {os.getloadavg()[0]:.2f} when it ended; {time.monotonic() - started:.0f} s in all):

{table}

{reading(results)}

What the periodic work costs now: the missed-chat sweep reads each open conversation's
`first_response_at` instead of scanning its messages, the re-offer watch looks only at assigned
chats without a first answer, the search-index step indexes what arrived in the last half second
in one batch, and WAL checkpoints run on their own thread and connection instead of inside a
commit. `python bench/housekeeping.py --each` adds a row per loop left out alone.
"""
    write_doc(section, SECTION)
    print(f"wrote section {SECTION!r} of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
