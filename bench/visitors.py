"""Live visitors: 2,000 simulated visitors browsing, each with a page view every 5-20 s.

Kefu runs in its own process, started fresh (a temporary data directory); this process is the
load client (`websockets` on uvloop). Two runs, each with an owner's console watching the live
visitor list (`visitors_watch`):

  (1) single-page sites: one presence socket per visitor for the whole run, `page` frames on it
  (2) classic sites: every page view is a new page, so a new socket (`auth`, then `page`), the
      previous page's socket sending `tab_closed` and closing

Measured over the steady window: page views/s, server CPU (% of one core) and RSS, the server's
event-loop lag (a `ping`/`pong` round trip every 100 ms on a socket of its own, minus nothing:
it includes the loopback), and what the watching console receives: `visitors_delta` frames/s,
their size, and the time from a page frame to the delta that shows it.

Prints one table, then writes its section of docs/benchmarks.md.
Only 127.0.0.1 is contacted; every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import relay
import uvloop
from relay import DOC, new_sessions, open_agent, pct, raise_nofile, start_kefu
from run import machine
from websockets.asyncio.client import ClientConnection, connect

SECTION = "## Live visitors: 2,000 browsing (`bench/visitors.py`)"
VISITORS = 2000
GAP = (5.0, 20.0)  # seconds between two page views of one visitor
WARMUP = 20.0  # s: everyone has shown a page and settled
SECONDS = 60.0  # s counted
ORIGIN = "https://www.example.com"


@dataclass
class Run:
    mode: str
    visitors: int
    views: int = 0
    errors: int = 0
    cpu: float = 0.0  # % of one core
    loop_cpu: float = 0.0  # the server's main thread (its event loop), % of one core
    client_cpu: float = 0.0  # this load client's, % of one core
    load: float = 0.0  # the machine's 1-minute load average at the end
    rss_mib: float = 0.0
    lag: list[float] = field(default_factory=list)
    deltas: int = 0
    delta_bytes: list[int] = field(default_factory=list)
    seen: list[float] = field(default_factory=list)  # page frame -> delta showing it
    seconds: float = SECONDS


def page_frame(n: int, view: int, sent: dict[str, float]) -> str:
    url = f"{ORIGIN}/p/{n}/{view}"
    sent[url] = time.monotonic()
    return json.dumps({"type": "page", "tab": f"t-{n}", "url": url, "title": f"页面 {view}",
                       "referrer": "https://www.baidu.com/s?wd=%E7%89%99%E9%BD%BF" if view == 0
                       else "", "language": "zh-CN", "visible": True, "screen": "desktop"})


async def visitor_socket(base_ws: str, site_key: str, token: str) -> ClientConnection:
    ws = await connect(f"{base_ws}/api/widget/ws", compression=None, open_timeout=60,
                       max_queue=None)
    await ws.send(json.dumps({"type": "auth", "site_key": site_key, "visitor_token": token}))
    while json.loads(await asyncio.wait_for(ws.recv(), 60))["type"] != "hello":
        pass
    return ws


async def drain(ws: ClientConnection) -> None:
    """Answer pings; everything else (invitations) is dropped."""
    try:
        async for text in ws:
            if '"ping"' in str(text):
                await ws.send('{"type":"pong"}')
    except Exception:
        pass


async def browse(run: Run, n: int, base_ws: str, site_key: str, token: str, stop: float,
                 counting: list[bool], sent: dict[str, float], spa: bool) -> None:
    """One visitor: a page view every 5-20 s until `stop`."""
    await asyncio.sleep(random.uniform(0, WARMUP / 2))
    view = 0
    ws = drainer = None
    while time.monotonic() < stop:
        try:
            if ws is None or not spa:
                fresh = await visitor_socket(base_ws, site_key, token)
                if ws is not None:
                    await ws.send(json.dumps({"type": "tab_closed", "tab": f"t-{n}"}))
                    await ws.close()
                    assert drainer is not None
                    drainer.cancel()
                ws, drainer = fresh, asyncio.create_task(drain(fresh))
            await ws.send(page_frame(n, view, sent))
            if counting[0]:
                run.views += 1
        except Exception:
            if counting[0]:
                run.errors += 1
            ws = None
        view += 1
        await asyncio.sleep(random.uniform(*GAP))
    if ws is not None:
        await ws.close()


async def lag_probe(run: Run, base_ws: str, site_key: str, token: str, stop: float,
                    counting: list[bool]) -> None:
    ws = await visitor_socket(base_ws, site_key, token)
    try:
        while time.monotonic() < stop:
            started = time.monotonic()
            await ws.send('{"type":"ping"}')
            while True:
                text = await asyncio.wait_for(ws.recv(), 30)
                if '"pong"' in str(text):
                    break
                if '"ping"' in str(text):
                    await ws.send('{"type":"pong"}')
            if counting[0]:
                run.lag.append(time.monotonic() - started)
            await asyncio.sleep(0.1)
    finally:
        await ws.close()


async def watch(run: Run, agent_ws: ClientConnection, stop: float, counting: list[bool],
                sent: dict[str, float]) -> None:
    await agent_ws.send(json.dumps({"type": "visitors_watch", "watch": True}))
    while time.monotonic() < stop:
        try:
            text = await asyncio.wait_for(agent_ws.recv(), 5)
        except TimeoutError:
            continue
        frame = json.loads(text)
        if frame["type"] == "ping":
            await agent_ws.send('{"type":"pong"}')
        elif frame["type"] == "visitors_delta" and counting[0]:
            now = time.monotonic()
            run.deltas += 1
            run.delta_bytes.append(len(text))
            for live in frame["upsert"]:
                at = sent.pop(live["page"]["url"], None)
                if at is not None:
                    run.seen.append(now - at)


async def one_run(mode: str, visitors: int, seconds: float) -> Run:
    run = Run(mode, visitors, seconds=seconds)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        server, site_key = start_kefu(tmp)
        try:
            base = f"http://127.0.0.1:{server.port}"
            base_ws = base.replace("http", "ws")
            tokens = await new_sessions(base, site_key, visitors + 1)
            agent = await open_agent(base, base_ws)
            agent.reader.cancel()  # this run reads the console's socket itself (watch)
            counting = [False]
            sent: dict[str, float] = {}
            stop = time.monotonic() + WARMUP + seconds
            tasks = [asyncio.create_task(browse(run, n, base_ws, site_key, tokens[n], stop,
                                                counting, sent, mode == "spa"))
                     for n in range(visitors)]
            tasks.append(asyncio.create_task(lag_probe(run, base_ws, site_key, tokens[-1],
                                                       stop, counting)))
            tasks.append(asyncio.create_task(watch(run, agent.ws, stop, counting, sent)))
            await asyncio.sleep(WARMUP)
            cpu_before, threads_before = server.cpu()
            client_before = client_seconds()
            counting[0] = True
            started = time.monotonic()
            await asyncio.sleep(seconds)
            counting[0] = False
            elapsed = time.monotonic() - started
            cpu_after, threads_after = server.cpu()
            run.cpu = 100 * (cpu_after - cpu_before) / elapsed
            run.loop_cpu = 100 * (threads_after.get(server.pid, 0.0)
                                  - threads_before.get(server.pid, 0.0)) / elapsed
            run.client_cpu = 100 * (client_seconds() - client_before) / elapsed
            run.load = os.getloadavg()[0]
            run.rss_mib = server.rss_kib() / 1024
            run.seconds = elapsed
            await asyncio.wait(tasks, timeout=WARMUP + 30)
            for task in tasks:
                task.cancel()
            await agent.ws.close()
        finally:
            server.stop()
    return run


def client_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def table(runs: list[Run]) -> str:
    head = ("| run | visitors | page views/s | errors | server CPU (event loop) | client CPU | "
            "load | "
            "server RSS | loop lag "
            "p50 / p99 | deltas/s to the console | delta size p50 / max | page → list "
            "p50 / p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for r in runs:
        sizes = sorted(r.delta_bytes) or [0]
        rows.append(
            f"| {r.mode} | {r.visitors:,} | {r.views / r.seconds:.0f} | {r.errors} | "
            f"{r.cpu:.0f} % ({r.loop_cpu:.0f} %) | {r.client_cpu:.0f} % | {r.load:.1f} | "
            f"{r.rss_mib:.0f} MiB | "
            f"{pct(r.lag, 0.5):.1f} / "
            f"{pct(r.lag, 0.99):.1f} ms | {r.deltas / r.seconds:.2f} | "
            f"{sizes[len(sizes) // 2] / 1024:.1f} / {sizes[-1] / 1024:.1f} KiB | "
            f"{pct(r.seen, 0.5):.0f} / {pct(r.seen, 0.99):.0f} ms |")
    return "\n".join([head, *rows])


def write_section(text: str) -> None:
    doc = DOC.read_text("utf-8")
    body = f"{SECTION}\n\n{text}\n"
    if SECTION in doc:
        start = doc.index(SECTION)
        end = doc.find("\n## ", start + 1)
        doc = doc[:start] + body + ("" if end < 0 else doc[end:])
    else:
        doc = doc.rstrip() + "\n\n" + body
    DOC.write_text(doc, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=VISITORS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    limit = raise_nofile()
    visitors = min(args.visitors, max(100, (limit - 200) // 2))
    relay.BENCH_LIMITS += ("address_pages_per_minute = 1000000\n"
                           "visitor_sessions_per_minute = 1000000\n")
    runs = []
    for mode in ("spa", "pages"):
        runs.append(uvloop.run(one_run(mode, visitors, args.seconds)))
        print(table(runs[-1:]))
    text = table(runs)
    print(text)
    if args.no_write:
        return
    when = dt.date.today().isoformat()
    write_section(
        f"Measured {when} on {machine()}, client and server on the same machine "
        f"(the client's CPU competes with the server's). {visitors:,} visitors, a page view "
        f"every {GAP[0]:g}-{GAP[1]:g} s each, {args.seconds:g} s counted after a "
        f"{WARMUP:g} s warm-up; one owner's console watches the live list. `spa`: one "
        "presence socket per visitor (single-page sites, and the leader tab of any site); "
        "`pages`: every page view on a new socket (a classic site: the page, and its "
        "socket, is replaced), the old one saying `tab_closed`. Server CPU: the whole process, "
        "% of one core (in brackets its main thread, the event loop; the rest is the database's "
        "reader, writer and checkpoint threads). Loop lag: a `ping`/`pong` "
        "round trip every 100 ms on a socket of its own, measured by the client, so a busy "
        "client adds to it. Load: the machine's 1-minute load average at the end of the run "
        "(on a shared machine, other work ran meanwhile). Page → list: from sending a "
        "`page` frame to the `visitors_delta` frame showing that page (deltas go out at "
        "most every half second).\n\n" + text)


if __name__ == "__main__":
    main()
