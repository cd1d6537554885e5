"""The bot's chats in the console, over real sockets: consoles of the site follow them live
(`bot_chat` frames, no alert), list them with the latest question and reply, and a person
takes one over with one request; chats whose visitor left are closed by themselves."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from conftest import Appliance
from test_bot_chat import Visitor, bot_mode, bot_says, kb_world, say
from test_conversations import Widget, agent_socket, cid
from test_routing import add_agent


def _world(appliance: Appliance) -> dict[str, Any]:
    world = kb_world(*appliance.setup())
    bot_mode(world, "first")
    return world


@pytest.fixture
def world(appliance: Appliance) -> dict[str, Any]:
    return _world(appliance)


def bot_list(client) -> list[dict]:
    r = client.get("/api/conversations", params={"view": "bot"})
    assert r.status_code == 200, r.text
    return r.json()["conversations"]


async def frames_until(ws, kind: str, timeout: float = 3) -> tuple[dict, list[dict]]:
    """The next frame of `kind`, and every frame before it."""
    passed = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == kind:
            return frame, passed
        passed.append(frame)


async def silent(ws, kinds: tuple[str, ...], seconds: float = 0.6) -> None:
    """No frame of these kinds arrives for `seconds`."""
    with pytest.raises(TimeoutError):
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            assert frame["type"] not in kinds, frame


def test_consoles_follow_the_bots_chats_and_an_agent_takes_one_over(appliance, world) -> None:
    site = world["site"]
    li, li_client = add_agent(appliance, world["owner"], "xiaoli", site["id"])
    other_site = world["owner"].post("/api/sites", json={
        "name": "Other", "url": "https://other.example"}).json()["site"]
    _, stranger = add_agent(appliance, world["owner"], "stranger", other_site["id"])
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> int:
        console = await agent_socket(appliance, li_client)
        boss = await agent_socket(appliance, world["owner"], workbench=False)
        outsider = await agent_socket(appliance, stranger)
        ws = await Visitor.connect(widget)
        ack = await say(ws, "亲，付完款多久能发货呀")
        answer = await bot_says(ws)
        # Both consoles serving the site hear of the new chat, with its first exchange; no
        # `conversation` or `message` frame (nothing that alerts).
        for peer in (console, boss):
            frame, before = await frames_until(peer, "bot_chat")
            assert not [f for f in before if f["type"] in ("conversation", "message")], before
            chat = frame["conversation"]
            assert chat["id"] == ack["conversation_id"] and chat["status"] == "bot"
            assert [m["seq"] for m in frame["messages"]] == [ack["seq"], answer["seq"]]
            assert frame["messages"][1]["bot"]["action"] == "answer"
            last = chat["bot_last"]
            assert last["question"] == "亲，付完款多久能发货呀"
            assert last["reply"] == "付款后24小时内发货。" and last["action"] == "answer"
            assert 0 < last["confidence"] <= 1.5
        await silent(outsider, ("bot_chat", "conversation", "message"))
        # The next exchange moves the list's line on.
        await say(ws, "运费怎么收")
        await bot_says(ws)
        frame, _ = await frames_until(console, "bot_chat")
        assert frame["conversation"]["bot_last"]["question"] == "运费怎么收"
        assert frame["conversation"]["bot_last"]["reply"] == "满99元包邮，不满收8元。"
        await frames_until(boss, "bot_chat")

        listed = await asyncio.to_thread(bot_list, li_client)
        assert [c["id"] for c in listed] == [ack["conversation_id"]]
        assert listed[0]["bot_last"]["question"] == "运费怎么收"
        assert listed[0]["bot_last"]["action"] == "answer"
        assert await asyncio.to_thread(bot_list, stranger) == []

        # Someone of another site cannot take it; the agent of the site can.
        r = await asyncio.to_thread(
            stranger.post, f"/api/conversations/{ack['conversation_id']}/take-over")
        assert r.status_code == 404, r.text
        r = await asyncio.to_thread(
            li_client.post, f"/api/conversations/{ack['conversation_id']}/take-over")
        assert r.status_code == 200, r.text
        taken = r.json()["conversation"]
        assert taken["status"] == "open" and taken["assignee_id"] == li["id"]
        assert taken["bot_outcome"] == "handed_over" and taken["handover_reason"] == "agent"
        # The visitor sees a person join (and the chat is no longer the bot's).
        changed = await ws.next("conversation")
        while changed["conversation"]["status"] == "bot":  # the frame of the chat's start
            changed = await ws.next("conversation")
        assert changed["conversation"]["status"] == "open"
        assert changed["conversation"]["assigned"] is True
        joined = await ws.next("message")
        assert joined["kind"] == "system" and joined["body"] == "agent_joined"
        assert joined["sender"] == {"type": "system", "id": li["id"], "name": "xiaoli"}
        # The consoles see it as the agent's chat (the `conversation` frame comes first),
        # and drop it from the bot's list.
        frame, before = await frames_until(boss, "bot_chat")
        assert frame["conversation"]["status"] == "open"
        assert frame["conversation"]["bot_last"] is None and frame["messages"] == []
        opened = [f for f in before if f["type"] == "conversation"]
        assert [f["conversation"]["assignee_id"] for f in opened] == [li["id"]]
        # The bot says nothing more; the agent answers.
        await say(ws, "好的，那今天能发吗")
        with pytest.raises(TimeoutError):
            await bot_says(ws, timeout=0.7)
        # Taking it again is a no-op for the same agent; a closed chat cannot be taken.
        r = await asyncio.to_thread(
            li_client.post, f"/api/conversations/{ack['conversation_id']}/take-over")
        assert r.status_code == 200 and r.json()["conversation"]["assignee_id"] == li["id"]
        for peer in (ws, console, boss, outsider):
            await peer.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    assert bot_list(li_client) == []
    mine = li_client.get("/api/conversations", params={"view": "mine"}).json()["conversations"]
    assert [c["id"] for c in mine] == [conversation_id]
    r = li_client.post(f"/api/conversations/{conversation_id}/close")
    assert r.status_code == 200
    r = li_client.post(f"/api/conversations/{conversation_id}/take-over")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"


def test_take_over_refusals_change_nothing(appliance, world) -> None:
    site = world["site"]
    li, li_client = add_agent(appliance, world["owner"], "xiaoli", site["id"])
    _, wang_client = add_agent(appliance, world["owner"], "xiaowang", site["id"])
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> int:
        ws = await Visitor.connect(widget)
        ack = await say(ws, "可以开发票吗")
        await bot_says(ws)
        await ws.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    assert li_client.post("/api/conversations/999999/take-over").status_code == 404
    anonymous = appliance.client()
    assert anonymous.post(f"/api/conversations/{conversation_id}/take-over").status_code == 401
    # A visitor's token is no agent's session.
    r = appliance.client().post(f"/api/conversations/{conversation_id}/take-over",
                                headers={"Authorization": f"Bearer {widget.token}"})
    assert r.status_code == 401
    assert [c["id"] for c in bot_list(li_client)] == [conversation_id]
    assert li_client.post(f"/api/conversations/{conversation_id}/take-over").status_code == 200
    # Another agent cannot take it from the one who has it (a supervisor or up can).
    r = wang_client.post(f"/api/conversations/{conversation_id}/take-over")
    assert r.status_code == 403, r.text
    detail = li_client.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert detail["assignee_id"] == li["id"]
    r = world["owner"].post(f"/api/conversations/{conversation_id}/take-over")
    assert r.status_code == 200 and r.json()["conversation"]["assignee_id"] != li["id"]
    lines = [m for m in li_client.get(f"/api/conversations/{conversation_id}/messages").json()[
        "messages"] if m["kind"] == "system"]
    assert [m["body"] for m in lines] == ["agent_joined", "agent_joined"]


def test_writing_in_a_bot_chat_still_takes_it_over(appliance, world) -> None:
    li, li_client = add_agent(appliance, world["owner"], "xiaoli", world["site"]["id"])
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> None:
        boss = await agent_socket(appliance, world["owner"], workbench=False)
        ws = await Visitor.connect(widget)
        ack = await say(ws, "可以开发票吗")
        await bot_says(ws)
        await frames_until(boss, "bot_chat")
        r = await asyncio.to_thread(
            li_client.post, f"/api/conversations/{ack['conversation_id']}/messages",
            json={"client_id": cid(), "body": "您好，我来帮您开"})
        assert r.status_code == 200, r.text
        frame, _ = await frames_until(boss, "bot_chat")
        assert frame["conversation"]["status"] == "open"
        assert frame["conversation"]["handover_reason"] == "agent"
        assert frame["conversation"]["assignee_id"] == li["id"]
        await ws.close()
        await boss.close()

    asyncio.run(scenario())
    assert bot_list(li_client) == []


def test_claiming_or_closing_a_bot_chat(appliance, world) -> None:
    li, li_client = add_agent(appliance, world["owner"], "xiaoli", world["site"]["id"])

    async def scenario() -> tuple[int, int]:
        boss = await agent_socket(appliance, world["owner"], workbench=False)
        ids = []
        for text in ("可以开发票吗", "门店几点开门"):
            ws = await Visitor.connect(Widget(appliance, world["site"]["widget_key"]))
            ids.append((await say(ws, text))["conversation_id"])
            await bot_says(ws)
            await frames_until(boss, "bot_chat")
            await ws.close()
        # `claim` on the bot's chat takes it over (the same write as take-over).
        r = await asyncio.to_thread(li_client.post, f"/api/conversations/{ids[0]}/claim")
        assert r.status_code == 200, r.text
        claimed = r.json()["conversation"]
        assert (claimed["status"], claimed["assignee_id"]) == ("open", li["id"])
        assert claimed["handover_reason"] == "agent"
        frame, _ = await frames_until(boss, "bot_chat")
        assert (frame["conversation"]["id"], frame["conversation"]["status"]) == (ids[0], "open")
        # Closing one the bot serves: it leaves the bot's list too.
        r = await asyncio.to_thread(world["owner"].post, f"/api/conversations/{ids[1]}/close")
        assert r.status_code == 200, r.text
        frame, _ = await frames_until(boss, "bot_chat")
        assert (frame["conversation"]["id"], frame["conversation"]["status"]) == (
            ids[1], "closed")
        await boss.close()
        return ids[0], ids[1]

    asyncio.run(scenario())
    assert bot_list(world["owner"]) == []


def wait_for(check, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_bot_chat_whose_visitor_left_is_closed_as_the_bots_alone(start_appliance) -> None:
    appliance = start_appliance(bot_close_after_seconds=2, missed_after_seconds=1)
    world = _world(appliance)
    owner = world["owner"]
    staying = Widget(appliance, world["site"]["widget_key"])
    leaving = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> tuple[int, int]:
        boss = await agent_socket(appliance, owner, workbench=False)
        stay = await Visitor.connect(staying)
        stays = (await say(stay, "门店几点开门"))["conversation_id"]
        await bot_says(stay)
        go = await Visitor.connect(leaving)
        goes = (await say(go, "可以开发票吗"))["conversation_id"]
        await bot_says(go)
        await go.close()  # the visitor leaves
        # Closed once it was quiet and the visitor gone for 2 s: consoles hear it leave the
        # bot's list; the visitor who stays connected keeps their chat however quiet.
        started = time.monotonic()
        while True:
            frame, _ = await frames_until(boss, "bot_chat", timeout=10)
            if frame["conversation"]["id"] == goes and frame["conversation"]["status"] != "bot":
                break
        assert frame["conversation"]["status"] == "closed"
        assert frame["conversation"]["bot_outcome"] == "left"
        assert time.monotonic() - started >= 1.0  # not before its visitor was gone for long
        await asyncio.sleep(2.5)
        assert (await asyncio.to_thread(
            owner.get, f"/api/conversations/{stays}")).json()["conversation"]["status"] == "bot"
        # Still connected: the bot still answers there.
        await say(stay, "运费怎么收")
        assert (await bot_says(stay))["bot"]["action"] == "answer"
        await stay.close()
        await boss.close()
        return stays, goes

    stays, goes = asyncio.run(scenario())
    detail = owner.get(f"/api/conversations/{goes}").json()["conversation"]
    assert detail["status"] == "closed" and detail["bot_outcome"] == "left"
    assert detail["missed"] is False and detail["closed_at"] is not None
    # Once the other visitor is gone too, theirs closes the same way.
    closed = wait_for(lambda: owner.get(f"/api/conversations/{stays}").json()[
        "conversation"]["status"] == "closed")
    assert closed
    assert bot_list(owner) == []
    missed = owner.get("/api/conversations", params={"view": "missed"}).json()["conversations"]
    assert missed == []
    closed_list = owner.get("/api/conversations", params={"view": "closed"}).json()[
        "conversations"]
    assert {c["id"] for c in closed_list} == {stays, goes}
    # The chats report counts both as the bot's alone, neither as missed.

    def totals() -> dict | None:
        r = owner.get(f"/api/companies/{world['company']}/reports/chats")
        assert r.status_code == 200, r.text
        found = r.json()["report"]["totals"]
        return found if found["bot_only"] == 2 else None

    report = wait_for(totals)
    assert report is not None
    assert (report["chats"], report["missed"], report["answered"]) == (2, 0, 0)
