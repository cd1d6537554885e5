"""A chat never stays with an agent who is gone: deactivated, taken off the site, or away from
the workbench too long; nor is it transferred to someone offline. And an agent back from
automatic away takes the waiting chats, their consoles told of both changes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from test_conversations import agent_socket, next_of
from test_reoffer import system_lines
from test_routing import add_agent, assigned, start_chat

WATCH_SECONDS = 5  # runtime.py: the "chats whose agent is gone" loop


async def held_by(client: Any, conversation_id: int, want: int | None,
                  timeout: float = WATCH_SECONDS * 3) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        r = await asyncio.to_thread(client.get, f"/api/conversations/{conversation_id}")
        conversation = r.json()["conversation"]
        if conversation["assignee_id"] == want:
            return conversation
        assert time.monotonic() < deadline, (conversation["assignee_id"], want)
        await asyncio.sleep(0.1)


async def frames_for(ws: Any, seconds: float) -> list[dict]:
    frames, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
        except TimeoutError:
            break
    return frames


def test_a_deactivated_agents_chats_go_to_a_colleague_or_back_to_the_queue(
        start_appliance) -> None:
    appliance = start_appliance()
    owner, setup = appliance.setup()
    site = setup["site"]
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"], max_chats=1)
    wang, wang_client = add_agent(appliance, owner, "xiaowang", site["id"], max_chats=1)
    zhao, zhao_client = add_agent(appliance, owner, "xiaozhao", site["id"], max_chats=1)

    async def scenario() -> None:
        li_console = await agent_socket(appliance, li_client)
        _, first_ws, first = await start_chat(appliance, site["widget_key"], "第一位")
        await held_by(owner, first, li["id"])
        wang_console = await agent_socket(appliance, wang_client)
        _, second_ws, second = await start_chat(appliance, site["widget_key"], "第二位")
        await held_by(owner, second, wang["id"])
        await system_lines(first_ws, timeout=0.5)
        await system_lines(second_ws, timeout=0.5)

        # 小李 is deactivated mid-chat; 小王 is full (limit 1): nobody can take it now, so it
        # goes back to the queue, where the colleagues see it, with a line for the visitor.
        r = await asyncio.to_thread(owner.post, f"/api/users/{li['id']}/deactivate")
        assert r.status_code == 200, r.text
        back = await held_by(owner, first, None)
        assert back["status"] == "open"
        heard = await frames_for(first_ws, 2.0)
        assert [(m["body"], m["sender"]["id"]) for m in heard
                if m["type"] == "message"] == [("transferred", None)]
        assert [m["position"] for m in heard if m["type"] == "queue"][-1:] == [1]
        waiting = await asyncio.to_thread(wang_client.get, "/api/conversations",
                                          params={"view": "waiting"})
        assert first in [c["id"] for c in waiting.json()["conversations"]]

        # The next agent who comes to the workbench takes it, as any waiting chat.
        zhao_console = await agent_socket(appliance, zhao_client)
        await held_by(owner, first, zhao["id"], timeout=5)
        assert [(m["body"], m["sender"]["id"]) for m in await system_lines(first_ws)] == [
            ("agent_joined", zhao["id"])]
        # The chat of the agent who stayed never moved.
        assert (await held_by(owner, second, wang["id"], timeout=1))["status"] == "open"
        for ws in (first_ws, second_ws, li_console, wang_console, zhao_console):
            await ws.close()

    asyncio.run(scenario())


def test_chats_of_an_agent_taken_off_the_site_go_to_a_colleague_who_can_take_them(
        start_appliance) -> None:
    appliance = start_appliance()
    owner, setup = appliance.setup()
    site = setup["site"]
    other = owner.post("/api/sites", json={"name": "手机站", "url": "https://m.example.com"})
    assert other.status_code == 201, other.text
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"])
    wang, wang_client = add_agent(appliance, owner, "xiaowang", site["id"], max_chats=1)

    async def scenario() -> None:
        li_console = await agent_socket(appliance, li_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "在吗")
        await held_by(owner, conv, li["id"])
        wang_console = await agent_socket(appliance, wang_client)
        await system_lines(ws, timeout=0.5)
        r = await asyncio.to_thread(owner.patch, f"/api/users/{li['id']}",
                                    json={"site_ids": [other.json()["site"]["id"]]})
        assert r.status_code == 200, r.text
        await held_by(owner, conv, wang["id"])
        lines = await system_lines(ws)
        assert [(m["body"], m["sender"]["id"], m["sender"]["name"]) for m in lines] == [
            ("transferred", wang["id"], "xiaowang")]
        frame = await next_of(wang_console, "conversation", timeout=3)
        assert frame["conversation"]["assignee_id"] == wang["id"]
        for s in (ws, li_console, wang_console):
            await s.close()

    asyncio.run(scenario())


def test_an_agent_gone_from_the_workbench_has_their_chats_handed_on_only_to_someone_present(
        start_appliance) -> None:
    """Past the reload grace and `return_chats_after_seconds`, the chat goes to a colleague
    who can take it; while nobody can, it stays with its agent (no needless queue)."""
    appliance = start_appliance(presence_grace_seconds=1, return_chats_after_seconds=2)
    owner, setup = appliance.setup()
    site = setup["site"]
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"])
    wang, wang_client = add_agent(appliance, owner, "xiaowang", site["id"])

    async def scenario() -> None:
        li_console = await agent_socket(appliance, li_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "你好")
        await held_by(owner, conv, li["id"])
        await system_lines(ws, timeout=0.5)
        await li_console.close()  # 小李 closed the console; nobody else is there
        await asyncio.sleep(1 + 2 + WATCH_SECONDS + 1)
        assert (await held_by(owner, conv, li["id"], timeout=1))["status"] == "open"
        assert await system_lines(ws, timeout=0.5) == []
        wang_console = await agent_socket(appliance, wang_client)  # now someone can
        await held_by(owner, conv, wang["id"])
        assert [(m["body"], m["sender"]["id"]) for m in await system_lines(ws)] == [
            ("transferred", wang["id"])]
        # 小李 comes back: the chat stays with 小王 (it never bounces back on its own).
        li_console = await agent_socket(appliance, li_client)
        await asyncio.sleep(WATCH_SECONDS + 1)
        assert (await held_by(owner, conv, wang["id"], timeout=1))["assignee_id"] == wang["id"]
        for s in (ws, li_console, wang_console):
            await s.close()

    asyncio.run(scenario())


def test_a_reload_within_the_grace_keeps_the_chats(start_appliance) -> None:
    appliance = start_appliance(presence_grace_seconds=30, return_chats_after_seconds=1)
    owner, setup = appliance.setup()
    site = setup["site"]
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"])
    _, wang_client = add_agent(appliance, owner, "xiaowang", site["id"])

    async def scenario() -> None:
        li_console = await agent_socket(appliance, li_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "你好")
        await held_by(owner, conv, li["id"])
        wang_console = await agent_socket(appliance, wang_client)
        await li_console.close()  # a reload that takes a while
        await asyncio.sleep(WATCH_SECONDS + 2)
        assert (await held_by(owner, conv, li["id"], timeout=1))["assignee_id"] == li["id"]
        for s in (ws, wang_console):
            await s.close()

    asyncio.run(scenario())


def test_a_chat_is_not_transferred_to_someone_offline(start_appliance) -> None:
    appliance = start_appliance()
    owner, setup = appliance.setup()
    site = setup["site"]
    li, li_client = add_agent(appliance, owner, "xiaoli", site["id"])
    wang, wang_client = add_agent(appliance, owner, "xiaowang", site["id"])

    async def scenario() -> None:
        li_console = await agent_socket(appliance, li_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "转人")
        await held_by(owner, conv, li["id"])
        targets = (await asyncio.to_thread(
            li_client.get, f"/api/conversations/{conv}/transfer-targets")).json()["agents"]
        assert {a["id"]: a["status"] for a in targets}[wang["id"]] == "offline"
        before = (await asyncio.to_thread(owner.get, f"/api/conversations/{conv}")).json()
        r = await asyncio.to_thread(li_client.post, f"/api/conversations/{conv}/transfer",
                                    json={"agent_id": wang["id"]})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["field"] == "agent_id"
        after = (await asyncio.to_thread(owner.get, f"/api/conversations/{conv}")).json()
        assert after == before
        # at the workbench, the same transfer goes through
        wang_console = await agent_socket(appliance, wang_client)
        r = await asyncio.to_thread(li_client.post, f"/api/conversations/{conv}/transfer",
                                    json={"agent_id": wang["id"]})
        assert r.status_code == 200, r.text
        for s in (ws, li_console, wang_console):
            await s.close()

    asyncio.run(scenario())


def test_back_from_automatic_away_an_agent_takes_the_waiting_chat_and_hears_their_status(
        start_appliance) -> None:
    appliance = start_appliance(away_after_seconds=1)
    owner, setup = appliance.setup()
    site = setup["site"]
    _, li_client = add_agent(appliance, owner, "xiaoli", site["id"])

    async def scenario() -> None:
        console = await agent_socket(appliance, li_client)
        second = await agent_socket(appliance, li_client)  # another tab of theirs
        for ws in (console, second):
            assert (await next_of(ws, "status", timeout=4))["status"] == "away"
        _, visitor, conv = await start_chat(appliance, site["widget_key"], "有人吗")
        assert (await next_of(visitor, "queue", timeout=3))["position"] == 1
        await console.send(json.dumps({"type": "activity"}))
        for ws in (console, second):
            assert (await next_of(ws, "status", timeout=3))["status"] == "online"
        await assigned(li_client, conv, timeout=3)
        for ws in (console, second, visitor):
            await ws.close()

    asyncio.run(scenario())


def test_a_status_chosen_in_one_console_reaches_the_others_once(start_appliance) -> None:
    appliance = start_appliance()
    owner, setup = appliance.setup()
    _, li_client = add_agent(appliance, owner, "xiaoli", setup["site"]["id"])

    async def scenario() -> None:
        one = await agent_socket(appliance, li_client)
        two = await agent_socket(appliance, li_client)
        await one.send(json.dumps({"type": "status", "status": "busy"}))
        assert (await next_of(one, "status"))["status"] == "busy"
        assert (await next_of(two, "status"))["status"] == "busy"
        await asyncio.sleep(2)  # the watch that tells of changes by themselves adds nothing
        for ws in (one, two):
            try:
                frame = await next_of(ws, "status", timeout=0.5)
            except TimeoutError:
                continue
            raise AssertionError(f"an extra status frame: {frame}")
        await one.close()
        await two.close()

    asyncio.run(scenario())
