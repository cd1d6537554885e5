"""Presence counts only consoles at the workbench: routing, the widget, the queue and the board."""

from __future__ import annotations

import asyncio
import json

from conftest import Appliance
from test_conversations import Widget, agent_socket, next_of
from test_routing import add_agent, start_chat
from waiting import routing_done


def board_status(owner_client, site_id: int, user_id: int) -> str:
    agents = owner_client.get("/api/agents/status", params={"site_id": site_id}).json()["agents"]
    return next(a["status"] for a in agents if a["id"] == user_id)


async def workbench(console, present: object) -> dict:
    await console.send(json.dumps({"type": "workbench", "present": present}))
    return await next_of(console, "status")


def test_an_owner_on_the_admin_pages_takes_no_chats_until_at_the_workbench(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site, me = setup["site"], setup["user"]

    async def scenario() -> None:
        console = await agent_socket(appliance, owner_client, workbench=False)
        status = await asyncio.to_thread(board_status, owner_client, site["id"], me["id"])
        assert status == "offline"  # the board agrees
        widget = await asyncio.to_thread(Widget, appliance, site["widget_key"])
        assert widget.session["availability"]["agents_online"] is False
        assert widget.session["availability"]["mode"] == "leave_message"
        _, ws, conv = await start_chat(appliance, site["widget_key"], "有人吗")
        await asyncio.to_thread(routing_done)  # routed after the ack: checked after that
        detail = await asyncio.to_thread(owner_client.get, f"/api/conversations/{conv}")
        assert detail.json()["conversation"]["assignee_id"] is None  # nobody absorbed it
        # The console still hears the chat (to alert), without being counted as present.
        assert (await next_of(console, "conversation"))["conversation"]["id"] == conv

        assert (await workbench(console, True))["status"] == "online"
        _, ws1, _ = await start_chat(appliance, site["widget_key"], "现在有人了吧")
        joined = await next_of(ws1, "message")
        while joined["kind"] != "system":
            joined = await next_of(ws1, "message")
        assert (joined["body"], joined["sender"]["id"]) == ("agent_joined", me["id"])
        widget = await asyncio.to_thread(Widget, appliance, site["widget_key"])
        assert widget.session["availability"]["agents_online"] is True
        status = await asyncio.to_thread(board_status, owner_client, site["id"], me["id"])
        assert status == "online"

        # Walking over to the settings pages is a departure at once (no reload grace).
        assert (await workbench(console, False))["status"] == "offline"
        status = await asyncio.to_thread(board_status, owner_client, site["id"], me["id"])
        assert status == "offline"
        _, ws2, conv2 = await start_chat(appliance, site["widget_key"], "还有人吗")
        await asyncio.to_thread(routing_done)
        detail = await asyncio.to_thread(owner_client.get, f"/api/conversations/{conv2}")
        assert detail.json()["conversation"]["assignee_id"] is None
        for s in (ws, ws1, ws2, console):
            await s.close()

    asyncio.run(scenario())


def test_a_reload_of_the_workbench_keeps_the_agent_present_for_the_grace_period(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    li, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"])

    async def scenario() -> None:
        console = await agent_socket(appliance, li_client)
        await console.close()
        await asyncio.sleep(0.3)
        status = await asyncio.to_thread(board_status, owner_client, site["id"], li["id"])
        assert status == "online"
        # Two consoles: one at the workbench is enough, whatever the other shows.
        at_work = await agent_socket(appliance, li_client)
        elsewhere = await agent_socket(appliance, li_client, workbench=False)
        assert (await workbench(elsewhere, False))["status"] == "online"
        assert (await workbench(at_work, False))["status"] == "offline"
        for s in (at_work, elsewhere):
            await s.close()

    asyncio.run(scenario())


def test_entering_the_workbench_moves_the_queue_and_bad_frames_are_refused(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    li, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"])

    async def scenario() -> None:
        # Present but busy, so the chat queues instead of taking the offline path.
        busy = await agent_socket(appliance, owner_client)
        await busy.send(json.dumps({"type": "status", "status": "busy"}))
        await next_of(busy, "status")
        _, ws, conv = await start_chat(appliance, site["widget_key"], "排队中")
        assert (await next_of(ws, "queue"))["position"] == 1
        console = await agent_socket(appliance, li_client, workbench=False)
        await console.send(json.dumps({"type": "workbench", "present": "yes"}))
        error = await next_of(console, "error")
        assert (error["request"], error["error"]["field"]) == ("workbench", "present")
        await asyncio.sleep(0.3)
        detail = await asyncio.to_thread(owner_client.get, f"/api/conversations/{conv}")
        assert detail.json()["conversation"]["assignee_id"] is None
        assert (await workbench(console, True))["status"] == "online"
        detail = await asyncio.to_thread(owner_client.get, f"/api/conversations/{conv}")
        assert detail.json()["conversation"]["assignee_id"] == li["id"]
        # Saying it twice changes nothing.
        assert (await workbench(console, True))["status"] == "online"
        for s in (ws, console, busy):
            await s.close()

    asyncio.run(scenario())
