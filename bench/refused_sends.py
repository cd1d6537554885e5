"""What a visitor over the message limit costs the server: refused sends against pings.

A visitor with `visitor_messages_per_minute = 3` sends its 3 messages, then N frames of each
kind in bursts of 50, waiting for every answer: `ping` (the baseline, measured in the same run:
the cheapest frame there is) and `send` with a new client id each (all refused with
`rate_limited`). A refused send may be a resend of a stored message, which is acknowledged even
with no tokens left (docs/protocol.md); finding that out reads the database, so those look-ups
have a budget of their own and a flood of refused sends must cost about what pings do.
Server CPU per frame is the server process's CPU time (from /proc) over the burst divided by N.

Usage: python bench/refused_sends.py [N] [REF]   (REF: also measure the appliance as it was at
that git commit, in the same run, e.g. one from before the look-ups had their budget)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import relay
from queue_burst import baseline_command
from relay import new_sessions, open_socket, start_kefu
from run import machine
from websockets.asyncio.client import ClientConnection

LIMITS = """\
visitor_messages_per_minute = 3
address_new_visitors_per_minute = 1000000
address_messages_per_minute = 1000000
"""
BURST = 50
PING = '{"type":"ping"}'
QUIET = 0.05  # seconds without a frame after a burst's first pong: its pongs are all in
ROUNDS = 3


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(ws: ClientConnection, pid: int,
                frames: list[str]) -> tuple[float, dict[str, int]]:
    """Server CPU µs per frame, and the answers by kind (code for errors)."""
    answers: dict[str, int] = {}
    cpu0 = cpu_seconds(pid)
    for start in range(0, len(frames), BURST):
        chunk = frames[start:start + BURST]
        for frame in chunk:
            await ws.send(frame)
        pings = chunk[0] == PING
        pending = len(chunk)
        while pending:
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            kind = message["type"]
            if pings and kind == "pong":
                # one pong may answer every ping read together (docs/protocol.md, rule 4),
                # or each ping its own: take what comes until the line is quiet
                answers["pong"] = answers.get("pong", 0) + 1
                pending = 0
                with contextlib.suppress(TimeoutError):
                    while True:
                        await asyncio.wait_for(ws.recv(), QUIET)
            elif not pings and kind in ("ack", "nack"):
                key = message["error"]["code"] if kind == "nack" else kind
                answers[key] = answers.get(key, 0) + 1
                pending -= 1
    return (cpu_seconds(pid) - cpu0) / len(frames) * 1e6, answers


async def measure(n: int, command: list[str] | None) -> dict[str, list[float]]:
    relay.BENCH_LIMITS = LIMITS
    results: dict[str, list[float]] = {"ping": [], "refused send": []}
    with tempfile.TemporaryDirectory() as tmp:
        server, key = start_kefu(Path(tmp), command)
        try:
            base = f"127.0.0.1:{server.port}"
            [token] = await new_sessions(f"http://{base}", key, 1)
            ws = await open_socket(f"ws://{base}/api/widget/ws")
            await ws.send(json.dumps({"type": "auth", "site_key": key, "visitor_token": token}))
            while json.loads(await ws.recv())["type"] != "hello":
                pass
            for _ in range(3):  # the bucket's three messages
                await ws.send(json.dumps({"type": "send", "client_id": uuid.uuid4().hex,
                                          "body": "hi"}))
            pid = server.popen.pid
            for _ in range(ROUNDS):
                cost, _ = await burst(ws, pid, [PING] * n)
                results["ping"].append(cost)
                sends = [json.dumps({"type": "send", "client_id": uuid.uuid4().hex,
                                     "body": "flood"}) for _ in range(n)]
                cost, answers = await burst(ws, pid, sends)
                if answers.get("rate_limited", 0) < n - 3:
                    raise RuntimeError(f"expected refusals, got {answers}")
                results["refused send"].append(cost)
            await ws.close()
        finally:
            server.popen.kill()
            server.popen.wait()
    return results


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    ref = sys.argv[2] if len(sys.argv) > 2 else None
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        servers: list[tuple[str, list[str] | None]] = [("this tree", None)]
        if ref:
            servers.insert(0, (f"at {ref}", baseline_command(ref, Path(tmp) / "ref")))
        for label, command in servers:
            rows.append((label, asyncio.run(measure(n, command))))
    print(f"{machine()}, load average {os.getloadavg()[0]:.2f}; {n:,} frames of each kind per "
          f"round, {ROUNDS} rounds ({time.perf_counter() - started:.0f} s)")
    print("| server | frame | server CPU µs per frame, per round | median | × ping |")
    print("|---|---|---:|---:|---:|")
    for label, results in rows:
        ping = statistics.median(results["ping"])
        for kind, costs in results.items():
            per_round = " / ".join(f"{c:.0f}" for c in costs)
            median = statistics.median(costs)
            print(f"| {label} | {kind} | {per_round} | {median:.0f} | {median / ping:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
