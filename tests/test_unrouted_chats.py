"""A new chat is routed just after the visitor's message is acknowledged. One that routing
never reached — the process stopped between the ack and the routing — or that came when
nobody could take it is routed when someone can: it does not sit unassigned, outside the
queue, while agents are at the workbench. A missed one (the visitor left) stays as it is."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from conftest import OWNER_PASSWORD
from test_conversations import agent_socket
from test_held_chats import frames_for, held_by
from test_reoffer import system_lines
from test_routing import AGENT_PASSWORD, add_agent, start_chat
from waiting import routing_done

from appliance.services.routing import UNROUTED_AFTER_SECONDS

SWEEP_SECONDS = 5  # runtime.py: the "unrouted chats" loop
SOON = UNROUTED_AFTER_SECONDS + SWEEP_SECONDS * 2


async def conversation_of(client: Any, conversation_id: int) -> dict:
    r = await asyncio.to_thread(client.get, f"/api/conversations/{conversation_id}")
    assert r.status_code == 200, r.text
    return r.json()["conversation"]


def test_a_chat_nobody_could_take_goes_to_the_first_agent_who_comes(start_appliance) -> None:
    appliance = start_appliance()
    owner, setup = appliance.setup()
    site = setup["site"]
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"])

    async def scenario() -> None:
        # Nobody at the workbench: the chat is nobody's and in no queue (routing ran).
        _, ws, conversation = await start_chat(appliance, site["widget_key"], "有人吗")
        await asyncio.to_thread(routing_done)
        before = await conversation_of(owner, conversation)
        assert (before["assignee_id"], before["status"]) == (None, "open")
        # 小李 comes while the visitor still waits: the chat is theirs, and the visitor hears.
        console = await agent_socket(appliance, li_client)
        came = time.monotonic()
        await held_by(owner, conversation, li["id"], timeout=SOON)
        assert time.monotonic() - came <= SOON
        assert [(m["body"], m["sender"]["id"]) for m in await system_lines(ws)] == [
            ("agent_joined", li["id"])]
        for s in (ws, console):
            await s.close()

    asyncio.run(scenario())


def test_after_a_restart_a_chat_routing_never_reached_is_routed_and_a_missed_one_is_not(
        start_appliance) -> None:
    """The state the process leaves when it stops between a visitor's ack and the routing
    after it: an open chat, nobody's, in no queue. Made here by routing with nobody present
    (the same rows), then the appliance is stopped and started again on the same data."""
    first_run = start_appliance(missed_after_seconds=1)
    owner, setup = first_run.setup()
    site = setup["site"]
    li, _ = add_agent(first_run, owner, "xiaoli", site["id"])

    async def before_the_stop() -> tuple[int, int]:
        _, gone_ws, gone = await start_chat(first_run, site["widget_key"], "我先走了")
        await gone_ws.close()  # this visitor leaves: missed once the sweep sees it
        deadline = time.monotonic() + 30
        while not (await conversation_of(owner, gone))["missed"]:
            assert time.monotonic() < deadline, "never marked missed"
            await asyncio.sleep(0.2)
        _, waiting_ws, waiting = await start_chat(first_run, site["widget_key"], "我还在等")
        await asyncio.to_thread(routing_done)
        assert (await conversation_of(owner, waiting))["assignee_id"] is None
        await waiting_ws.close()
        return gone, waiting

    gone, waiting = asyncio.run(before_the_stop())
    data_dir = first_run.runtime.config.data_path
    first_run.close()

    again = start_appliance(data_dir=data_dir)  # missed after the default 120 s
    owner = again.login("boss@example.com", OWNER_PASSWORD)
    li_client = again.login("xiaoli", AGENT_PASSWORD)

    async def after_the_restart() -> None:
        console = await agent_socket(again, li_client)
        await held_by(owner, waiting, li["id"], timeout=SOON)
        # The sweep took the chats oldest first: the missed one was weighed and left.
        left = await conversation_of(owner, gone)
        assert (left["assignee_id"], left["missed"], left["status"]) == (None, True, "open")
        await console.close()

    asyncio.run(after_the_restart())


def test_a_crowd_that_came_when_nobody_could_take_it_keeps_the_agents_limit(
        start_appliance) -> None:
    """Twelve chats wait unrouted; an agent with room for three comes: three are theirs, the
    rest wait in the queue in the order they came — nobody over their limit."""
    appliance = start_appliance()
    owner, setup = appliance.setup()
    site = setup["site"]
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"], max_chats=3)

    async def scenario() -> None:
        chats = [await start_chat(appliance, site["widget_key"], f"第 {n} 位")
                 for n in range(12)]
        await asyncio.to_thread(routing_done)
        console = await agent_socket(appliance, li_client)
        ids = [conversation for _, _, conversation in chats]
        deadline = time.monotonic() + SOON
        while True:
            found = [await conversation_of(owner, c) for c in ids]
            waiting = await asyncio.to_thread(owner.get, "/api/conversations",
                                              params={"view": "waiting"})
            queued = [c["id"] for c in waiting.json()["conversations"]]
            if sum(c["assignee_id"] == li["id"] for c in found) == 3 and len(queued) == 9:
                break
            assert time.monotonic() < deadline, [c["assignee_id"] for c in found]
            await asyncio.sleep(0.2)
        assert [c["id"] for c in found if c["assignee_id"] == li["id"]] == ids[:3]
        assert sorted(queued) == ids[3:]
        # Each waiting visitor hears their place (frames coalesced: the last one counts).
        heard = await asyncio.gather(*(frames_for(ws, 2.5) for _, ws, _ in chats[3:]))
        assert [[f["position"] for f in frames if f["type"] == "queue"][-1:]
                for frames in heard] == [[n] for n in range(1, 10)]
        for _, ws, _ in chats:
            await ws.close()
        await console.close()

    asyncio.run(scenario())
