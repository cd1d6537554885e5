"""Conversations: relay throughput, visitor→agent latency, memory per idle socket, widget bytes.

Every server under test runs in its own process, started fresh for each configuration (a new
temporary data directory for Kefu); this process is the load client for all of them, with the
same code (`websockets` client on uvloop, no compression). Baseline measured in the same run: a
bare `websockets` echo server on uvloop (bench/echo_server.py).

  (a) echo round trips over RELAY_CONNS connections, closed loop
  (b) Kefu: RELAY_CONNS visitors send (one at a time, waiting for the ack), one agent receives
  (c) MANY_CONNS visitors each send every MANY_INTERVAL s (staggered): visitor→agent latency,
      beside the echo round trip with the same connections and schedule
  (d) server RSS per idle authenticated widget socket vs per idle echo socket
  (e) bytes Chromium downloads for the widget: the loader, opening the chat, opening it outside
      business hours (the leave-a-message form)

Prints one table per part, then writes its section of docs/benchmarks.md.
Only 127.0.0.1 is contacted; every loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvloop
from run import machine
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Conversations: relay, latency, memory, widget (`bench/relay.py`)"

RELAY_CONNS = 50          # (a), (b)
RELAY_WARMUP = 1.0        # s, not counted
RELAY_SECONDS = 10.0      # s, counted
MANY_CONNS = 1000         # (c); fewer if the file limit is too low
MANY_INTERVAL = 5.0       # s between two messages of one connection
MANY_SECONDS = 20.0       # s of schedule
IDLE_MAX = 10_000         # (d): as many as the client manages, up to this
IDLE_MIN = 2_000
CONNECT_PARALLEL = 64     # handshakes in flight while opening many sockets
SETTLE_SECONDS = 3.0      # before reading the RSS after opening idle sockets
IDLE_SESSION_BUDGET = 45.0  # s to create the idle visitors' sessions (keeps `make bench` short)
IDLE_OPEN_BUDGET = 60.0     # s to open the idle sockets
OP_TIMEOUT = 30.0         # any single round trip, ack or handshake
PASSWORD = "bench-password-123"  # a throwaway install in a temp dir
OWNER = "boss@example.com"
ECHO_FILLER = "你好, 我想问一下价格" + "x" * 40
VISITOR_BODY = "你好, 我想问一下价格"  # the ~100-byte send frame around it: see frame_sizes()

TARGET_RELAY_RATIO = 0.3
TARGET_P99_MS = 50.0
TARGET_MEMORY_RATIO = 2.5

now = time.perf_counter  # CLOCK_MONOTONIC: one clock for every socket of this process


# -- processes --------------------------------------------------------------------------------

def raise_nofile() -> int:
    """Raise the soft open-files limit to the hard one; servers started later inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _ticks(path: Path) -> int:
    """utime + stime of a /proc stat file, in clock ticks."""
    return sum(_user_system(path))


def _user_system(path: Path) -> tuple[int, int]:
    """(utime, stime) of a /proc stat file, in clock ticks."""
    fields = path.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


@dataclass
class Server:
    """A server under test, in its own process."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu(self) -> tuple[float, dict[int, float]]:
        """CPU seconds used so far: (whole process, {thread id: seconds})."""
        hz = os.sysconf("SC_CLK_TCK")
        threads = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                threads[int(task.name)] = _ticks(task / "stat") / hz
        return _ticks(Path(f"/proc/{self.pid}/stat")) / hz, threads

    def main_user_system(self) -> tuple[float, float]:
        """CPU seconds of the main thread (the event loop) so far: (user, system)."""
        hz = os.sysconf("SC_CLK_TCK")
        user, system = _user_system(Path(f"/proc/{self.pid}/task/{self.pid}/stat"))
        return user / hz, system / hz

    def uses_uvloop(self) -> bool:
        with contextlib.suppress(OSError):
            return "uvloop" in Path(f"/proc/{self.pid}/maps").read_text()
        return False

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log.read_text(errors="replace"))
            if found:
                return found
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def _spawn(name: str, argv: list[str], tmp: Path) -> Server:
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, cwd=tmp)
    return Server(name, popen, log)


def start_echo(tmp: Path) -> Server:
    server = _spawn("echo", [sys.executable, str(HERE / "echo_server.py")], tmp)
    server.port = int(server.wait_for(r"listening on (\d+)").group(1))
    return server


def kefu_command() -> list[str]:
    script = Path(sys.executable).parent / "kefu"
    return [str(script)] if script.exists() else [sys.executable, "-m", "appliance"]


BENCH_LIMITS = """\
address_new_visitors_per_minute = 1000000
address_messages_per_minute = 1000000
visitor_messages_per_minute = 1000000
"""


def start_kefu(tmp: Path, command: list[str] | None = None,
               settings: str = "") -> tuple[Server, str]:
    """`kefu setup` on a fresh data dir, then `kefu serve`; returns the server and site key."""
    command = command or kefu_command()
    data = tmp / "data"
    setup = subprocess.run(
        [*command, "setup", "--data-dir", str(data), "--company", "Bench Co",
         "--owner", OWNER, "--password-file", "-", "--site-name", "Bench",
         "--site-url", "https://www.example.com"],
        input=PASSWORD + "\n", capture_output=True, text=True, timeout=120, check=False, cwd=tmp)
    if setup.returncode != 0:
        raise RuntimeError(f"kefu setup failed: {setup.stderr}")
    site_key = re.findall(r'"([^"]+)"\)', setup.stdout)[-1]
    # Thousands of visitors from this one machine: a load test, not the abuse the per-address
    # limits are for (docs/configuration.md, "Limits on the widget's routes").
    (data / "kefu.toml").write_text(BENCH_LIMITS + settings)
    serve = [*command, "serve", "--data-dir", str(data), "--host", "127.0.0.1", "--port", "0"]
    server = _spawn("kefu", serve, tmp)
    try:
        server.port = int(server.wait_for(r"serving at http://127\.0\.0\.1:(\d+)").group(1))
    except RuntimeError:
        if "unknown setting" not in server.log.read_text(errors="replace"):
            raise
        # Code from before these limits existed (a baseline commit): it has none to raise.
        (data / "kefu.toml").unlink()
        server = _spawn("kefu", serve, tmp)
        server.port = int(server.wait_for(r"serving at http://127\.0\.0\.1:(\d+)").group(1))
    return server, site_key


# -- statistics -------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds (values are seconds)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Cpu:
    """CPU use over a window, in cores: the server (whole process, its main thread — the event
    loop —, its busiest other thread) and this load client."""

    server: Server
    wall: float = 0.0
    server_total: float = 0.0
    server_main: float = 0.0
    server_busiest_other: float = 0.0
    server_main_user: float = 0.0    # the event loop's share in user space
    server_main_system: float = 0.0  # and in the kernel (socket reads and writes, epoll)
    client: float = 0.0
    # The server's descendants (a writer process and the fork server it came from), if any.
    children: float = 0.0
    _start: tuple[float, float, dict[int, float], float] = (0.0, 0.0, {}, 0.0)
    _main_start: tuple[float, float] = (0.0, 0.0)
    _children_start: dict[int, float] = field(default_factory=dict)

    def begin(self) -> None:
        self._main_start = self.server.main_user_system()
        self._children_start = descendants_cpu(self.server.pid)
        self._start = (now(), *self.server.cpu(), client_cpu())

    def end(self) -> Cpu:
        total, threads = self.server.cpu()
        t0, total0, threads0, client0 = self._start
        self.wall = now() - t0
        delta = {tid: (sec - threads0.get(tid, 0.0)) / self.wall for tid, sec in threads.items()}
        self.server_total = (total - total0) / self.wall
        self.server_main = delta.pop(self.server.pid, 0.0)
        self.server_busiest_other = max(delta.values(), default=0.0)
        self.client = (client_cpu() - client0) / self.wall
        user, system = self.server.main_user_system()
        self.server_main_user = (user - self._main_start[0]) / self.wall
        self.server_main_system = (system - self._main_start[1]) / self.wall
        children = descendants_cpu(self.server.pid)
        self.children = sum(sec - self._children_start.get(pid, 0.0)
                            for pid, sec in children.items()) / self.wall
        return self


def descendants_cpu(root: int) -> dict[int, float]:
    """CPU seconds so far of every process descended from `root` (not `root` itself)."""
    hz = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parent[int(proc.name)] = int(
                    (proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found: dict[int, float] = {}
    for pid in parent:
        up, seen = parent.get(pid), 0
        while up and up != root and seen < 64:
            up, seen = parent.get(up), seen + 1
        if up == root:
            with contextlib.suppress(OSError, ValueError, IndexError):
                found[pid] = _ticks(Path(f"/proc/{pid}/stat")) / hz
    return found


# -- load client ------------------------------------------------------------------------------

async def open_socket(url: str, headers: dict[str, str] | None = None) -> ClientConnection:
    return await connect(url, compression=None, proxy=None, ping_interval=None,
                         open_timeout=OP_TIMEOUT, close_timeout=2, max_size=2**20,
                         additional_headers=headers)


def abort_all(sockets: list[ClientConnection]) -> None:
    for ws in sockets:
        ws.transport.abort()


PONG = '{"type":"pong"}'


class Visitor:
    """A widget socket: sends messages and resolves each with the time its ack arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.acks: dict[str, asyncio.Future[float]] = {}
        self.hello: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:  # ends when the socket closes
                if not isinstance(raw, str):
                    continue
                if raw.startswith('{"type":"ack"'):
                    future = self.acks.pop(json.loads(raw)["client_id"], None)
                    if future is not None and not future.done():
                        future.set_result(now())
                elif raw.startswith('{"type":"nack"'):
                    future = self.acks.pop(json.loads(raw)["client_id"], None)
                    if future is not None and not future.done():
                        future.set_exception(RuntimeError(raw))
                elif raw.startswith('{"type":"hello"') and not self.hello.done():
                    self.hello.set_result(None)
                elif raw == '{"type":"ping"}':
                    await self.ws.send(PONG)
        for future in [self.hello, *self.acks.values()]:
            if not future.done():
                future.set_exception(ConnectionError(f"closed {self.ws.close_code}"))

    async def send(self, body: str) -> tuple[float, float]:
        """Send one message, wait for its ack: (sent at, acked at)."""
        client_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self.acks[client_id] = future
        sent = now()
        await self.ws.send(json.dumps({"type": "send", "client_id": client_id, "kind": "text",
                                       "body": f"t={sent:.6f} {body}"}, ensure_ascii=False))
        return sent, await asyncio.wait_for(future, OP_TIMEOUT)


async def open_visitor(base: str, site_key: str, token: str) -> Visitor:
    ws = await open_socket(f"{base}/api/widget/ws")
    try:
        await ws.send(json.dumps({"type": "auth", "site_key": site_key, "visitor_token": token}))
        visitor = Visitor(ws)
        await asyncio.wait_for(visitor.hello, OP_TIMEOUT)
    except BaseException:
        ws.transport.abort()
        raise
    return visitor


class Agent:
    """The agent console's socket: notes when each visitor message arrives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.recording = False
        self.latencies: list[float] = []
        self.messages = 0
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:  # ends when the socket closes
                if not isinstance(raw, str):
                    continue
                if raw.startswith('{"type":"message"'):
                    arrived = now()
                    body = json.loads(raw)["body"]
                    self.messages += 1
                    if self.recording and body.startswith("t="):
                        self.latencies.append(arrived - float(body[2:body.index(" ")]))
                elif raw == '{"type":"ping"}':
                    await self.ws.send(PONG)

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code


async def echo_round_trip(ws: ClientConnection, n: int) -> tuple[float, float]:
    sent = now()
    await ws.send(json.dumps({"type": "echo", "n": n, "t": sent, "body": ECHO_FILLER},
                             ensure_ascii=False))
    await asyncio.wait_for(ws.recv(), OP_TIMEOUT)
    return sent, now()


def frame_sizes() -> tuple[int, int]:
    echo = json.dumps({"type": "echo", "n": 1234, "t": now(), "body": ECHO_FILLER},
                      ensure_ascii=False)
    send = json.dumps({"type": "send", "client_id": uuid.uuid4().hex, "kind": "text",
                       "body": f"t={now():.6f} {VISITOR_BODY}"}, ensure_ascii=False)
    return len(echo.encode()), len(send.encode())


async def bounded_gather(items: list[Callable[[], Awaitable[object]]], parallel: int,
                         timeout: float, budget: float | None = None) -> tuple[list[object], int]:
    """Run the calls at most `parallel` at a time; (results that succeeded, failures).
    With a `budget` (s), calls not started by then are skipped (neither result nor failure)."""
    gate = asyncio.Semaphore(parallel)
    results: list[object] = []
    failures = 0
    last_start = now() + (timeout if budget is None else budget)

    async def one(call: Callable[[], Awaitable[object]]) -> None:
        nonlocal failures
        async with gate:
            if now() > last_start:
                return
            try:
                results.append(await call())
            except (OSError, TimeoutError, ConnectionError, ConnectionClosed, InvalidHandshake,
                    RuntimeError, httpx.HTTPError):
                failures += 1

    await asyncio.wait_for(asyncio.gather(*(one(c) for c in items)), timeout)
    return results, failures


async def new_sessions(base: str, site_key: str, count: int,
                       budget: float | None = None) -> list[str]:
    """Visitor tokens from POST /api/widget/session, as the widget gets them (fewer than
    `count` if the time `budget` runs out)."""
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=OP_TIMEOUT,
                                 limits=httpx.Limits(max_connections=32)) as client:
        async def one() -> str:
            answer = await client.post("/api/widget/session", json={
                "site_key": site_key, "page": {"url": "https://www.example.com/pricing"}})
            answer.raise_for_status()
            return str(answer.json()["visitor_token"])

        tokens, failures = await bounded_gather([one] * count, 32, 300, budget)
    if failures:
        raise RuntimeError(f"{failures} of {count} widget sessions failed")
    return [str(t) for t in tokens]


async def open_agent(base_http: str, base_ws: str, *, workbench: bool = False) -> Agent:
    """The owner's console socket; `workbench`: it counts as present (the widget then offers
    the chat, not the leave-a-message form)."""
    async with httpx.AsyncClient(base_url=base_http, trust_env=False,
                                 timeout=OP_TIMEOUT) as client:
        answer = await client.post("/api/auth/login", json={"login": OWNER, "password": PASSWORD})
        answer.raise_for_status()
        cookie = answer.cookies["kefu_session"]
    ws = await open_socket(f"{base_ws}/api/agent/ws", {"Cookie": f"kefu_session={cookie}"})
    if workbench:
        await ws.send('{"type":"workbench","present":true}')
    return Agent(ws)


# -- (a), (b): closed loop -----------------------------------------------------------------------

@dataclass
class LoopResult:
    rate: float
    latencies: list[float]
    errors: int
    cpu: Cpu
    extra: dict[str, object] = field(default_factory=dict)


async def closed_loop(op: Callable[[int, int], Awaitable[tuple[float, float]]], conns: int,
                      cpu: Cpu, on_window: Callable[[bool], None] | None = None) -> LoopResult:
    """Each connection repeats `op` back to back; count those inside the measured window."""
    start = now()
    window_start, window_end = start + RELAY_WARMUP, start + RELAY_WARMUP + RELAY_SECONDS
    latencies: list[float] = []
    errors = 0

    async def worker(i: int) -> None:
        nonlocal errors
        for n in range(10**9):  # bounded by the window below
            if now() >= window_end:
                return
            try:
                sent, done = await op(i, n)
            except (ConnectionError, ConnectionClosed, TimeoutError, RuntimeError):
                errors += 1
                return
            if sent >= window_start and done <= window_end:
                latencies.append(done - sent)

    async def window() -> None:
        await asyncio.sleep(window_start - now())
        cpu.begin()
        if on_window:
            on_window(True)
        await asyncio.sleep(window_end - now())
        cpu.end()
        if on_window:
            on_window(False)

    await asyncio.wait_for(asyncio.gather(window(), *(worker(i) for i in range(conns))),
                           RELAY_WARMUP + RELAY_SECONDS + 2 * OP_TIMEOUT)
    return LoopResult(len(latencies) / RELAY_SECONDS, latencies, errors, cpu)


async def part_a(tmp: Path) -> LoopResult:
    server = start_echo(tmp)
    sockets: list[ClientConnection] = []
    try:
        url = f"ws://127.0.0.1:{server.port}/"
        sockets = [await open_socket(url) for _ in range(RELAY_CONNS)]
        result = await closed_loop(lambda i, n: echo_round_trip(sockets[i], n), RELAY_CONNS,
                                   Cpu(server))
        result.extra["uvloop"] = server.uses_uvloop()
        return result
    finally:
        abort_all(sockets)
        server.stop()


async def ping_probe(ws: ClientConnection, every: float, times: list[float]) -> None:
    """WebSocket pings on `ws` every `every` s until cancelled: the round trip of each (the
    server's event loop answers them itself, no database)."""
    while True:
        sent = now()
        waiter = await ws.ping()
        await asyncio.wait_for(waiter, OP_TIMEOUT)
        times.append(now() - sent)
        await asyncio.sleep(every)


async def part_b(tmp: Path, command: list[str] | None = None,
                 settings: str = "", pings: list[float] | None = None) -> LoopResult:
    """`pings`: if given, an extra visitor socket pings the server every 10 ms during the
    measured window and the round trips are appended to it."""
    server, site_key = start_kefu(tmp, command, settings)
    sockets: list[ClientConnection] = []
    try:
        http, ws_base = f"http://127.0.0.1:{server.port}", f"ws://127.0.0.1:{server.port}"
        agent = await open_agent(http, ws_base)
        sockets.append(agent.ws)
        tokens = await new_sessions(http, site_key, RELAY_CONNS)
        visitors = [await open_visitor(ws_base, site_key, t) for t in tokens]
        sockets += [v.ws for v in visitors]
        for v in visitors:  # each visitor's first message opens its conversation: not counted
            await v.send(VISITOR_BODY)

        prober = None
        if pings is not None:
            [probe_token] = await new_sessions(http, site_key, 1)
            prober = (await open_visitor(ws_base, site_key, probe_token)).ws
            sockets.append(prober)
        probing: list[asyncio.Task[None]] = []

        def recording(on: bool) -> None:
            agent.recording = on
            if prober is not None and pings is not None and on:
                probing.append(asyncio.create_task(ping_probe(prober, 0.01, pings)))
            elif probing and not on:
                probing.pop().cancel()

        result = await closed_loop(lambda i, n: visitors[i].send(VISITOR_BODY), RELAY_CONNS,
                                   Cpu(server), recording)
        await asyncio.sleep(0.5)  # let the agent's last frames arrive
        result.extra.update(agent_latencies=agent.latencies, agent_closed=agent.close_code,
                            uvloop=server.uses_uvloop())
        return result
    finally:
        abort_all(sockets)
        server.stop()


# -- (c): many conversations, open loop -------------------------------------------------------

@dataclass
class ManyResult:
    conns: int
    sent: int
    latencies: list[float]     # kefu: visitor→agent; echo: round trip
    acks: list[float] = field(default_factory=list)  # kefu: send→ack
    missing: int = 0
    errors: int = 0
    cpu: Cpu | None = None
    late_starts: int = 0
    agent_closed: int | None = None  # kefu: the close code if the server ended the agent socket
    agent_heard: int = 0             # kefu: messages the agent heard before that


async def scheduled(conns: int, op: Callable[[int, int], Awaitable[tuple[float, float]]],
                    cpu: Cpu) -> tuple[list[float], int, int, int]:
    """Connection i sends at start + i·interval/conns + k·interval; (latencies, sent, errors,
    sends that started more than 10 ms late)."""
    rounds = int(MANY_SECONDS / MANY_INTERVAL)
    start = now() + 1.0
    latencies: list[float] = []
    sent = errors = late = 0

    async def connection(i: int) -> None:
        nonlocal sent, errors, late
        for k in range(rounds):
            due = start + i * MANY_INTERVAL / conns + k * MANY_INTERVAL
            await asyncio.sleep(max(0.0, due - now()))
            if now() - due > 0.010:
                late += 1
            sent += 1
            try:
                began, done = await op(i, k)
            except (ConnectionError, ConnectionClosed, TimeoutError, RuntimeError):
                errors += 1
                return
            latencies.append(done - began)

    async def window() -> None:
        await asyncio.sleep(start - now())
        cpu.begin()
        await asyncio.sleep(MANY_SECONDS)
        cpu.end()

    await asyncio.wait_for(asyncio.gather(window(), *(connection(i) for i in range(conns))),
                           MANY_SECONDS + 1.0 + 2 * OP_TIMEOUT)
    return latencies, sent, errors, late


async def part_c_echo(tmp: Path, conns: int) -> ManyResult:
    server = start_echo(tmp)
    sockets: list[ClientConnection] = []
    try:
        url = f"ws://127.0.0.1:{server.port}/"
        opened, failures = await bounded_gather([lambda: open_socket(url)] * conns,
                                                CONNECT_PARALLEL, 120)
        sockets = [s for s in opened if isinstance(s, ClientConnection)]
        if failures:
            raise RuntimeError(f"echo: {failures} of {conns} connections failed")
        for ws in sockets:  # warm-up, like the visitors' first messages
            await echo_round_trip(ws, -1)
        gc.collect()
        gc.freeze()  # the same for both servers: no collector pauses from the set-up garbage
        cpu = Cpu(server)
        latencies, sent, errors, late = await scheduled(
            conns, lambda i, k: echo_round_trip(sockets[i], k), cpu)
        return ManyResult(conns, sent, latencies, errors=errors, cpu=cpu, late_starts=late)
    finally:
        gc.unfreeze()
        abort_all(sockets)
        server.stop()


async def part_c_kefu(tmp: Path, conns: int, command: list[str] | None = None) -> ManyResult:
    server, site_key = start_kefu(tmp, command)
    sockets: list[ClientConnection] = []
    try:
        http, ws_base = f"http://127.0.0.1:{server.port}", f"ws://127.0.0.1:{server.port}"
        agent = await open_agent(http, ws_base)
        sockets.append(agent.ws)
        tokens = await new_sessions(http, site_key, conns)
        calls = [lambda t=t: open_visitor(ws_base, site_key, t) for t in tokens]
        opened, failures = await bounded_gather(calls, CONNECT_PARALLEL, 300)
        visitors = [v for v in opened if isinstance(v, Visitor)]
        sockets += [v.ws for v in visitors]
        if failures:
            raise RuntimeError(f"kefu: {failures} of {conns} visitor sockets failed")
        warm = [lambda v=v: v.send(VISITOR_BODY) for v in visitors]  # opens the conversations
        await bounded_gather(warm, CONNECT_PARALLEL, 120)
        await asyncio.sleep(1.0)
        gc.collect()
        gc.freeze()
        agent.recording = True
        cpu = Cpu(server)
        acks, sent, errors, late = await scheduled(
            conns, lambda i, k: visitors[i].send(VISITOR_BODY), cpu)
        for _ in range(50):  # up to 5 s for the agent to hear the last ones
            if len(agent.latencies) >= sent:
                break
            await asyncio.sleep(0.1)
        agent.recording = False
        return ManyResult(conns, sent, list(agent.latencies), acks,
                          missing=sent - len(agent.latencies), errors=errors, cpu=cpu,
                          late_starts=late, agent_closed=agent.close_code,
                          agent_heard=len(agent.latencies))
    finally:
        gc.unfreeze()
        abort_all(sockets)
        server.stop()


# -- (d): memory per idle socket --------------------------------------------------------------

@dataclass
class IdleResult:
    count: int
    before_kib: int
    after_kib: int
    failures: int
    open_seconds: float
    sessions: int = 0
    session_seconds: float = 0.0

    @property
    def per_conn_kib(self) -> float:
        return (self.after_kib - self.before_kib) / max(1, self.count)


def socket_of(opened: object) -> ClientConnection:
    if isinstance(opened, Visitor):
        return opened.ws
    assert isinstance(opened, ClientConnection)
    return opened


async def idle_sockets(server: Server, calls: list[Callable[[], Awaitable[object]]],
                       warm: list[Callable[[], Awaitable[object]]]) -> IdleResult:
    sockets: list[ClientConnection] = []
    try:
        warmed, _ = await bounded_gather(warm, CONNECT_PARALLEL, 60)  # first-use allocations
        abort_all([socket_of(w) for w in warmed])
        await asyncio.sleep(1.5)
        before = server.rss_kib()
        started = now()
        opened, failures = await bounded_gather(calls, CONNECT_PARALLEL, 240, IDLE_OPEN_BUDGET)
        open_seconds = now() - started
        sockets = [socket_of(o) for o in opened]
        await asyncio.sleep(SETTLE_SECONDS)
        after = server.rss_kib()
        return IdleResult(len(sockets), before, after, failures, open_seconds)
    finally:
        abort_all(sockets)


async def part_d_kefu(tmp: Path, count: int) -> IdleResult:
    """As many idle widget sockets as the time budgets allow, up to `count`."""
    server, site_key = start_kefu(tmp)
    try:
        http, ws_base = f"http://127.0.0.1:{server.port}", f"ws://127.0.0.1:{server.port}"
        started = now()
        tokens = await new_sessions(http, site_key, count + 50, IDLE_SESSION_BUDGET)
        session_seconds = now() - started
        calls = [lambda t=t: open_visitor(ws_base, site_key, t) for t in tokens]
        result = await idle_sockets(server, calls[50:], calls[:50])
        result.sessions, result.session_seconds = len(tokens), session_seconds
        return result
    finally:
        server.stop()


async def part_d_echo(tmp: Path, count: int) -> IdleResult:
    """The same number of idle sockets on the echo server."""
    server = start_echo(tmp)
    try:
        url = f"ws://127.0.0.1:{server.port}/"
        return await idle_sockets(server, [lambda: open_socket(url)] * count,
                                  [lambda: open_socket(url)] * 50)
    finally:
        server.stop()


# -- (e): widget bytes, as Chromium downloads them ------------------------------------------------

LOADER_BUDGET = 3 * 1024
PATH_BUDGET = 30_000
ALWAYS_CLOSED = {"timezone": "Asia/Shanghai", "week": {}}


@dataclass
class WidgetBytes:
    loader: dict[str, int]      # file → bytes transferred before any click
    chat: dict[str, int]        # opening the chat with an agent online (loader included)
    offline: dict[str, int]     # opening it outside business hours (leave-a-message form)


def host_page(folder: Path, snippet: str) -> tuple[object, str]:
    """A customer's page on another origin with the snippet pasted (loopback only)."""
    import functools
    import http.server
    import threading
    (folder / "index.html").write_text(
        f"<!doctype html><meta charset=utf-8><title>Shop</title><h1>Shop</h1>{snippet}", "utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


async def widget_downloads(browser: object, base: str, origin: str, click_until: str) -> tuple[
        dict[str, int], dict[str, int]]:
    """Every file Chromium fetched from the appliance (response bodies as transferred, API calls
    left out): before any click, and once `click_until` shows in the chat's frame."""
    new_context = browser.new_context  # type: ignore[attr-defined]
    context = await new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    files: dict[str, int] = {}

    async def finished(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if url.startswith(base) and "/api/" not in url:
            sizes = await request.sizes()  # type: ignore[attr-defined]
            files[url[len(base):]] = sizes["responseBodySize"]

    page.on("requestfinished", finished)
    await page.goto(origin + "/index.html")
    await page.locator('[data-test="kefu-launcher"]').wait_for()
    await page.wait_for_timeout(500)
    before = dict(files)
    await page.locator('[data-test="kefu-launcher"]').click()
    frame = page.frame_locator('[data-test="kefu-frame"]')
    await frame.locator(f'[data-test="{click_until}"]').wait_for(timeout=OP_TIMEOUT * 1000)
    await page.wait_for_timeout(1000)
    await context.close()
    return before, files


async def part_e(tmp: Path) -> WidgetBytes:
    from playwright.async_api import async_playwright
    server, site_key = start_kefu(tmp)
    base = f"http://127.0.0.1:{server.port}"
    www = tmp / "www"
    www.mkdir()
    agent = None
    try:
        async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=OP_TIMEOUT) as owner:
            (await owner.post("/api/auth/login", json={"login": OWNER, "password": PASSWORD})
             ).raise_for_status()
            csrf = {"X-CSRF-Token": owner.cookies["kefu_csrf"]}
            site = next(s for s in (await owner.get("/api/sites")).json()["sites"]
                        if s["widget_key"] == site_key)
            http_server, origin = host_page(www, site["snippet"])
            (await owner.patch(f"/api/sites/{site['id']}", headers=csrf,
                               json={"allowed_origins": [origin]})).raise_for_status()
            agent = await open_agent(base, base.replace("http", "ws", 1), workbench=True)
            chromium = os.environ.get("KEFU_CHROMIUM") or "/usr/bin/chromium"
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=chromium, headless=True,
                                                   args=["--no-sandbox", "--disable-gpu"])
                loader, chat = await widget_downloads(browser, base, origin, "kefu-input")
                (await owner.patch(f"/api/sites/{site['id']}", headers=csrf,
                                   json={"business_hours": ALWAYS_CLOSED})).raise_for_status()
                _, offline = await widget_downloads(browser, base, origin, "kefu-leave-form")
                await browser.close()
            http_server.shutdown()  # type: ignore[attr-defined]
        return WidgetBytes(loader, chat, offline)
    finally:
        if agent is not None:
            abort_all([agent.ws])
        server.stop()


def widget_table(e: WidgetBytes) -> Table:
    """One row per file (version directory left out), with the two paths side by side."""
    def short(path: str) -> str:
        path = re.sub(r"/chat/[^/]+$", "/chat/<site key>", path)
        return re.sub(r"/embed/[0-9a-f]{12}/", "/embed/<version>/", path)

    chat = {short(k): v for k, v in e.chat.items()}
    offline = {short(k): v for k, v in e.offline.items()}
    table = Table("(e) widget bytes Chromium downloads from the appliance (gzip, as transferred)",
                  ["file", "open the chat", "outside hours (leave a message)"])
    for name in list(dict.fromkeys([*chat, *offline])):
        table.rows.append([name, f"{chat[name]:,}" if name in chat else "–",
                           f"{offline[name]:,}" if name in offline else "–"])
    table.rows.append([f"total ({len(chat)} / {len(offline)} files)", f"{sum(chat.values()):,}",
                       f"{sum(offline.values()):,}"])
    presence = short(PRESENCE_FILE)
    table.rows.append(["the path's budget counts all but " + presence,
                       f"{sum(v for k, v in chat.items() if k != presence):,}",
                       f"{sum(v for k, v in offline.items() if k != presence):,}"])
    return table


PRESENCE_FILE = "/embed/presence.js"  # fetched on every page view: its own budget, not a path's


def widget_targets(e: WidgetBytes) -> list[tuple[str, str, bool]]:
    def without_presence(files: dict[str, int]) -> int:
        return sum(size for name, size in files.items() if name != PRESENCE_FILE)

    loader = without_presence(e.loader)
    chat, offline = without_presence(e.chat), without_presence(e.offline)
    return [
        (f"(e) loader ≤ {LOADER_BUDGET // 1024} KB gzipped", f"{loader:,} B",
         0 < loader <= LOADER_BUDGET
         and [n for n in e.loader if n != PRESENCE_FILE] == ["/embed.js"]),
        (f"(e) opening the chat ≤ {PATH_BUDGET // 1000} KB gzipped", f"{chat:,} B",
         0 < chat <= PATH_BUDGET),
        (f"(e) opening it outside hours ≤ {PATH_BUDGET // 1000} KB gzipped", f"{offline:,} B",
         0 < offline <= PATH_BUDGET),
    ]


# -- report -----------------------------------------------------------------------------------

@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def print(self) -> None:
        widths = [max(len(r[i]) for r in [self.header, *self.rows])
                  for i in range(len(self.header))]
        print(self.title)
        for row in [self.header, *self.rows]:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        print()

    def markdown(self) -> str:
        lines = [f"*{self.title[0].upper()}{self.title[1:]}*", "",
                 "| " + " | ".join(self.header) + " |",
                 "|---" + "|---:" * (len(self.header) - 1) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def cores(cpu: Cpu | None) -> str:
    return "" if cpu is None else f"{cpu.server_total:.2f}"


async def measure(tmp_root: Path, nofile: int) -> dict[str, object]:
    results: dict[str, object] = {}

    def fresh(name: str) -> Path:
        path = tmp_root / name
        path.mkdir()
        return path

    # Each side holds one fd per socket, plus a margin for files, pipes and the database.
    many = MANY_CONNS if nofile >= MANY_CONNS + 200 else max(100, nofile - 200)
    idle = max(0, min(IDLE_MAX, nofile - 300))
    parts: list[tuple[str, Callable[[Path], Awaitable[object]]]] = [
        ("a", part_a), ("b", part_b),
        ("c_echo", lambda tmp: part_c_echo(tmp, many)),
        ("c_kefu", lambda tmp: part_c_kefu(tmp, many)),
        ("d_kefu", lambda tmp: part_d_kefu(tmp, idle)),
        # The echo server gets as many idle sockets as Kefu managed to open.
        ("d_echo", lambda tmp: part_d_echo(tmp, getattr(results["d_kefu"], "count", idle))),
        ("e", part_e),
    ]
    for name, part in parts:
        started = time.monotonic()
        results[name] = await part(fresh(name))
        print(f"  {name}: {time.monotonic() - started:.0f} s", flush=True)
    print()
    return results


def report(results: dict[str, object], nofile: int, elapsed: float) -> str:
    a, b = results["a"], results["b"]
    c_echo, c_kefu = results["c_echo"], results["c_kefu"]
    d_echo, d_kefu = results["d_echo"], results["d_kefu"]
    assert isinstance(a, LoopResult) and isinstance(b, LoopResult)
    assert isinstance(c_echo, ManyResult) and isinstance(c_kefu, ManyResult)
    assert isinstance(d_echo, IdleResult) and isinstance(d_kefu, IdleResult)
    echo_bytes, send_bytes = frame_sizes()

    ta = Table(f"(a) baseline: websockets echo server on uvloop, {RELAY_CONNS} connections, "
               f"{RELAY_SECONDS:.0f} s, {echo_bytes}-byte frames",
               ["server", "round trips/s", "p50 ms", "p99 ms", "server cores", "client cores"])
    ta.rows.append(["echo (websockets + uvloop)", f"{a.rate:,.0f}", ms(pct(a.latencies, .5)),
                    ms(pct(a.latencies, .99)), f"{a.cpu.server_total:.2f}",
                    f"{a.cpu.client:.2f}"])

    ratio = b.rate / a.rate
    agent_lat = b.extra["agent_latencies"]
    assert isinstance(agent_lat, list)
    tb = Table(f"(b) Kefu relay: {RELAY_CONNS} visitors send one at a time ({send_bytes}-byte "
               "send frames), 1 agent socket receives",
               ["measure", "value"])
    tb.rows += [
        ["acked messages/s", f"{b.rate:,.0f}"],
        ["× echo round trips/s (target ≥ 0.3)", f"{ratio:.2f}"],
        ["send→ack p50 / p99 ms", f"{ms(pct(b.latencies, .5))} / {ms(pct(b.latencies, .99))}"],
        ["visitor→agent p50 / p99 ms",
         f"{ms(pct(agent_lat, .5))} / {ms(pct(agent_lat, .99))}"],
        ["messages the agent received in the window", f"{len(agent_lat):,}"],
        ["Kefu process cores: total / event-loop thread / busiest other thread",
         f"{b.cpu.server_total:.2f} / {b.cpu.server_main:.2f} / "
         f"{b.cpu.server_busiest_other:.2f}"],
        ["load client cores", f"{b.cpu.client:.2f}"],
    ]
    if b.errors or b.extra.get("agent_closed") is not None:
        tb.rows.append(["errors / agent socket closed with",
                        f"{b.errors} / {b.extra.get('agent_closed')}"])

    rate = c_kefu.conns / MANY_INTERVAL
    tc = Table(f"(c) {c_kefu.conns:,} connections, each sends every {MANY_INTERVAL:.0f} s "
               f"(staggered, {rate:.0f} messages/s), {MANY_SECONDS:.0f} s",
               ["path", "messages", "p50 ms", "p95 ms", "p99 ms", "max ms", "server cores"])
    tc.rows += [
        ["Kefu: visitor → agent socket", f"{len(c_kefu.latencies):,}",
         ms(pct(c_kefu.latencies, .5)), ms(pct(c_kefu.latencies, .95)),
         ms(pct(c_kefu.latencies, .99)), ms(pct(c_kefu.latencies, 1)), cores(c_kefu.cpu)],
        ["Kefu: visitor send → ack", f"{len(c_kefu.acks):,}", ms(pct(c_kefu.acks, .5)),
         ms(pct(c_kefu.acks, .95)), ms(pct(c_kefu.acks, .99)), ms(pct(c_kefu.acks, 1)), ""],
        ["echo: round trip (baseline)", f"{len(c_echo.latencies):,}",
         ms(pct(c_echo.latencies, .5)), ms(pct(c_echo.latencies, .95)),
         ms(pct(c_echo.latencies, .99)), ms(pct(c_echo.latencies, 1)), cores(c_echo.cpu)],
    ]
    c_p99 = pct(c_kefu.latencies, .99)
    c_notes = []
    if c_kefu.missing or c_kefu.errors or c_echo.errors:
        c_notes.append(f"Not received by the agent: {c_kefu.missing:,}; send errors: "
                       f"Kefu {c_kefu.errors}, echo {c_echo.errors}")
    if c_kefu.agent_closed is not None:
        c_notes.append(f"The server closed the agent socket with code {c_kefu.agent_closed} "
                       f"after it had heard {c_kefu.agent_heard:,} of the messages "
                       "(4008: more than 256 frames waiting for it; see below)")
    for label, r in (("Kefu", c_kefu), ("echo", c_echo)):
        if r.late_starts > r.sent // 100:
            c_notes.append(f"{label}: {r.late_starts:,} of {r.sent:,} sends started more than "
                           "10 ms after their scheduled time (the load client was short of CPU)")

    mem_ratio = d_kefu.per_conn_kib / d_echo.per_conn_kib if d_echo.per_conn_kib > 0 else 0
    td = Table("(d) server memory (VmRSS) per idle connection",
               ["server", "sockets", "RSS before MiB", "RSS after MiB", "KiB per socket",
                "× echo", "opened/s"])
    for label, r, x in (("echo (websockets + uvloop)", d_echo, 1.0),
                        ("Kefu: authenticated widget sockets", d_kefu, mem_ratio)):
        td.rows.append([label, f"{r.count:,}", f"{r.before_kib / 1024:.1f}",
                        f"{r.after_kib / 1024:.1f}", f"{r.per_conn_kib:.1f}", f"{x:.2f}",
                        f"{r.count / r.open_seconds:,.0f}"])

    e = results["e"]
    assert isinstance(e, WidgetBytes)
    te = widget_table(e)

    for table in (ta, tb, tc, td, te):
        table.print()
    for note in c_notes:
        print(note)

    targets = [
        (f"(b) relay ≥ {TARGET_RELAY_RATIO}× echo round trips/s", f"{ratio:.2f}×",
         ratio >= TARGET_RELAY_RATIO),
        (f"(c) visitor→agent p99 ≤ {TARGET_P99_MS:.0f} ms at {c_kefu.conns:,} connections",
         f"{c_p99:.1f} ms", c_p99 <= TARGET_P99_MS and not c_kefu.missing),
        (f"(d) memory per idle widget socket ≤ {TARGET_MEMORY_RATIO}× echo",
         f"{mem_ratio:.2f}×", 0 < mem_ratio <= TARGET_MEMORY_RATIO),
        *widget_targets(e),
    ]
    tt = Table("targets", ["target", "measured", "result"])
    tt.rows = [[name, value, "met" if ok else "MISSED"] for name, value, ok in targets]
    tt.print()
    print(f"relay.py took {elapsed:.0f} s")

    return doc_section(ta, tb, tc, td, te, targets, results, nofile, c_notes)


def doc_section(ta: Table, tb: Table, tc: Table, td: Table, te: Table,
                targets: list[tuple[str, str, bool]], results: dict[str, object], nofile: int,
                c_notes: list[str]) -> str:
    a, b = results["a"], results["b"]
    c_kefu, c_echo = results["c_kefu"], results["c_echo"]
    d_echo, d_kefu = results["d_echo"], results["d_kefu"]
    load = results["load"]
    assert isinstance(a, LoopResult) and isinstance(b, LoopResult)
    assert isinstance(c_kefu, ManyResult) and isinstance(c_echo, ManyResult)
    assert isinstance(d_echo, IdleResult) and isinstance(d_kefu, IdleResult)
    assert c_kefu.cpu is not None and c_echo.cpu is not None and isinstance(load, tuple)
    today = dt.date.today().isoformat()
    target_lines = "\n".join(f"- {name}: {value} — {met(ok)}" for name, value, ok in targets)
    notes = "".join(f"\n\n{n}." for n in c_notes)
    per_message_ms = b.cpu.server_busiest_other / b.rate * 1000 if b.rate else float("nan")
    if max(a.cpu.server_total, a.cpu.client) >= 0.9:
        echo_limit = "the echo rate is bounded by these two Python processes."
    else:
        echo_limit = ("neither reached a full core — in a closed loop each round trip waits for "
                      "both processes to be scheduled, and other work on the machine took the "
                      "rest — so the echo rate, and with it the ratio in (b), moves with the "
                      "machine's load.")
    return f"""{SECTION}

`bench/relay.py` starts every server under test as its own process, fresh for each
configuration (Kefu: `kefu setup` on a new temporary data directory, then `kefu serve` with its
defaults: WAL, `synchronous=FULL`, so every ack waits for an fsync'd group commit), and drives
all of them from one load client process with the same code: the `websockets` client on uvloop,
no compression, over 127.0.0.1. The baseline, measured in the same run, is a bare `websockets`
echo server on uvloop with `compression=None` (`bench/echo_server.py`). Open-files limit
{nofile:,} (raised to the hard limit by the bench; the servers inherit it). CPU columns are
cores used during the measured window, from `/proc` (server) and `getrusage` (client).

Measured {today} on {machine()} (load average {load[0]:.2f} when the run started,
{load[1]:.2f} when it ended — other work on the machine shows up in these numbers):

{ta.markdown()}

{tb.markdown()}

Each visitor's first message (which opens its conversation) is sent before the window and not
counted. Per message the load client reads three frames from Kefu (the ack, the visitor's own
`message` copy for its other tabs, the agent's `message`) against one from the echo server.

{tc.markdown()}

Visitor→agent: the send time (the load client's monotonic clock) is in the message body and is
compared with the arrival of the `message` frame at the agent's socket in the same process. The
echo row is a round trip over as many connections with the same schedule. Before the window
each visitor sent one message, so all {c_kefu.conns:,} conversations exist; one agent socket (the
owner, who hears every site) receives every message.{notes}

{td.markdown()}

RSS is read from `/proc/<pid>/status` after 50 warm-up sockets were opened and closed, and again
{SETTLE_SECONDS:.0f} s after the last socket opened. Every Kefu socket completed `auth` and got
its `hello`, each with its own visitor token from `POST /api/widget/session` (created before the
first reading: {d_kefu.sessions:,} sessions in {d_kefu.session_seconds:.0f} s). The number of
sockets is what Kefu opened within the bench's time budgets (at most {IDLE_MAX:,}); the echo
server then gets the same number.

{te.markdown()}

Targets:

{target_lines}

What limits the numbers:

- **Two shared cores.** The load client and the server under test share the machine's 2 cores
  (and whatever else runs on it). In (a) the echo server used {a.cpu.server_total:.2f} cores and
  the client {a.cpu.client:.2f}: {echo_limit}
- **Kefu's relay rate is bounded by one interpreter.** In (b) the Kefu process used
  {b.cpu.server_total:.2f} cores: {b.cpu.server_main:.2f} in the event-loop thread and
  {b.cpu.server_busiest_other:.2f} in its busiest other thread, the database writer. Python
  threads share one interpreter lock, so the two together cannot use much more than one core,
  whatever the machine has (the SQLite work itself — statements, the commit's fsync — runs
  without the lock): about {per_message_ms:.2f} ms of writer CPU per message plus the event
  loop's share (framing, JSON, validation, the ack and the agent's copy). The load client used
  only {b.cpu.client:.2f} cores: it waits for acks. The writer's per-message work is four SQL
  statements in plain SQL (`appliance/storage/message_log.py`: the dedup lookup, the open
  conversation, the insert, the conversation update); search terms are indexed in batches
  behind the messages (`appliance/storage/search_index.py`). Frames leave through the lean
  socket path (`appliance/web/ws_io.py`: one transport write per socket per pass of the event
  loop, frame bytes built once per event). Group commit amortises the fsync, not the
  per-message Python work; `bench/relay_compare.py` measures the change against the code
  before it, in the same run.
- **(c)** is far below that ceiling ({c_kefu.conns / MANY_INTERVAL:.0f} messages/s; Kefu used
  {c_kefu.cpu.server_total:.2f} cores, its writer {c_kefu.cpu.server_busiest_other:.2f}; the
  echo server {c_echo.cpu.server_total:.2f}), so the latency is the per-message path through the
  writer plus waiting behind the messages that arrived just before. Its tail follows the
  commits: a slow fsync or a CPU-starved writer (other work on the machine) holds every message
  that arrives meanwhile. (Earlier on 2026-11-24, with the ORM write path, the 256-frame agent
  outbox and other jobs on this machine, six runs gave p99 of 15 ms to 2.8 s; agents' sockets
  now have a 4,096-frame outbox, since one group commit can finish up to `writer_batch_max` =
  500 sends at once and all their frames are queued in one pass of the event loop.)
- **(d)** counts what the server process keeps per socket: for the echo server the `websockets`
  connection and its buffers; for Kefu also Sanic's request and WebSocket protocol objects, its
  handler task, Kefu's per-socket `Connection` (a deque drained by its own sender task, with
  slots) and the hub's registry entries. Kernel socket buffers are not in RSS. A tracemalloc
  comparison over 2,000 idle widget sockets (run by hand, not by this script, before
  `Connection` was slimmed from an `asyncio.Queue` and two events, ~4.6 KB, to a deque) put
  roughly 13 KB per socket in Sanic's WebSocket layer (its frame assembler's locks, events and
  queue, its ping, close and `recv` tasks), about 10 KB in its HTTP protocol, request and app
  bookkeeping that live as long as the socket, and about 3 KB in the handler and sender tasks
  of `appliance/web/sockets.py`. Opening the
  sockets is slower for Kefu (three database reads per `auth`), which does not affect the
  memory figure.
- **(e)** is what Chromium downloads from the appliance (each response body as transferred,
  gzip; the API calls are not counted) on a host page of another origin: before any click
  (the loader only), after a click that opens the chat with an agent online (the loader,
  `bridge.js` in the loader's own realm, the chat page `/chat/<site key>` in an iframe and
  every module and catalog it imports), and after a click outside business hours (the
  leave-a-message form, `leave.js`, and its strings instead of nothing). The scripts are
  served without comments and indentation (`appliance/web/static.py`). Independent of the
  machine; `python bench/relay.py --widget` measures (e) alone.
"""


def reflow(markdown: str, width: int = 96) -> str:
    """Wrap paragraphs and list items (the values filled in make their lines uneven)."""
    blocks = []
    for block in markdown.strip("\n").split("\n\n"):
        if block.startswith(("|", "#")):
            blocks.append(block)
        elif block.startswith("- "):
            items = re.split(r"\n(?=- )", block)
            blocks.append("\n".join(
                textwrap.fill(" ".join(item.split()), width, subsequent_indent="  ",
                              break_long_words=False, break_on_hyphens=False)
                for item in items))
        else:
            blocks.append(textwrap.fill(" ".join(block.split()), width,
                                        break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(blocks) + "\n"


def write_doc(section: str, heading: str = SECTION) -> None:
    """Replace the `heading` section of docs/benchmarks.md (or append it)."""
    section = reflow(section)
    text = DOC.read_text("utf-8") if DOC.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        rest = "".join(lines[end:])
        text = "".join(lines[:start]) + section + ("\n" + rest if rest else "")
    DOC.write_text(text.rstrip("\n") + "\n", "utf-8")


def widget_only() -> int:
    """`--widget`: part (e) alone, printed as its markdown table and targets."""
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        e = uvloop.run(asyncio.wait_for(part_e(Path(tmp)), 300))
    print(widget_table(e).markdown())
    print()
    for name, value, ok in widget_targets(e):
        print(f"- {name}: {value} — {met(ok)}")
    return 0 if all(ok for _, _, ok in widget_targets(e)) else 1


def main() -> int:
    if "--widget" in sys.argv[1:]:
        return widget_only()
    nofile = raise_nofile()
    if nofile < IDLE_MIN + 300:
        print(f"note: open-files limit {nofile} allows fewer than {IDLE_MIN} idle sockets")
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        results = uvloop.run(asyncio.wait_for(measure(Path(tmp), nofile), 600))
    results["load"] = (load_before, os.getloadavg()[0])
    section = report(results, nofile, time.monotonic() - started)
    write_doc(section)
    print(f"wrote section {SECTION!r} of {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
