"""An unanswered chat is re-offered once, to someone who has not had it, and flagged once."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Appliance
from test_conversations import agent_socket, next_of
from test_routing import add_agent, assigned, start_chat

WATCH_SECONDS = 5  # web/app.py: ROUTING_WATCH_SECONDS


def make_overdue(appliance: Appliance, conversation_id: int) -> None:
    """The rule, not the timer, is under test: age the chat's assignment lines."""
    db = appliance.database()
    db.execute("UPDATE message SET created_at = '2000-01-01 00:00:00' "
               "WHERE conversation_id = ? AND kind = 'system'", (conversation_id,))
    db.close()


async def system_lines(ws, timeout: float = 1.5) -> list[dict]:
    lines = []
    while True:
        try:
            frame = await next_of(ws, "message", timeout=timeout)
        except TimeoutError:
            return lines
        if frame["kind"] == "system":
            lines.append(frame)


async def nothing_of(ws, kind: str, seconds: float) -> None:
    with pytest.raises(TimeoutError):
        await next_of(ws, kind, timeout=seconds)


def test_reoffered_once_to_someone_who_has_not_had_it_then_never_bounced(
        start_appliance) -> None:
    appliance = start_appliance()
    owner_client, setup = appliance.setup()
    site = setup["site"]
    owner_client.patch(f"/api/sites/{site['id']}", json={"unanswered_seconds": 10})
    first, first_client = add_agent(appliance, owner_client, "first", site["id"])
    second, second_client = add_agent(appliance, owner_client, "second", site["id"])
    third, third_client = add_agent(appliance, owner_client, "third", site["id"])

    async def scenario() -> int:
        consoles = [await agent_socket(appliance, c)
                    for c in (first_client, second_client, third_client)]
        watcher = consoles[1]
        _, ws, conv = await start_chat(appliance, site["widget_key"], "有人吗")
        detail = await assigned(owner_client, conv)  # routing follows the ack
        holder = detail.json()["conversation"]["assignee_id"]
        # Its agent hands it on unanswered: both of them have had it now.
        other = first["id"] if holder != first["id"] else third["id"]
        holder_client = {first["id"]: first_client, second["id"]: second_client,
                         third["id"]: third_client}[holder]
        r = await asyncio.to_thread(holder_client.post, f"/api/conversations/{conv}/transfer",
                                    json={"agent_id": other})
        assert r.status_code == 200, r.text
        fresh = {first["id"], second["id"], third["id"]} - {holder, other}
        before = await system_lines(ws)
        assert [line["body"] for line in before] == ["agent_joined", "transferred"]
        assert before[1]["sender"]["id"] == other

        await asyncio.to_thread(make_overdue, appliance, conv)
        flagged = await next_of(watcher, "unanswered", timeout=WATCH_SECONDS * 2)
        assert flagged["conversation_id"] == conv and flagged["agent_id"] == other
        assert flagged["new_agent_id"] in fresh
        moved = await system_lines(ws)
        assert [(m["body"], m["sender"]["id"]) for m in moved] == [
            ("transferred", flagged["new_agent_id"])]

        # The new agent does not answer either: it stays with them, flagged no more.
        await asyncio.to_thread(make_overdue, appliance, conv)
        await nothing_of(watcher, "unanswered", WATCH_SECONDS * 2 + 1)
        assert await system_lines(ws, timeout=0.5) == []
        for s in (ws, *consoles):
            await s.close()
        return flagged["new_agent_id"]

    new_agent = asyncio.run(scenario())
    conv = owner_client.get("/api/conversations?view=open").json()["conversations"][0]
    assert conv["assignee_id"] == new_agent


def test_with_nobody_else_free_the_chat_is_flagged_once_and_the_visitor_told_nothing(
        start_appliance) -> None:
    appliance = start_appliance()
    owner_client, setup = appliance.setup()
    site = setup["site"]
    owner_client.patch(f"/api/sites/{site['id']}", json={"unanswered_seconds": 10})
    alone, alone_client = add_agent(appliance, owner_client, "alone", site["id"])

    async def scenario() -> None:
        console = await agent_socket(appliance, alone_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "在吗")
        assert [m["body"] for m in await system_lines(ws)] == ["agent_joined"]
        await asyncio.to_thread(make_overdue, appliance, conv)
        flagged = await next_of(console, "unanswered", timeout=WATCH_SECONDS * 2)
        assert (flagged["agent_id"], flagged["new_agent_id"]) == (alone["id"], None)
        await nothing_of(console, "unanswered", WATCH_SECONDS * 2 + 1)
        assert await system_lines(ws, timeout=0.5) == []  # nothing moved: no transfer line
        detail = await asyncio.to_thread(owner_client.get, f"/api/conversations/{conv}")
        assert detail.json()["conversation"]["assignee_id"] == alone["id"]
        for s in (ws, console):
            await s.close()

    asyncio.run(scenario())


def test_a_transfer_to_the_agent_who_already_has_it_changes_nothing(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    li, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"])

    async def scenario() -> None:
        console = await agent_socket(appliance, li_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "转给自己")
        assert [m["body"] for m in await system_lines(ws)] == ["agent_joined"]
        r = await asyncio.to_thread(li_client.post, f"/api/conversations/{conv}/transfer",
                                    json={"agent_id": li["id"]})
        assert r.status_code == 400
        assert r.json()["error"]["field"] == "agent_id"
        assert await system_lines(ws, timeout=0.5) == []
        for s in (ws, console):
            await s.close()

    asyncio.run(scenario())
