"""Routing under a burst: hundreds of chats opened at once against two agents.

Nobody ever exceeds their chat limit (a second connection samples every agent's load while the
burst runs), nobody waits while someone has room, an agent coming online in the middle takes
their share, and the queue is announced coalesced: each waiting visitor hears at most one
`queue` frame a second, ending with their true place; agents hear one `queue_summary` per site
instead of a frame per waiting chat.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import defaultdict

import apsw
import httpx
import websockets
from conftest import Appliance
from test_conversations import SITE_ORIGIN, agent_socket, cid
from test_routing import add_agent

CHATS = 240
LIMITS = {"xiaoli": 3, "xiaowang": 5}

LOADS = ("SELECT assignee_id, count(*) FROM conversation WHERE status = 'open' "
         "AND assignee_id IS NOT NULL GROUP BY assignee_id")


class LoadSampler(threading.Thread):
    """Reads every agent's open chats from the database file, over and over."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.path, self.highest, self.samples = path, defaultdict(int), 0
        self.stop = threading.Event()

    def run(self) -> None:
        db = apsw.Connection(self.path, flags=apsw.SQLITE_OPEN_READONLY)
        db.setbusytimeout(5000)
        try:
            while not self.stop.is_set():
                for agent, load in db.execute(LOADS):
                    self.highest[agent] = max(self.highest[agent], load)
                self.samples += 1
                time.sleep(0.002)
        finally:
            db.close()


class Visitor:
    """A widget socket that keeps every frame it hears, with when it heard it."""

    def __init__(self, ws) -> None:
        self.ws, self.frames = ws, []
        self.acked = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            self.frames.append((time.monotonic(), frame))
            if frame["type"] == "ack" and not self.acked.done():
                self.acked.set_result(frame["conversation_id"])

    def queue_frames(self) -> list[tuple[float, dict]]:
        return [(at, f) for at, f in self.frames if f["type"] == "queue"]


class Console:
    def __init__(self, ws) -> None:
        self.ws, self.frames = ws, []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            self.frames.append(json.loads(raw))

    def of(self, kind: str) -> list[dict]:
        return [f for f in self.frames if f["type"] == kind]


async def open_visitors(appliance: Appliance, site_key: str, count: int) -> list[Visitor]:
    async with httpx.AsyncClient(base_url=appliance.url, timeout=30) as http:
        async def one() -> Visitor:
            r = await http.post("/api/widget/session", json={"site_key": site_key},
                                headers={"Origin": SITE_ORIGIN})
            ws = await websockets.connect(appliance.url.replace("http", "ws") + "/api/widget/ws",
                                          origin=SITE_ORIGIN)
            await ws.send(json.dumps({"type": "auth", "visitor_token":
                                      r.json()["visitor_token"]}))
            assert json.loads(await ws.recv())["type"] == "hello"
            return Visitor(ws)

        gate = asyncio.Semaphore(16)

        async def gated() -> Visitor:
            async with gate:
                return await one()

        return list(await asyncio.gather(*(gated() for _ in range(count))))


async def until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the burst to settle"
        await asyncio.sleep(0.05)


def test_a_burst_of_chats_keeps_every_limit_and_leaves_nobody_waiting_beside_room(
        start_appliance) -> None:
    # Hundreds of visitors from one test address: this is about routing, not the widget's
    # per-address limits (tests/test_throttle.py).
    appliance = start_appliance(address_new_visitors_per_minute=100_000,
                                address_messages_per_minute=100_000)
    owner_client, setup = appliance.setup()
    site = setup["site"]
    agents = {login: add_agent(appliance, owner_client, login, site["id"], max_chats=limit)
              for login, limit in LIMITS.items()}
    limit_of = {agents[login][0]["id"]: limit for login, limit in LIMITS.items()}
    sampler = LoadSampler(str(appliance.runtime.config.data_path / "kefu.db"))

    def loads() -> dict[int, int]:
        db = apsw.Connection(sampler.path, flags=apsw.SQLITE_OPEN_READONLY)
        try:
            return dict(db.execute(LOADS))
        finally:
            db.close()

    def waiting_line() -> list[int]:
        db = apsw.Connection(sampler.path, flags=apsw.SQLITE_OPEN_READONLY)
        try:
            return [r[0] for r in db.execute(
                "SELECT id FROM conversation WHERE status = 'open' AND assignee_id IS NULL "
                "AND queued_at IS NOT NULL ORDER BY queued_at, id")]
        finally:
            db.close()

    async def scenario() -> None:
        visitors = await open_visitors(appliance, site["widget_key"], CHATS)
        li = Console(await agent_socket(appliance, agents["xiaoli"][1]))
        sampler.start()

        async def first_message(n: int, visitor: Visitor) -> int:
            await visitor.ws.send(json.dumps({"type": "send", "client_id": cid(),
                                              "body": f"在吗 {n}"}))
            return await asyncio.wait_for(visitor.acked, 30)

        sends = [asyncio.create_task(first_message(n, v)) for n, v in enumerate(visitors)]
        await asyncio.sleep(0.05)  # the other agent comes online in the middle of the burst
        wang = Console(await agent_socket(appliance, agents["xiaowang"][1]))
        conversations = await asyncio.gather(*sends)
        full = sum(LIMITS.values())
        await until(lambda: sum(loads().values()) == full
                    and len(waiting_line()) == CHATS - full)
        assert loads() == {uid: limit for uid, limit in limit_of.items()}

        # Every waiting visitor ends with their true place, heard at most once a second.
        line = waiting_line()
        place = {conversation: n + 1 for n, conversation in enumerate(line)}
        by_conversation = dict(zip(conversations, visitors, strict=True))

        def settled() -> bool:
            return all(by_conversation[c].queue_frames()
                       and by_conversation[c].queue_frames()[-1][1]["position"] == place[c]
                       for c in line)

        await until(settled, 10)
        for conversation in line:
            times = [at for at, _ in by_conversation[conversation].queue_frames()]
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert all(gap >= 0.9 for gap in gaps), (conversation, gaps)

        # Agents get one summary per site, never a frame per waiting chat.
        await until(lambda: any(f["waiting"] == len(line) for f in li.of("queue_summary")))
        for console in (li, wang):
            assert console.of("queue") == []
            assert all(f["site_id"] == site["id"] for f in console.of("queue_summary"))

        # A freed slot goes to the oldest waiting chat, and only one slot's worth.
        mine = (await asyncio.to_thread(agents["xiaoli"][1].get,
                                        "/api/conversations?view=mine")).json()["conversations"]
        li_chats = [c["id"] for c in mine]
        for conversation in li_chats[:2]:
            r = await asyncio.to_thread(agents["xiaoli"][1].post,
                                        f"/api/conversations/{conversation}/close", json={})
            assert r.status_code == 200
        await until(lambda: waiting_line() == line[2:])
        assert loads() == {uid: limit for uid, limit in limit_of.items()}
        taken = {c["id"] for c in (await asyncio.to_thread(
            agents["xiaoli"][1].get, "/api/conversations?view=mine")).json()["conversations"]}
        assert set(line[:2]) <= taken
        for client in (*visitors, li, wang):
            await client.ws.close()

    try:
        asyncio.run(scenario())
    finally:
        sampler.stop.set()
        sampler.join(5)
    assert sampler.samples > 10
    assert all(sampler.highest[uid] <= limit for uid, limit in limit_of.items()), \
        dict(sampler.highest)


def test_a_claimed_chat_moves_the_line_for_the_others(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    _, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"])

    async def scenario() -> None:
        console = Console(await agent_socket(appliance, li_client))
        await console.ws.send(json.dumps({"type": "status", "status": "busy"}))
        await until(lambda: console.of("status") != [])
        visitors = await open_visitors(appliance, site["widget_key"], 3)
        chats = []
        for n, visitor in enumerate(visitors):  # one after another: a known order in line
            await visitor.ws.send(json.dumps({"type": "send", "client_id": cid(),
                                              "body": f"排队 {n}"}))
            chats.append(await asyncio.wait_for(visitor.acked, 10))
            await until(lambda v=visitor: v.queue_frames() != [], 10)

        def places() -> list[int]:
            return [v.queue_frames()[-1][1]["position"] for v in visitors[1:]]

        await until(lambda: places() == [2, 3], 10)
        claimed = await asyncio.to_thread(li_client.post,
                                          f"/api/conversations/{chats[0]}/claim", json={})
        assert claimed.status_code == 200
        await until(lambda: places() == [1, 2], 10)
        for client in (*visitors, console):
            await client.ws.close()

    asyncio.run(scenario())
