"""Nothing acknowledged is ever lost: clients send while the server is killed with SIGKILL.

Several visitors send messages over WebSockets, each keeping unacknowledged messages in an
outbox and resending them with the same client id after every reconnect, as protocol.md
requires. Meanwhile the server process is killed with SIGKILL at random moments and started
again on the same port and data directory. Afterwards:

- every acknowledged message is stored exactly once, with the seq its ack named;
- each conversation's seqs are 1..n without gaps;
- every client, syncing from 0, ends with its full history in order;
- PRAGMA integrity_check is ok.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
import uuid
from pathlib import Path

import apsw
import httpx
import pytest
import websockets
from served import Served, free_port, kefu, kefu_env

from appliance.storage.database import integrity_check

VISITORS = 4
KILLS = 6
PACE_SECONDS = 0.02  # between new messages, so that the kills land mid-stream
SITE_ORIGIN = "https://www.example.com"


class Visitor:
    def __init__(self, index: int, token: str, url: str) -> None:
        self.index, self.token, self.url = index, token, url
        self.outbox: list[tuple[str, str]] = []  # unacked, in order written
        self.acked: dict[str, int] = {}
        self.conversation_id: int | None = None
        self.written = 0
        self.resent = 0  # messages sent again after a reconnect
        self.writing = True  # until the kills are over; then only the outbox drains

    @property
    def busy(self) -> bool:
        return bool(self.outbox) or self.writing

    def write_next(self) -> None:
        self.written += 1
        self.outbox.append((uuid.uuid4().hex, f"visitor {self.index} message {self.written}"))

    async def session(self) -> None:
        """One connection: resend the outbox, keep writing, until the socket dies."""
        ws = await websockets.connect(self.url, origin=SITE_ORIGIN, open_timeout=2,
                                      close_timeout=1)
        try:
            await ws.send(json.dumps({"type": "auth", "visitor_token": self.token}))
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert hello["type"] == "hello", hello
            for client_id, body in list(self.outbox):
                self.resent += 1
                await ws.send(json.dumps({"type": "send", "client_id": client_id,
                                          "body": body}))
            while self.busy:
                if self.writing and len(self.outbox) < 5:
                    await asyncio.sleep(PACE_SECONDS)
                    self.write_next()
                    client_id, body = self.outbox[-1]
                    await ws.send(json.dumps({"type": "send", "client_id": client_id,
                                              "body": body}))
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "ack":
                    self._ack(frame)
                elif frame["type"] == "nack":
                    raise AssertionError(f"refused: {frame}")
        finally:
            await ws.close()

    def _ack(self, frame: dict) -> None:
        client_id = frame["client_id"]
        if client_id in self.acked:
            assert self.acked[client_id] == frame["seq"], "a resend got a different seq"
            return
        self.acked[client_id] = frame["seq"]
        self.conversation_id = frame["conversation_id"]
        self.outbox = [(c, b) for c, b in self.outbox if c != client_id]

    async def run(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while self.busy:
            assert loop.time() < deadline, f"visitor {self.index} did not finish"
            try:
                await self.session()
            except (OSError, websockets.WebSocketException, TimeoutError):
                await asyncio.sleep(0.05 + random.random() * 0.1)

    async def history(self) -> list[tuple[int, str]]:
        async with websockets.connect(self.url, origin=SITE_ORIGIN) as ws:
            await ws.send(json.dumps({"type": "auth", "visitor_token": self.token}))
            await ws.recv()
            await ws.send(json.dumps({"type": "sync", "conversation_id": self.conversation_id,
                                      "after_seq": 0}))
            seen = []
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "message":
                    seen.append((frame["seq"], frame["client_id"]))
                elif frame["type"] == "synced":
                    return seen


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_acked_messages_survive_sigkill_exactly_once(tmp_path: Path, writer: str) -> None:
    """With the writer on a thread of the server, and in a process of its own (which the
    kill leaves behind: it must end by itself, having committed or not what it held)."""
    data = tmp_path / "data"
    password = tmp_path / "pw.txt"
    password.write_text("durable-password\n")
    setup = kefu("setup", "--data-dir", data, "--company", "Acme", "--owner", "boss",
                 "--password-file", password, "--site-name", "Web",
                 "--site-url", SITE_ORIGIN)
    assert setup.returncode == 0, setup.stderr
    port = free_port()
    env = kefu_env(KEFU_WRITER=writer)
    servers = [Served("--data-dir", data, "--port", str(port), env=env)]
    base = servers[0].wait_ready()
    site_key = _site_key(data / "kefu.db")
    tokens = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(VISITORS):
            r = client.post("/api/widget/session", json={"site_key": site_key},
                            headers={"Origin": SITE_ORIGIN})
            tokens.append(r.json()["visitor_token"])
    ws_url = base.replace("http", "ws") + "/api/widget/ws"
    visitors = [Visitor(i, token, ws_url) for i, token in enumerate(tokens)]
    rng = random.Random(20261124)

    async def chaos() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 90
        clients = [asyncio.create_task(v.run(deadline)) for v in visitors]
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.1, 0.5))
            servers[-1].proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(servers[-1].kill)
            servers.append(Served("--data-dir", data, "--port", str(port), env=env))
            await asyncio.to_thread(servers[-1].wait_ready)
        await asyncio.sleep(0.3)
        for visitor in visitors:
            visitor.writing = False
        await asyncio.gather(*clients)
        for visitor in visitors:
            history = await visitor.history()
            stored = [client_id for _, client_id in history]
            assert [seq for seq, _ in history] == list(range(1, len(history) + 1))
            assert sorted(stored) == sorted(visitor.acked)  # all acked, nothing else
            assert len(set(stored)) == len(stored)
            for seq, client_id in history:
                assert visitor.acked[client_id] == seq

    try:
        asyncio.run(chaos())
    finally:
        for server in servers:
            server.kill()
    db = data / "kefu.db"
    # Nothing the killed servers started (a writer process) lives on holding the file.
    assert _holders_gone(db), f"still open by {_holders(db)}"
    assert integrity_check(db) == "ok"
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        total = sum(v.written for v in visitors)
        counts = list(conn.execute("SELECT count(*), count(DISTINCT client_id) FROM message"))
        assert counts == [(total, total)]
        for conversation_id, seqs in conn.execute(
                "SELECT conversation_id, group_concat(seq) FROM "
                "(SELECT conversation_id, seq FROM message ORDER BY seq) "
                "GROUP BY conversation_id"):
            numbers = [int(s) for s in seqs.split(",")]
            assert numbers == list(range(1, len(numbers) + 1)), conversation_id
    finally:
        conn.close()
    assert sum(len(v.acked) for v in visitors) == sum(v.written for v in visitors) > 100
    assert len(servers) == KILLS + 1
    # The resend path was exercised: some messages were in flight at a kill.
    resent = sum(v.resent for v in visitors)
    print(f"durability: {sum(v.written for v in visitors)} messages, {KILLS} SIGKILLs, "
          f"{resent} resent after reconnects")
    assert resent > 0


def _site_key(db: Path) -> str:
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return str(next(iter(conn.execute("SELECT widget_key FROM site")))[0])
    finally:
        conn.close()


def _holders(path: Path) -> list[int]:
    """Processes with `path` open."""
    target, found = str(path.resolve()), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) == target for fd in (proc / "fd").iterdir()):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _holders_gone(path: Path, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while _holders(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
